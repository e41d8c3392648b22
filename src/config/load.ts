// Read the config files (site, then user) and resolve them with the environment and flags; all problems at once.
import { readFile } from '../state/fs-async.js';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';
import { envLayer, resolveSettings, type ConfigLayer, type Settings } from './resolve.js';

async function fileLayer(path: string): Promise<ConfigLayer & { error?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { source: path, values: undefined };
    return { source: path, values: undefined, error: `${path}: ${(error as Error).message}` };
  }
  try {
    return { source: path, values: JSON.parse(text) };
  } catch (error) {
    return { source: path, values: undefined, error: `${path}: not valid JSON (${(error as Error).message})` };
  }
}

export async function loadSettings(
  paths: StatePaths,
  env: Readonly<Record<string, string | undefined>>,
  flags: Record<string, unknown>,
): Promise<Settings> {
  const userFile = env.QSUB_CONTAINER_CONFIG || join(paths.configDir, 'config.json');
  const files = await Promise.all([fileLayer(paths.siteConfigFile), fileLayer(userFile)]);
  const { settings, errors } = resolveSettings(
    [...files, envLayer(env), { source: 'flags', values: flags }],
    paths.configDir,
  );
  const all = [...files.flatMap((f) => (f.error ? [f.error] : [])), ...errors];
  if (all.length > 0) {
    throw new ConfigError(`invalid configuration: ${all.join('; ')}`, {
      hint: 'fix the files named above (README: Configuration)',
    });
  }
  return settings;
}
