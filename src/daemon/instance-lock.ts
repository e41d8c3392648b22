// One warmer per cache, across hosts: an exclusively created lock file naming its owner (host, pid), refreshed while held;
// stale when its owner is a dead process on this host or stopped refreshing it (another host crashed).
import { lstat, open, readFile, rm, utimes } from 'node:fs/promises';
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

/** What the lock file says; anything else (not JSON, a JSON non-object) names no owner, which only age can make stale. */
function parseOwner(text: string): Partial<Owner> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

async function staleOwner(path: string, staleMs: number, now: number): Promise<Owner | undefined> {
  const owner = parseOwner(await readFile(path, 'utf8').catch(() => '{}'));
  const info = await lstat(path).catch(() => undefined);
  // Only a warmer of this account (or root) makes the lock: another user's file there, or a symlink, is no lock, so a
  // neighbour in the cache's group cannot stop the warmer by planting one and keeping it fresh.
  const foreign = info !== undefined && (!info.isFile() || (info.uid !== process.getuid?.() && info.uid !== 0));
  if (foreign)
    return {
      host: owner.host ?? '?',
      pid: owner.pid ?? 0,
      startedAt: `not a lock of this account's (uid ${info.uid})`,
    };
  const age = now - (info?.mtimeMs ?? now);
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
      // 0644: in a cache shared with a group, no one else may rewrite the owner to fake a stale lock.
      const file = await open(path, 'wx', 0o644);
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
