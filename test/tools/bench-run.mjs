// What every benchmark needs: run a process and time it (wall ms from spawn to exit), and the median of samples.
import { spawn } from 'node:child_process';

/**
 * Spawn, feed `stdin` (or nothing), resolve { ms, stdout, stderr } on exit 0, reject with stderr otherwise.
 * `options` go to spawn as they are (env, uid/gid, cwd); stdin is a pipe only when there is something to send.
 */
export function timedRun(command, args, options = {}, stdin) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      ...options,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve({ ms, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
