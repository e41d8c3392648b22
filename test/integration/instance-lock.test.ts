// The warmer's single-instance lock on a real filesystem: exclusive, taken over only from a dead or silent owner.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireInstanceLock } from '../../src/daemon/instance-lock.js';
import { TemporaryError } from '../../src/errors.js';

const dir = () => mkdtempSync(join(tmpdir(), 'qsc-lock-'));
const noStale = () => {
  throw new Error('no lock should be stale here');
};

describe('acquireInstanceLock', () => {
  it('is exclusive while held and free after release', async () => {
    const path = join(dir(), '.warm.lock');
    const lock = await acquireInstanceLock(path, 600_000, Date.now, noStale);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ host: hostname(), pid: process.pid });
    await expect(acquireInstanceLock(path, 600_000, Date.now, noStale)).rejects.toBeInstanceOf(TemporaryError);
    await lock.release();
    expect(existsSync(path)).toBe(false);
    await (await acquireInstanceLock(path, 600_000, Date.now, noStale)).release();
  });

  it('takes over the lock of a dead process on this host', async () => {
    const path = join(dir(), '.warm.lock');
    writeFileSync(path, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 12345, startedAt: 'then' }));
    const stale: unknown[] = [];
    const lock = await acquireInstanceLock(path, 600_000, Date.now, (owner) => stale.push(owner));
    expect(stale).toEqual([{ host: hostname(), pid: 2 ** 22 + 12345, startedAt: 'then' }]);
    await lock.release();
  });

  it("keeps another host's fresh lock and takes over one it stopped refreshing", async () => {
    const path = join(dir(), '.warm.lock');
    writeFileSync(path, JSON.stringify({ host: 'other-node', pid: 1, startedAt: 'then' }));
    await expect(acquireInstanceLock(path, 600_000, Date.now, noStale)).rejects.toThrow(
      /another warmer holds .*other-node/,
    );
    const old = new Date(Date.now() - 700_000);
    utimesSync(path, old, old);
    const lock = await acquireInstanceLock(path, 600_000, Date.now, () => {});
    await lock.release();
  });

  it('a lock file that is not JSON names no owner: it is held while fresh, stale once old, never a crash', async () => {
    const path = join(dir(), '.warm.lock');
    writeFileSync(path, 'not json at all');
    await expect(acquireInstanceLock(path, 600_000, Date.now, noStale)).rejects.toBeInstanceOf(TemporaryError);
    const old = new Date(Date.now() - 700_000);
    utimesSync(path, old, old);
    await (await acquireInstanceLock(path, 600_000, Date.now, () => {})).release();
  });
});
