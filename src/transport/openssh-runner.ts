// Runner over the user's own OpenSSH client: each command is one `ssh ... -- host '<command>'`, run by a local Runner.
import { ConfigError, UnavailableError } from '../errors.js';
import { classifySshExit, parseSshG, splitSshNotices } from './openssh-args.js';
import { buildRemoteCommand } from './remote-command.js';
import type { RunResult, Runner } from './runner.js';

export interface OpenSshRunnerOptions {
  /** Runs the ssh argv (createLocalRunner); no child_process here. */
  readonly local: Runner;
  /** ssh, its options, "--" and the destination (openSshArgv). */
  readonly sshArgv: readonly string[];
  /** "ssh:user@host:port", from `ssh -G`: the same id the ssh2 client gives the same host. */
  readonly id: string;
  /** What the user typed after --host, for messages. */
  readonly label: string;
  readonly note: (text: string) => void;
}

const notInstalled = (program: string) =>
  new UnavailableError(`--ssh-client openssh: ${program} is not installed here`, {
    hint: 'install the OpenSSH client, or use --ssh-client ssh2',
  });

/** The local runner's answer when the program itself is missing (exit 127 and its "command not found" line). */
const programMissing = (result: RunResult, program: string) =>
  result.code === 127 && result.stderr === `${program}: command not found`;

export function createOpenSshRunner({ local, sshArgv, id, label, note }: OpenSshRunnerOptions): Runner {
  return {
    id,
    run: async (request) => {
      // One string for the remote login shell, quoted exactly as the ssh2 client sends it (ssh joins its words with spaces).
      const result = await local.run({ ...request, argv: [...sshArgv, buildRemoteCommand(request.argv)] });
      if (programMissing(result, sshArgv[0]!) && result.stdout === '') throw notInstalled(sshArgv[0]!);
      const { notices, rest } = splitSshNotices(result.stderr);
      for (const line of notices) note(`qsub-container: ssh: ${line}`);
      const cleaned: RunResult = { ...result, stderr: rest };
      if (result.code !== 255) return cleaned;
      const failure = classifySshExit(label, rest);
      // Ctrl-C reached ssh too (it shares our terminal): report a command killed by a signal, as the local runner does.
      if (failure === 'interrupted') return { ...cleaned, code: null };
      if (failure) throw failure;
      return cleaned;
    },
  };
}

/** `ssh -G`: the user, host and port OpenSSH will really use (every Host, Match exec and Include evaluated), without connecting. */
export async function resolveOpenSshId(
  local: Runner,
  sshArgv: readonly string[],
  commandLength: number,
  label: string,
): Promise<string> {
  const result = await local.run({
    argv: [...sshArgv.slice(0, commandLength), '-G', ...sshArgv.slice(commandLength)],
    timeoutMs: 10_000,
  });
  if (programMissing(result, sshArgv[0]!)) throw notInstalled(sshArgv[0]!);
  const resolved = parseSshG(result.stdout);
  if (result.code !== 0 || !resolved) {
    const failure = classifySshExit(label, result.stderr);
    if (failure instanceof Error) throw failure;
    const line = result.stderr.trim().split('\n').pop() || `exit ${result.code}`;
    throw new ConfigError(`ssh -G ${label} failed: ${line}`, {
      hint: 'check the host name and your ssh configuration',
    });
  }
  return `ssh:${resolved.user}@${resolved.hostname}:${resolved.port}`;
}
