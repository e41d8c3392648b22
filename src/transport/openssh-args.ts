// The OpenSSH client's side of --host, pure: the ssh argv for a host, `ssh -G` output, and what ssh's exit 255 meant.
import { AuthError, ConfigError, UnavailableError, type QscError } from '../errors.js';
import { parseHostArg, sshCommandFor, type HostProfile } from './ssh-target.js';

export interface OpenSshOptions {
  /** The ssh program and any leading options (QSUB_CONTAINER_SSH_COMMAND, split on whitespace; default ["ssh"]). */
  readonly command: readonly string[];
  /** A terminal is there to answer prompts (password, Duo): no BatchMode, so ssh may ask on /dev/tty. */
  readonly interactive: boolean;
  readonly acceptNewHostKey: boolean;
}

/** What ssh is told: options, then "--" and the destination. A host profile's fields become -o options (they win over ssh_config). */
export function openSshArgv(
  arg: string,
  profile: HostProfile | undefined,
  options: OpenSshOptions,
): { argv: string[] } | { error: string } {
  const parsed = parseHostArg(arg);
  if (!parsed) return { error: `malformed host ${JSON.stringify(arg)}` };
  const o = (key: string, value: string | number) => ['-o', `${key}=${value}`];
  const p = profile ?? {};
  const agent =
    p.agent === undefined
      ? []
      : o('IdentityAgent', p.agent === false ? 'none' : p.agent === true ? 'SSH_AUTH_SOCK' : p.agent);
  return {
    argv: [
      ...options.command,
      '-T', // no pty: the job script goes on stdin as bytes, and output comes back unmangled
      ...(options.interactive ? [] : o('BatchMode', 'yes')), // nothing to answer a prompt: fail instead of hang
      ...(options.acceptNewHostKey ? o('StrictHostKeyChecking', 'accept-new') : []),
      ...(p.hostname === undefined ? [] : o('HostName', p.hostname)),
      ...(p.user === undefined ? [] : o('User', p.user)),
      ...(p.port === undefined ? [] : o('Port', p.port)),
      ...(p.identityFiles ?? []).flatMap((f) => o('IdentityFile', f)),
      ...agent,
      ...(p.proxyJump === undefined ? [] : o('ProxyJump', p.proxyJump)),
      ...(p.connectTimeoutSeconds === undefined ? [] : o('ConnectTimeout', p.connectTimeoutSeconds)),
      ...(p.keepaliveSeconds === undefined ? [] : o('ServerAliveInterval', p.keepaliveSeconds)),
      // user@ and :port on the command line beat everything, as for the ssh2 client.
      ...(parsed.user === undefined ? [] : ['-l', parsed.user]),
      ...(parsed.port === undefined ? [] : ['-p', parsed.port]),
      '--',
      parsed.name,
    ],
  };
}

/** The resolved user, host and port from `ssh -G` (after every Host, Match and Include): the runner's id, as ssh2's. */
export function parseSshG(text: string): { user: string; hostname: string; port: string } | undefined {
  const value = (key: string) => new RegExp(`^${key} (.+)$`, 'm').exec(text)?.[1]?.trim();
  const user = value('user');
  const hostname = value('hostname');
  const port = value('port');
  return user && hostname && port ? { user, hostname, port } : undefined;
}

/** ssh's notice after accept-new: it goes to the user, not into the remote command's stderr. */
const ADDED = /^Warning: Permanently added .* to the list of known hosts\.\r?$/;

export function splitSshNotices(stderr: string): { notices: string[]; rest: string } {
  const lines = stderr.split('\n');
  return {
    notices: lines.filter((l) => ADDED.test(l)).map((l) => l.trimEnd()),
    rest: lines.filter((l) => !ADDED.test(l)).join('\n'),
  };
}

type Failure = { readonly make: (line: string, lines: readonly string[]) => QscError; readonly pattern: RegExp };

const terminalHint =
  'in a terminal ssh may ask for a password or Duo; without one qsub-container runs ssh with BatchMode=yes: log in once with a ControlMaster (README: Remote submission)';

/** ssh's own failures, most specific first; each keeps the one stderr line that says what happened. */
const FAILURES = (host: string): Failure[] => [
  {
    pattern: /^Host key for .* has changed/,
    make: (l, all) => {
      const offered = all.find((x) => /^SHA256:\S+$/.test(x))?.replace(/\.$/, '');
      const remove = all.find((x) => x.startsWith('ssh-keygen ') && x.includes(' -R ')) ?? 'ssh-keygen -R <host>';
      return new AuthError(
        `ssh ${host}: ${l}${offered ? ` (it now offers ${offered})` : ''}; refused (someone may be intercepting the connection)`,
        {
          hint: `if the host was really reinstalled, check the new fingerprint with its admins, then remove the old entry: ${remove}`,
        },
      );
    },
  },
  {
    pattern: /host key is known for .* and you have requested strict checking|Host key verification failed/,
    make: (l) =>
      new AuthError(`ssh ${host}: ${l} (its key is not in known_hosts)`, {
        hint: `run ${sshCommandFor(host)} once in a terminal and check the fingerprint it shows with the admins, or rerun with --accept-new-host-key`,
      }),
  },
  {
    pattern: /Permission denied \(|Too many authentication failures|Authentication failed/,
    make: (l) =>
      new AuthError(`ssh ${host}: ${l}`, { hint: `check that \`${sshCommandFor(host)}\` works; ${terminalHint}` }),
  },
  {
    pattern: /Bad owner or permissions on|line \d+: |Bad configuration option|Unsupported option/,
    make: (l) => new ConfigError(`ssh ${host}: ${l}`, { hint: 'fix the ssh configuration file ssh names' }),
  },
  {
    pattern:
      /^ssh: (connect to host|Could not resolve hostname)|Connection (refused|timed out)|No route to host|Network is unreachable|kex_exchange_identification|Connection closed by|Connection reset by|banner exchange|open failed|stdio forwarding failed/,
    make: (l) =>
      new UnavailableError(`cannot reach ${host} with ssh: ${l}`, {
        hint: 'check the host name, port and network (VPN?); ssh -v shows where it stops',
      }),
  },
  {
    pattern: /closed by remote host|client_loop: send disconnect|Broken pipe|Timeout, server .* not responding/,
    make: (l) =>
      new UnavailableError(`the SSH connection to ${host} was lost: ${l}`, { hint: 'retry; check the network' }),
  },
];

/**
 * Exit 255 is ssh's own failure, or the remote command's own 255: only a line ssh prints for a failure makes it an
 * error (69, 77 or 78, as for the ssh2 client); anything else is the command's result, returned as data.
 */
export function classifySshExit(host: string, stderr: string): QscError | 'interrupted' | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.some((l) => /^Killed by signal \d+\.$/.test(l))) return 'interrupted';
  for (const failure of FAILURES(host)) {
    const line = lines.find((l) => failure.pattern.test(l));
    if (line) return failure.make(line.replace(/^ssh: /, '').replace(/\.$/, ''), lines);
  }
  return undefined;
}
