// --host: read the laptop's host profiles and ~/.ssh/config, resolve the target, and build the SSH runner and remote side.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { StatePaths } from '../state/paths.js';
import { createRemoteSide, type RemoteSide } from './remote-side.js';
import type { Runner } from './runner.js';
import { sshConfigFiles } from './ssh-config-files.js';
import { loadSshConfig } from './ssh-config-load.js';
import { createSshRunner } from './ssh-runner.js';
import { resolveSshTarget, validateHostProfiles } from './ssh-target.js';

export interface RemoteSetup {
  readonly runner: Runner;
  readonly remote: RemoteSide;
}

const readOptional = (path: string) => readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));

export async function openRemote(
  host: string,
  deps: { env: NodeJS.ProcessEnv; home: string; localUser: string; paths: StatePaths; log: Logger; note: (text: string) => void; acceptNewHostKey: boolean },
): Promise<RemoteSetup> {
  const configFile = deps.env.QSUB_CONTAINER_CONFIG || join(deps.paths.configDir, 'config.json');
  const configText = await readOptional(configFile);
  let hosts: unknown;
  try {
    hosts = configText === undefined ? undefined : (JSON.parse(configText) as { hosts?: unknown }).hosts;
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${configFile}: not valid JSON (${(error as Error).message})`, { hint: 'fix the file (README: Configuration)' });
  }
  const { profiles, errors } = validateHostProfiles(hosts, configFile);
  if (errors.length > 0) throw new ConfigError(`invalid configuration: ${errors.join('; ')}`, { hint: 'fix the host profiles (README: Remote submission)' });
  const sshConfig = await loadSshConfig(sshConfigFiles, { home: deps.home });
  const note = (text: string) => deps.log.debug({ event: 'ssh-config.match-skipped', detail: text }, text);
  const resolved = resolveSshTarget(host, { home: deps.home, localUser: deps.localUser, agentSocket: deps.env.SSH_AUTH_SOCK || undefined, profiles, sshConfig, note });
  if ('error' in resolved) throw new UsageError(`--host: ${resolved.error}`, { hint: 'give a host profile name, an ~/.ssh/config alias or user@host[:port]' });
  const runner = createSshRunner(resolved.target, { acceptNewHostKey: deps.acceptNewHostKey, log: deps.log, note: deps.note });
  const localAuthFile = deps.env.QSUB_CONTAINER_AUTH_FILE || join(deps.paths.configDir, 'auth.json');
  const remote = createRemoteSide(runner, localAuthFile);
  remote.prefetch(); // connect and read the cluster side while the command's modules load
  return { runner, remote };
}
