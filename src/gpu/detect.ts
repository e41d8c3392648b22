// The driver a job on a partition will see: from the probe cache while fresh, else a probe through Slurm.
import type { Logger } from '../log/types.js';
import type { Runner } from '../transport/runner.js';
import { driverCacheKey, type DriverCache } from './driver-cache.js';
import { probeDriver, type DriverProbe, type ProbeOptions } from './probe.js';

export interface DetectDeps {
  readonly runner: Runner;
  readonly cache: DriverCache;
  readonly now: () => number;
  readonly log: Logger;
}

export async function detectDriver(
  deps: DetectDeps,
  options: ProbeOptions,
  refresh: boolean,
): Promise<DriverProbe & { cached: boolean }> {
  const key = driverCacheKey(deps.runner.id, options.partition, options.gpuType, options.constraint?.text);
  const cached = refresh ? undefined : await deps.cache.get(key, deps.now());
  if (cached) {
    deps.log.debug({ event: 'driver.cached', partition: options.partition, driver: cached.driverVersion });
    return { ...cached, cached: true };
  }
  const started = deps.now();
  const probe = await probeDriver(deps.runner, options);
  deps.log.info({
    event: 'driver.probed',
    partition: options.partition,
    driver: probe.driverVersion,
    groups: probe.groups?.length ?? 1,
    ms: deps.now() - started,
  });
  await deps.cache.put(key, probe, deps.now());
  return { ...probe, cached: false };
}
