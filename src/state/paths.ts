// Where qsub-container keeps its own files, from XDG base directories (pure: env and home are passed in).
import { join } from 'node:path';

export interface StatePaths {
  /** User config: config.json and auth.json. */
  readonly configDir: string;
  /** Probe results and registry blobs; safe to delete. */
  readonly cacheDir: string;
  /** Site-wide config, read before the user's. */
  readonly siteConfigFile: string;
}

export function resolveStatePaths(env: Readonly<Record<string, string | undefined>>, home: string): StatePaths {
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const cacheHome = env.XDG_CACHE_HOME || join(home, '.cache');
  return {
    configDir: join(configHome, 'qsub-container'),
    cacheDir: join(cacheHome, 'qsub-container'),
    siteConfigFile: env.QSUB_CONTAINER_SITE_CONFIG || '/etc/qsub-container/config.json',
  };
}
