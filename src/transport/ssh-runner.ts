// Runner over SSH: one connection per invocation (opened on first use), one channel per command, results as values.
import type { Client, ClientChannel } from 'ssh2';
import { UnavailableError } from '../errors.js';
import { buildRemoteCommand } from './remote-command.js';
import type { RunRequest, RunResult, Runner } from './runner.js';
import { connectSsh, type ConnectOptions } from './ssh-connect.js';
import type { SshTarget } from './ssh-target.js';

export function createSshRunner(target: SshTarget, options: ConnectOptions): Runner {
  let connection: Promise<Client> | undefined;
  const connect = () => (connection ??= connectSsh(target, options));
  return {
    id: `ssh:${target.user}@${target.host}:${target.port}`,
    run: async (request) => runRemote(await connect(), request, target),
    close: async () => {
      if (!connection) return;
      const client = await connection.catch(() => undefined);
      if (!client) return;
      // Say goodbye (DISCONNECT), then drop the socket at once rather than wait for the server to close it: the
      // wait is pure latency at the end of every invocation.
      client.end();
      await new Promise((resolve) => setImmediate(resolve));
      client.destroy();
    },
  };
}

async function runRemote(
  client: Client,
  { argv, stdin, timeoutMs, signal }: RunRequest,
  target: SshTarget,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Listeners go on inside exec's callback, synchronously: through a tunnel the exit status can arrive in the
    // same read as the channel confirmation, and an 'exit' emitted before we listen is lost.
    client.exec(buildRemoteCommand(argv), (error, channel) => {
      if (error) {
        reject(
          new UnavailableError(`${target.host} refused to run ${argv[0]}: ${error.message}`, {
            hint: 'the SSH server may limit sessions per connection (MaxSessions)',
          }),
        );
        return;
      }
      collect(client, channel, argv, stdin, timeoutMs, signal, target).then(resolve, reject);
    });
  });
}

function collect(
  client: Client,
  channel: ClientChannel,
  argv: readonly string[],
  stdin: string | undefined,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  target: SshTarget,
): Promise<RunResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let code: number | null = null;
  let timedOut = false;
  channel.on('exit', (exitCode: number | null) => {
    code = typeof exitCode === 'number' ? exitCode : null;
  });
  channel.on('data', (chunk: Buffer) => stdout.push(chunk));
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    const stop = () => {
      channel.signal('TERM'); // OpenSSH ≥ 7.9 delivers it; closing the channel hangs up the rest
      channel.close();
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, timeoutMs);
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    const lost = () =>
      reject(
        new UnavailableError(`the SSH connection to ${target.host} was lost while running ${argv[0]}`, {
          hint: 'retry; check the network',
        }),
      );
    client.once('close', lost);
    channel.on('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      client.removeListener('close', lost);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
    channel.end(stdin ?? '');
  });
}
