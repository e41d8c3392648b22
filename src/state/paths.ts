// Where qsub-container keeps its own files, from XDG base directories (pure: env and home are passed in).
import { join } from 'node:path';

export interface StatePaths {
  /** User config: config.json and auth.json. */
  readonly configDir: string;
  /** The tool's own cache (probe results, registry blobs, remembered choices): safe to delete. Not the SIF cache. */
  readonly stateCacheDir: string;
  /** Site-wide config, read before the user's. */
  readonly siteConfigFile: string;
}

const TOOL = 'qsub-container';
const SITE_CONFIG_FILE = `/etc/${TOOL}/config.json`;

export function resolveStatePaths(env: Readonly<Record<string, string | undefined>>, home: string): StatePaths {
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const cacheHome = env.XDG_CACHE_HOME || join(home, '.cache');
  return {
    configDir: join(configHome, TOOL),
    stateCacheDir: join(cacheHome, TOOL),
    siteConfigFile: env.QSUB_CONTAINER_SITE_CONFIG || SITE_CONFIG_FILE,
  };
}

/**
 * The same rules as shell expansions, for scripts that run where the files are (the cluster side over SSH, a job's
 * node); `${VAR:-default}`, like `||` above, treats an empty variable as unset.
 */
export const SHELL_STATE_PATHS: Readonly<Record<keyof StatePaths, string>> = {
  configDir: `\${XDG_CONFIG_HOME:-$HOME/.config}/${TOOL}`,
  stateCacheDir: `\${XDG_CACHE_HOME:-$HOME/.cache}/${TOOL}`,
  siteConfigFile: `\${QSUB_CONTAINER_SITE_CONFIG:-${SITE_CONFIG_FILE}}`,
};
