// The driver a job on a partition will see, and its GPUs: from the probe cache while fresh, else probed through Slurm.
import type { Settings } from '../config/resolve.js';
import { detectDriver } from '../gpu/detect.js';
import { createFileDriverCache } from '../gpu/driver-cache.js';
import type { DriverProbe } from '../gpu/probe.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import { validateSlurmName } from '../slurm/options.js';
import type { AppDeps } from './deps.js';

export type FindDriverDeps = Pick<AppDeps, 'runner' | 'now' | 'log' | 'note' | 'stateCacheDir'>;

export interface DriverTarget {
  readonly partition: string;
  readonly gpuType: string | undefined;
  readonly constraint?: SlurmConstraint | undefined;
  readonly account: string | undefined;
  /** Probe even when a cached answer is fresh. */
  readonly refresh: boolean;
}

export function findDriver(
  deps: FindDriverDeps,
  settings: Settings,
  target: DriverTarget,
): Promise<DriverProbe & { cached: boolean }> {
  validateSlurmName('partition', target.partition);
  if (target.gpuType) validateSlurmName('gpuType', target.gpuType);
  const { constraint } = target;
  if (constraint?.parsed.kind === 'unevaluated') {
    deps.note(
      `qsub-container: warning: --constraint ${constraint.text} is left to Slurm (${constraint.parsed.why}); selecting for the lowest driver of all of ${target.partition}`,
    );
  }
  const cache = createFileDriverCache(deps.stateCacheDir, settings.driverCacheTtlMinutes * 60_000);
  return detectDriver(
    { runner: deps.runner, cache, now: deps.now, log: deps.log },
    {
      partition: target.partition,
      gpuType: target.gpuType,
      constraint: target.constraint,
      account: target.account,
      waitSeconds: settings.probeWaitSeconds,
    },
    target.refresh,
  );
}
