// The folder layers of src/, bottom first: the one list the import-layers lint rule and the architecture test read.

/**
 * Each entry is one layer: the folders of src/ (a top-level file counts as a folder named like the file without its
 * extension: errors.ts is `errors`). A folder may import only folders of LOWER layers; folders of one layer do not
 * import each other. So no cycle between folders can exist. `registry` sits below `ngc` because choosing an image reads
 * the registry (ngc/choose-image.ts); `image` (an image's names) below `cache`, which files images by them, and `job`,
 * whose templates receive them; `config` above the domain it resolves settings for; `app` (the use cases) above
 * everything they compose. `daemon` sits below `cli` because `warm --daemon` (cli/commands/warm.ts) starts it; the
 * daemon imports nothing from the CLI.
 * @type {readonly (readonly string[])[]}
 */
export const LAYERS = [
  ['errors', 'secret', 'shell', 'log', 'state'],
  ['templates', 'transport'],
  ['registry'],
  ['ngc'],
  ['slurm'],
  ['gpu'],
  ['image'],
  ['cache'],
  ['job'],
  ['import'],
  ['config'],
  ['app'],
  ['daemon'],
  ['cli'],
];

/**
 * The folder a path under src/ belongs to: its first segment, or a top-level file's name without extension.
 * @param {string} pathInSrc
 * @returns {string}
 */
export function folderOf(pathInSrc) {
  const [first, ...rest] = pathInSrc.split('/');
  return rest.length === 0 ? first.replace(/\.[cm]?[jt]s$/, '') : first;
}

/**
 * The layer index of a folder (0 is the bottom), or -1 when the folder is in no layer.
 * @param {string} folder
 * @returns {number}
 */
export function layerOf(folder) {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/**
 * Why `from` may not import `to` (paths under src/, `.ts`), or undefined when it may: same folder or a lower layer.
 * @param {string} from
 * @param {string} to
 * @returns {string | undefined}
 */
export function layerViolation(from, to) {
  const source = folderOf(from);
  const target = folderOf(to);
  if (source === target) return undefined;
  const sourceLayer = layerOf(source);
  const targetLayer = layerOf(target);
  if (sourceLayer < 0) return `src/${source} is in no layer of lint/layers.mjs: add it where it belongs`;
  if (targetLayer < 0) return `src/${target} is in no layer of lint/layers.mjs: add it where it belongs`;
  if (targetLayer === sourceLayer)
    return `${source} and ${target} share a layer (lint/layers.mjs) and may not import each other`;
  if (targetLayer > sourceLayer)
    return `${source} may not import ${target}: folders import only lower layers (lint/layers.mjs)`;
  return undefined;
}
