#!/usr/bin/env node
// qsub-container: the installed command. All logic lives in src/ (bundled into dist/bundle by `npm run build`);
// CommonJS because Node 20 starts it ~25 ms faster than an ES module entry. The bundle compiles from V8 code caches
// (src/cli/code-cache.ts), turned on before any of it loads.
require('../dist/bundle/code-cache.cjs').useCodeCacheForUser(process.env);
const { main } = require('../dist/bundle/qsub-container.cjs');

// process.exit only for a run a signal or a closed pipe stopped (src/cli/stop.ts); otherwise the process ends by itself.
main(process.argv.slice(2), process.env, (code) => process.exit(code)).then((code) => {
  process.exitCode = code;
});
