#!/usr/bin/env node
// qsub-container: the installed command. All logic lives in src/ (bundled into dist/bundle by `npm run build`);
// CommonJS because Node 20 starts it ~25 ms faster than an ES module entry. The bundle compiles from V8 code caches
// (src/cli/code-cache.ts), turned on before any of it loads, in the CommonJS loader this file runs under.
require('../dist/bundle/code-cache.cjs').useCodeCacheForUser(process.env, module.constructor);
const { main } = require('../dist/bundle/qsub-container.cjs');

// A run a signal or a closed pipe stopped may end through process.exit early (src/cli/stop.ts). A run that returned has
// done its work (everything it started is awaited or stopped): it ends at once, without Node's heap teardown (~3 ms of a
// dry run here, CONTRIBUTING.md: Benchmarks, startup.mjs), unless output is still queued for a slow reader of a full
// pipe, which only ending by itself delivers.
main(process.argv.slice(2), process.env, (code) => process.exit(code)).then((code) => {
  process.exitCode = code;
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
});
