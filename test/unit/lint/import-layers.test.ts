// The import-layers lint rule on snippets: what it reports and what the layers let through.
import { Linter } from 'eslint';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layers from '../../../lint/import-layers.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const linter = new Linter({ cwd: ROOT });
const config: Linter.Config[] = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { qsc: layers },
    rules: { 'qsc/import-layers': 'error' },
  },
];
const messages = (file: string, code: string) =>
  linter.verify(code, config, join(ROOT, file)).map((m) => m.message.replace(/ \(lint\/layers\.mjs\)$/, ''));

describe('import-layers', () => {
  it.each([
    ['src/cli/x.ts', "import { a } from '../cache/layout.js';"],
    ['src/cache/x.ts', "import { b } from './layout.js';"],
    ['src/cache/x.ts', "import { c } from '../errors.js';"],
    ['src/templates/x.ts', "import { d } from '../shell/quote.js';"],
    ['test/unit/x.ts', "import { e } from '../../src/cli/main.js';"],
    ['src/cli/x.ts', "import { f } from 'node:fs';"],
  ])('lets %s import downward, within its folder or outside src/: %s', (file, code) => {
    expect(messages(file, code)).toEqual([]);
  });

  it.each([
    [
      'src/cache/x.ts',
      "import { a } from '../cli/main.js';",
      'cache may not import cli: folders import only lower layers',
    ],
    ['src/daemon/x.ts', "import type { C } from '../cli/io.js';", 'daemon may not import cli'],
    ['src/cache/x.ts', "export * from '../config/resolve.js';", 'cache may not import config'],
    ['src/cache/x.ts', "const m = await import('../job/plan.js');", 'cache may not import job'],
    ['src/cache/x.ts', "type T = import('../app/submit.js').Submit;", 'cache may not import app'],
    ['src/errors.ts', "import { L } from './log/types.js';", 'errors and log share a layer'],
    ['src/transport/x.ts', "import { T } from '../templates/render.js';", 'transport and templates share a layer'],
    ['src/cache/x.ts', "import { N } from '../nowhere/x.js';", 'src/nowhere is in no layer'],
    ['src/nowhere/x.ts', "import { E } from '../errors.js';", 'src/nowhere is in no layer'],
  ])('reports %s: %s', (file, code, why) => {
    const found = messages(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(why);
  });
});
