// Config files to settings, one way for every file: this machine's (read here) and the cluster side's (read through
// the runner by config/cluster-snapshot.ts): each text parsed once, then resolved with the environment and flags, and
// every problem reported at once.
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readFile } from '../state/fs-async.js';
import type { StatePaths } from '../state/paths.js';
import { envLayer, resolveSettings, type ConfigLayer, type Settings, type SettingsFlags } from './resolve.js';

/** A config file's text (undefined: no such file) as a layer, or the reason it is none. */
export interface FileLayer extends ConfigLayer {
  readonly error?: string | undefined;
}

export function parseConfigFile(source: string, text: string | undefined): FileLayer {
  if (text === undefined) return { source, values: undefined };
  try {
    return { source, values: JSON.parse(text) };
  } catch (error) {
    return { source, values: undefined, error: `${source}: not valid JSON (${(error as Error).message})` };
  }
}

/** Site and user file layers, the environment, then flags: settings, or one ConfigError naming every problem. */
export function settingsFromFiles(
  files: readonly FileLayer[],
  env: ConfigLayer,
  flags: SettingsFlags,
  configDir: string,
  hint: string,
): Settings {
  const { settings, errors } = resolveSettings([...files, env, { source: 'flags', values: flags }], configDir);
  const all = [...files.flatMap((f) => (f.error ? [f.error] : [])), ...errors];
  if (all.length > 0) throw new ConfigError(`invalid configuration: ${all.join('; ')}`, { hint });
  return settings;
}

/** The user config file: $QSUB_CONTAINER_CONFIG, else config.json in the config directory. */
const userConfigFile = (paths: StatePaths, env: Readonly<Record<string, string | undefined>>) =>
  env.QSUB_CONTAINER_CONFIG || join(paths.configDir, 'config.json');

async function readLocalFile(path: string): Promise<FileLayer> {
  try {
    return parseConfigFile(path, await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseConfigFile(path, undefined);
    return { source: path, values: undefined, error: `${path}: ${(error as Error).message}` };
  }
}

/** This machine's settings: site file, user file, environment, flags. */
export async function loadSettings(
  paths: StatePaths,
  env: Readonly<Record<string, string | undefined>>,
  flags: SettingsFlags,
): Promise<Settings> {
  const files = await Promise.all([readLocalFile(paths.siteConfigFile), readLocalFile(userConfigFile(paths, env))]);
  return settingsFromFiles(
    files,
    envLayer(env),
    flags,
    paths.configDir,
    'fix the files named above (README: Configuration)',
  );
}
