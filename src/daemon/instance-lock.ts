// One warmer per cache, across hosts: an exclusively created lock file naming its owner (host, pid), refreshed while held;
// stale when its owner is a dead process on this host or stopped refreshing it (another host crashed).
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TemporaryError } from '../errors.js';

export interface InstanceLock {
  release(): Promise<void>;
}

interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function staleOwner(path: string, staleMs: number, now: number): Promise<Owner | undefined> {
  const owner = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Partial<Owner>;
  const age = now - ((await stat(path).catch(() => undefined))?.mtimeMs ?? now);
  const deadHere = owner.host === hostname() && typeof owner.pid === 'number' && !alive(owner.pid);
  return deadHere || age > staleMs
    ? { host: owner.host ?? '?', pid: owner.pid ?? 0, startedAt: owner.startedAt ?? '?' }
    : undefined;
}

export async function acquireInstanceLock(
  path: string,
  staleMs: number,
  now: () => number,
  onStale: (owner: Owner) => void,
): Promise<InstanceLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o664);
      await file.writeFile(
        `${JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date(now()).toISOString() })}\n`,
      );
      await file.close();
      const heartbeat = setInterval(
        () => void utimes(path, new Date(), new Date()).catch(() => {}),
        Math.max(1000, Math.min(60_000, staleMs / 4)),
      );
      heartbeat.unref();
      return {
        async release() {
          clearInterval(heartbeat);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const stale = await staleOwner(path, staleMs, now());
      if (!stale) break;
      onStale(stale);
      await rm(path, { force: true });
    }
  }
  const owner = (await readFile(path, 'utf8').catch(() => '')).trim();
  throw new TemporaryError(`another warmer holds ${path} (${owner || 'owner unknown'})`, {
    hint: 'only one warmer runs per cache; this one stops. If that warmer is gone, the lock goes stale by itself',
  });
}
