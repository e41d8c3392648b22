// Config files to settings, one way for every file: this machine's (read here) and the cluster side's (read through
// the runner by config/cluster-snapshot.ts): each text parsed once, then resolved with the environment and flags, and
// every problem reported at once.
import { join } from 'node:path';
import { ConfigError, InputFileError } from '../errors.js';
import { readFile } from '../state/fs-async.js';
import type { StatePaths } from '../state/paths.js';
import { envLayer, resolveSettings, type ConfigLayer, type Settings, type SettingsFlags } from './resolve.js';

/** A config file's text (undefined: no such file) as a layer, or the reason it is none. */
export interface FileLayer extends ConfigLayer {
  readonly error?: string | undefined;
}

export function parseConfigFile(source: string, text: string | undefined): FileLayer {
  if (text === undefined) return { source, values: undefined, file: true };
  try {
    return { source, values: JSON.parse(text), file: true };
  } catch (error) {
    return { source, values: undefined, file: true, error: `${source}: not valid JSON (${(error as Error).message})` };
  }
}

/** The variables that name the config files, site's then user's, and what each falls back to when unset. */
export const CONFIG_FILE_VARIABLES = [
  ['QSUB_CONTAINER_SITE_CONFIG', '/etc/qsub-container/config.json'],
  ['QSUB_CONTAINER_CONFIG', '$XDG_CONFIG_HOME/qsub-container/config.json'],
] as const;

/**
 * Which user config a command reads: the default file or the one $QSUB_CONTAINER_CONFIG names ("any"), or only a
 * named one ("named": the warmer, which must not take a personal ~/.config file for the site's; README: warmer).
 */
export type UserConfigRule = 'any' | 'named';

/**
 * A config file the environment names must exist: a missing one is not silently the defaults (exit 66). `files` are
 * the site's then the user's; `where` says whose environment (the cluster side's for --host).
 */
export function requireNamedFiles(
  files: readonly FileLayer[],
  env: Readonly<Record<string, string | undefined>>,
  where = 'your environment',
): void {
  CONFIG_FILE_VARIABLES.forEach(([variable, fallback], i) => {
    const file = files[i];
    if (!env[variable] || !file || file.values !== undefined || file.error) return;
    throw new InputFileError(`config file ${file.source} does not exist (${variable} in ${where} names it)`, {
      hint: `create it, or unset ${variable} to read ${fallback}`,
    });
  });
}

/** The files a command reads: the user's dropped under the "named" rule when no variable names one. */
export function filesUnderRule(
  files: readonly FileLayer[],
  env: Readonly<Record<string, string | undefined>>,
  rule: UserConfigRule,
): readonly FileLayer[] {
  return rule === 'named' && !env.QSUB_CONTAINER_CONFIG ? files.slice(0, 1) : files;
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

/** This machine's settings: site file, user file (under `rule`), environment, flags. */
export async function loadSettings(
  paths: StatePaths,
  env: Readonly<Record<string, string | undefined>>,
  flags: SettingsFlags,
  rule: UserConfigRule = 'any',
): Promise<Settings> {
  const files = await Promise.all([readLocalFile(paths.siteConfigFile), readLocalFile(userConfigFile(paths, env))]);
  requireNamedFiles(files, env);
  return settingsFromFiles(
    filesUnderRule(files, env, rule),
    envLayer(env),
    flags,
    paths.configDir,
    'fix each file this message names (README: Configuration)',
  );
}
