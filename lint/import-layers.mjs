// ESLint rule: a file under src/ imports only its own folder and folders of lower layers (lint/layers.mjs).
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerViolation } from './layers.mjs';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** A path under src/ with `/` separators and the source file's extension (.ts), or undefined outside src/. */
function inSrc(absolute) {
  const path = relative(SRC, absolute);
  if (path === '' || path.startsWith('..') || path.startsWith(sep)) return undefined;
  return path.split(sep).join('/').replace(/\.js$/, '.ts');
}

/** @type {import('eslint').Rule.RuleModule} */
export const importLayers = {
  meta: {
    type: 'problem',
    docs: { description: 'folders of src/ import only downward, in the order of lint/layers.mjs' },
    schema: [],
  },
  create(context) {
    const from = inSrc(context.filename);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (typeof source?.value !== 'string' || !source.value.startsWith('.')) return;
      const to = inSrc(resolve(dirname(context.filename), source.value));
      if (to === undefined) return;
      const why = layerViolation(from, to);
      if (why !== undefined) context.report({ node: source, message: `src/${from} imports src/${to}: ${why}` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.source),
    };
  },
};

export default { meta: { name: 'qsc-layers' }, rules: { 'import-layers': importLayers } };
