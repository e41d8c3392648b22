// Benchmarks that use the shared testbed run under the e2e lock (/tmp/qsc-e2e.lock, the one e2e runs take), so they
// never measure, or disturb, another checkout's tests: call holdTestbedLock() first; it re-runs this script under flock.
import { spawnSync } from 'node:child_process';

export const E2E_LOCK = '/tmp/qsc-e2e.lock';
const HELD = 'QSC_E2E_LOCK_HELD';

/** Returns once this process holds the lock (set QSC_E2E_LOCK_HELD=1 when a caller already holds it). */
export function holdTestbedLock() {
  if (process.env[HELD] === '1') return;
  const run = spawnSync('flock', [E2E_LOCK, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [HELD]: '1' },
  });
  if (run.error) throw run.error;
  process.exit(run.status ?? 1);
}
