// The folder layers of src/, bottom first: the one list the import-layers lint rule and the architecture test read.

/**
 * Each entry is one layer: the folders of src/ (a top-level file counts as a folder named like the file without its
 * extension: errors.ts is `errors`). A folder may import only folders of LOWER layers; folders of one layer do not
 * import each other. So no cycle between folders can exist. `daemon` sits below `cli` because `warm --daemon`
 * (cli/commands/warm.ts) starts it; the daemon imports nothing from the CLI.
 * Folders not created yet (`image`, `app`) are listed where they belong.
 * @type {readonly (readonly string[])[]}
 */
export const LAYERS = [
  ['errors', 'secret', 'shell', 'log', 'state'],
  ['templates', 'transport'],
  ['ngc'],
  ['registry'],
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
 * Imports that break the layers today, named one by one (importing file → imported file, both under src/): the only
 * exceptions the rule accepts. TEMPORARY: the application-layer refactor removes every one of them, then this list.
 * The architecture test fails on an entry whose import no longer exists, so the list only shrinks.
 * @type {readonly (readonly [string, string])[]}
 */
export const ALLOWED_FOR_NOW = [
  ['cache/check-cached.ts', 'job/pull-mode.ts'], // removed by the app-layer refactor
  ['cache/job-view.ts', 'config/cache-settings.ts'], // removed by the app-layer refactor
  ['cache/pull.ts', 'config/resolve.ts'], // removed by the app-layer refactor
  ['cache/pull.ts', 'job/plan.ts'], // removed by the app-layer refactor
  ['daemon/resolve-targets.ts', 'cli/context.ts'], // removed by the app-layer refactor
  ['daemon/resolve-targets.ts', 'cli/selection.ts'], // removed by the app-layer refactor
  ['daemon/resolve-targets.ts', 'cli/shared.ts'], // removed by the app-layer refactor
  ['daemon/warm-once.ts', 'cli/context.ts'], // removed by the app-layer refactor
  ['import/place-in-cache.ts', 'config/resolve.ts'], // removed by the app-layer refactor
  ['job/plan.ts', 'config/cache-settings.ts'], // removed by the app-layer refactor
  ['ngc/choose-image.ts', 'registry/client.ts'], // removed by the app-layer refactor
  ['ngc/choose-image.ts', 'registry/reference.ts'], // removed by the app-layer refactor
  ['ngc/select.ts', 'gpu/gpu-class.ts'], // removed by the app-layer refactor
  ['slurm/pull-job.ts', 'job/pull-mode.ts'], // removed by the app-layer refactor
  ['transport/open-remote.ts', 'registry/secret-env.ts'], // removed by the app-layer refactor
  ['transport/remote-side.ts', 'config/resolve.ts'], // removed by the app-layer refactor
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
 * Why `from` may not import `to` (paths under src/, `.ts`), or undefined when it may: same folder, a lower layer, or
 * an entry of ALLOWED_FOR_NOW.
 * @param {string} from
 * @param {string} to
 * @returns {string | undefined}
 */
export function layerViolation(from, to) {
  const source = folderOf(from);
  const target = folderOf(to);
  if (source === target) return undefined;
  if (ALLOWED_FOR_NOW.some(([f, t]) => f === from && t === to)) return undefined;
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
