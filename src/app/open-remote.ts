// --host: read this machine's host profiles and ~/.ssh/config, choose the SSH client, and build its runner and the
// cluster side (app/cluster-side.ts).
import { loadSettings } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log/types.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import type { StatePaths } from '../state/paths.js';
import { createLocalRunner } from '../transport/local-runner.js';
import { openSshArgv } from '../transport/openssh-args.js';
import { createOpenSshRunner, resolveOpenSshId } from '../transport/openssh-runner.js';
import type { Runner } from '../transport/runner.js';
import { chooseSshClient } from '../transport/ssh-client-choice.js';
import { sshConfigFiles } from '../transport/ssh-config-files.js';
import { loadSshConfig } from '../transport/ssh-config-load.js';
import { createSshRunner } from '../transport/ssh-runner.js';
import { parseHostArg, resolveSshTarget, type HostProfile } from '../transport/ssh-target.js';
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

export async function openRemote(host: string, deps: RemoteDeps): Promise<RemoteSetup> {
  // This machine's own settings: its host profiles, SSH client choice and credential file (the cluster side's are read
  // over the connection).
  const laptop = await loadSettings(deps.paths, deps.env, {});
  const profile: HostProfile | undefined = laptop.hosts[parseHostArg(host)?.name ?? ''];

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
    configured: laptop.sshClient,
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
      profiles: laptop.hosts,
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
  const cluster = remoteClusterSide(runner, host, laptop.authFile);
  cluster.prefetch(); // connect and read the cluster side while the command's modules load
  return { runner, cluster };
}
