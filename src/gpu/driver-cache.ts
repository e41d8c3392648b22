// Probe results per cluster side and partition, kept for a TTL: drivers change at maintenance, not per job.
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../state/json-file.js';
import type { DriverProbe } from './probe.js';

interface Entry {
  readonly probe: DriverProbe;
  /** Epoch milliseconds. */
  readonly probedAt: number;
}

export interface DriverCache {
  get(key: string, now: number): Promise<DriverProbe | undefined>;
  put(key: string, probe: DriverProbe, now: number): Promise<void>;
}

export const driverCacheKey = (runnerId: string, partition: string, gpuType: string | undefined, constraint?: string) =>
  `${runnerId}|${partition}|${gpuType ?? '*'}${constraint ? `|${constraint}` : ''}`;

/** Fresh when younger than the TTL; an entry from the future (clock skew) is not trusted. */
const isFresh = (probedAt: number, now: number, ttlMs: number) => probedAt <= now && now - probedAt < ttlMs;

export function createFileDriverCache(cacheDir: string, ttlMs: number): DriverCache {
  const file = join(cacheDir, 'drivers.json');
  return {
    async get(key, now) {
      const entry = (await readJsonFile<Record<string, Entry>>(file))?.[key];
      return entry && isFresh(entry.probedAt, now, ttlMs) ? entry.probe : undefined;
    },
    async put(key, probe, now) {
      const all = (await readJsonFile<Record<string, Entry>>(file)) ?? {};
      await writeFileAtomic(file, `${JSON.stringify({ ...all, [key]: { probe, probedAt: now } }, null, 2)}\n`);
    },
  };
}
