// --host: read the laptop's host profiles and ~/.ssh/config, choose the SSH client, and build its runner and the remote side.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import type { Logger } from '../log/types.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import type { StatePaths } from '../state/paths.js';
import { createLocalRunner } from '../transport/local-runner.js';
import { openSshArgv, SSH_CLIENTS } from '../transport/openssh-args.js';
import { createOpenSshRunner, resolveOpenSshId } from '../transport/openssh-runner.js';
import type { Runner } from '../transport/runner.js';
import { chooseSshClient } from '../transport/ssh-client-choice.js';
import { sshConfigFiles } from '../transport/ssh-config-files.js';
import { loadSshConfig } from '../transport/ssh-config-load.js';
import { createSshRunner } from '../transport/ssh-runner.js';
import { parseHostArg, resolveSshTarget, validateHostProfiles, type HostProfile } from '../transport/ssh-target.js';
import { remoteClusterSide } from './cluster-side.js';
import type { ClusterSide } from './deps.js';

export interface RemoteSetup {
  readonly runner: Runner;
  readonly cluster: ClusterSide;
}

interface RemoteDeps {
  env: NodeJS.ProcessEnv;
  home: string;
  localUser: string;
  paths: StatePaths;
  log: Logger;
  note: (text: string) => void;
  acceptNewHostKey: boolean;
  /** --ssh-client: "openssh" or "ssh2"; undefined lets the host profile, config.json or a live ControlMaster decide. */
  sshClient?: string | undefined;
}

const readOptional = (path: string) =>
  readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));

async function readLaptopConfig(configFile: string): Promise<{ hosts: unknown; sshClient: unknown }> {
  const configText = await readOptional(configFile);
  try {
    const values = configText === undefined ? {} : (JSON.parse(configText) as { hosts?: unknown; sshClient?: unknown });
    return { hosts: values.hosts, sshClient: values.sshClient };
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${configFile}: not valid JSON (${(error as Error).message})`, {
      hint: 'fix the file (README: Configuration)',
    });
  }
}

export async function openRemote(host: string, deps: RemoteDeps): Promise<RemoteSetup> {
  const configFile = deps.env.QSUB_CONTAINER_CONFIG || join(deps.paths.configDir, 'config.json');
  const { hosts, sshClient } = await readLaptopConfig(configFile);
  const { profiles, errors } = validateHostProfiles(hosts, configFile);
  if (sshClient !== undefined && !SSH_CLIENTS.includes(sshClient as never))
    errors.push(`${configFile}: "sshClient" must be "openssh" or "ssh2"`);
  if (errors.length > 0)
    throw new ConfigError(`invalid configuration: ${errors.join('; ')}`, {
      hint: 'fix the host profiles (README: Remote submission)',
    });
  const profile: HostProfile | undefined = profiles[parseHostArg(host)?.name ?? ''];

  // The user's ssh, run as they would run it; a terminal lets it prompt (password, Duo) on /dev/tty, so it stays in our session.
  const interactive = Boolean(process.stdin.isTTY || process.stderr.isTTY);
  const command = (deps.env.QSUB_CONTAINER_SSH_COMMAND || 'ssh').trim().split(/\s+/);
  const built = openSshArgv(host, profile, { command, interactive, acceptNewHostKey: deps.acceptNewHostKey });
  if ('error' in built)
    throw new UsageError(`--host: ${built.error}`, {
      hint: 'give a host profile name, an ~/.ssh/config alias or user@host[:port]',
    });
  const local = createLocalRunner(withoutCredentialEnv(deps.env), { ownSession: !interactive });
  const options = built.argv.slice(command.length);
  const choice = await chooseSshClient({
    flag: deps.sshClient,
    profile: profile?.sshClient,
    configured: sshClient as string | undefined,
    masterIsLive: async () =>
      (await local.run({ argv: [...command, '-O', 'check', '-o', 'BatchMode=yes', ...options], timeoutMs: 5000 }))
        .code === 0,
  });
  deps.log.debug(
    { event: 'ssh.client', client: choice.client, why: choice.why },
    `--host ${host}: SSH client ${choice.client} (${choice.why})`,
  );

  let runner: Runner;
  if (choice.client === 'openssh') {
    const id = await resolveOpenSshId(local, built.argv, command.length, host);
    runner = createOpenSshRunner({ local, sshArgv: built.argv, id, label: host, note: deps.note });
  } else {
    const sshConfig = await loadSshConfig(sshConfigFiles, { home: deps.home });
    const note = (text: string) => deps.log.debug({ event: 'ssh-config.match-skipped', detail: text }, text);
    const resolved = resolveSshTarget(host, {
      home: deps.home,
      localUser: deps.localUser,
      agentSocket: deps.env.SSH_AUTH_SOCK || undefined,
      profiles,
      sshConfig,
      note,
    });
    if ('error' in resolved)
      throw new UsageError(`--host: ${resolved.error}`, {
        hint: 'give a host profile name, an ~/.ssh/config alias or user@host[:port]',
      });
    runner = createSshRunner(resolved.target, {
      acceptNewHostKey: deps.acceptNewHostKey,
      log: deps.log,
      note: deps.note,
    });
  }
  const localAuthFile = deps.env.QSUB_CONTAINER_AUTH_FILE || join(deps.paths.configDir, 'auth.json');
  const cluster = remoteClusterSide(runner, host, localAuthFile);
  cluster.prefetch(); // connect and read the cluster side while the command's modules load
  return { runner, cluster };
}
