// The driver a job on a partition will see, and its GPUs: from the probe cache while fresh, else probed through Slurm.
import type { Settings } from '../config/resolve.js';
import { detectDriver } from '../gpu/detect.js';
import { createFileDriverCache } from '../gpu/driver-cache.js';
import { PROBE_JOB_NAME, type DriverProbe } from '../gpu/probe.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import { validateSlurmName } from '../slurm/options.js';
import type { AppDeps } from './deps.js';

export type FindDriverDeps = Pick<AppDeps, 'runner' | 'now' | 'log' | 'note' | 'stateCacheDir' | 'runTag'>;

/** Which nodes of a partition a job may land on, and whether a cached answer will do. */
export interface DriverQuery {
  readonly gpuType: string | undefined;
  readonly constraint?: SlurmConstraint | undefined;
  /** Probe even when a cached answer is fresh. */
  readonly refresh: boolean;
}

/** The probe job runs under the site's (or the request's) account, as the job itself would. */
export function findDriver(
  deps: FindDriverDeps,
  settings: Settings,
  partition: string,
  query: DriverQuery,
): Promise<DriverProbe & { cached: boolean }> {
  validateSlurmName('partition', partition);
  if (query.gpuType) validateSlurmName('gpuType', query.gpuType);
  const { constraint } = query;
  if (constraint?.parsed.kind === 'unevaluated') {
    deps.note(
      `qsub-container: warning: --constraint ${constraint.text} is left to Slurm (${constraint.parsed.why}); selecting for the lowest driver of all of ${partition}`,
    );
  }
  const cache = createFileDriverCache(deps.stateCacheDir, settings.driverCacheTtlMinutes * 60_000);
  return detectDriver(
    { runner: deps.runner, cache, now: deps.now, log: deps.log },
    {
      partition,
      gpuType: query.gpuType,
      constraint,
      account: settings.account,
      waitSeconds: settings.probeWaitSeconds,
      jobName: deps.runTag ? `${PROBE_JOB_NAME}-${deps.runTag}` : PROBE_JOB_NAME,
    },
    query.refresh,
  );
}
