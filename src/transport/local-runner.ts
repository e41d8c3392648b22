// Runner over child_process: argv is executed directly (no shell), so nothing needs quoting here.
import { hostname } from 'node:os';
import type { RunRequest, RunResult, Runner } from './runner.js';

/**
 * `ownSession: false` keeps the command in our session, with our controlling terminal: ssh asks for a password or
 * Duo code on /dev/tty, which a command in its own session (the default, so a timeout stops its whole group) has not.
 */
export function createLocalRunner(env: NodeJS.ProcessEnv = process.env, { ownSession = true } = {}): Runner {
  return { id: `local:${hostname()}`, run: (request) => runLocal(request, env, ownSession) };
}

function runLocal(
  { argv, stdin, timeoutMs, signal }: RunRequest,
  env: NodeJS.ProcessEnv,
  ownSession: boolean,
): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new TypeError('runLocal: empty argv'));
  // child_process (and the net/dgram it pulls in) loads on the first command, not at start-up: a dry run with
  // --driver runs none, and the ~2.5 ms was a tenth of P1's budget (test/bench/startup.mjs).
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: ownSession });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    // detached: the command leads its own process group, so a timeout also stops what it started (srun's steps).
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGTERM');
            } catch {
              child.kill('SIGTERM');
            }
          }, timeoutMs);
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', stop));
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {}); // a command that exits without reading stdin is not our error
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = error.code === 'ENOENT';
      resolve({
        code: missing ? 127 : 126,
        stdout: '',
        stderr: `${command}: ${missing ? 'command not found' : error.message}`,
        timedOut,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.end(stdin ?? '');
  });
}
