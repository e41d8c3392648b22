#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/main.js) into one CommonJS file plus chunks loaded on demand: Node 20 starts one
// CommonJS file far faster than ~50 ES modules (~20 ms of a ~110 ms dry run, test/bench/startup.mjs). Run by `npm run build`.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'dist/bundle'); // two levels down, as dist/cli/main.js: its '../../job-templates/' still resolves

rmSync(OUT, { recursive: true, force: true });
const bundle = await rolldown({
  cwd: ROOT,
  input: { 'qsub-container': join(ROOT, 'dist/cli/main.js') },
  platform: 'node',
  // Loaded lazily and only by some commands (yargs: help and usage errors), or native/worker-based: left to node_modules.
  external: [/^node:/, 'yargs', 'pino', 'ssh2', 'node-cron'],
});
await bundle.write({
  dir: OUT,
  format: 'cjs',
  entryFileNames: '[name].cjs',
  chunkFileNames: '[name]-[hash].cjs',
  // ASCII only: V8 keeps a source with one non-ASCII character (a "≤" in a message or a doc comment) as a two-byte
  // string, slower to read and to compile. Non-ASCII in strings is escaped; doc comments, the rest of it, are dropped
  // (the source in src/ has them). The command chunk: 282 → 240 KB, read in ~0.6 ms instead of ~1 ms.
  charset: 'ascii',
  comments: { legal: true, annotation: false, jsdoc: false },
  // A dry run in few files (Node's CommonJS loader costs ~0.3 ms a file; chunked per shared module it read 18): what
  // main.js imports statically in one chunk (all `--help` needs); in another, what a submission loads on its way to the
  // registry: dispatch.ts with all it imports, and the logger; in a third, what it loads while the registry answers
  // (src/app/submit.ts): the job templates and the code that plans and renders the script. node:http's adapter stays
  // apart, as do the commands that load on demand (the other commands, the probe's code) and --host's SSH.
  codeSplitting: {
    groups: [
      { name: 'startup', tags: ['$initial'], priority: 3 },
      {
        name: 'command',
        test: /[\\/](cli[\\/]dispatch|log[\\/]logger)\.js$/,
        includeDependenciesRecursively: true,
        priority: 2,
      },
      {
        name: 'script',
        test: /[\\/](templates[\\/](load|prebuilt|render)|job[\\/](plan|cache-view)|mustache[\\/]mustache)\.m?js$/,
        priority: 1,
      },
    ],
  },
});
await bundle.close();

// What bin/qsub-container.cjs loads first, to compile everything above from V8 code caches (src/cli/code-cache.ts): a
// bundle of its own, so that nothing of the CLI is compiled before the caches are on.
const codeCache = await rolldown({
  cwd: ROOT,
  input: { 'code-cache': join(ROOT, 'dist/cli/code-cache.js') },
  platform: 'node',
  external: [/^node:/],
});
await codeCache.write({ dir: OUT, format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false });
await codeCache.close();

// The shipped job templates, parsed now with the mustache the bundle holds (src/templates/prebuilt.ts): a cold process
// then skips parsing them (~4 ms of a dry run) whenever the template on disk is still the shipped text.
const { default: mustache } = await import('mustache');
const TEMPLATES = join(ROOT, 'job-templates');
const prebuilt = Object.fromEntries(
  readdirSync(TEMPLATES)
    .filter((name) => name.endsWith('.mustache'))
    .map((name) => {
      const text = readFileSync(join(TEMPLATES, name), 'utf8');
      return [name, { text, tokens: mustache.parse(text) }];
    }),
);
writeFileSync(join(OUT, 'job-templates.json'), JSON.stringify(prebuilt));

// Every command's help, rendered now by yargs itself (src/cli/help-texts.ts): `--help` then answers without loading
// yargs (~120 ms). Rendered from the compiled declaration (src/cli/options.ts) this very bundle holds.
const { parseCommand } = await import(join(ROOT, 'dist/cli/build-cli.js'));
const { helpArgvs, helpKey, HELP_TEXTS_FILE } = await import(join(ROOT, 'dist/cli/help-texts.js'));
const helpTexts = {};
for (const argv of helpArgvs()) {
  const command = await parseCommand(argv);
  if (command.name !== 'help') throw new Error(`${argv.join(' ')} did not render help`);
  helpTexts[helpKey(argv)] = command.text;
}
writeFileSync(join(OUT, HELP_TEXTS_FILE), JSON.stringify(helpTexts));
