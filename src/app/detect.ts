// detect: the driver of partitions (probed per node group through Slurm, cached), or what a saved nvidia-smi output
// or kernel module version file says.
import type { Settings } from '../config/resolve.js';
import { DataError, UsageError } from '../errors.js';
import { DRIVER_VERSION_FILE, parseDriverVersionFile } from '../gpu/driver-version-file.js';
import {
  DRIVER_CAPTURE_HINT,
  normalizeCapture,
  parseNvidiaSmi,
  type GpuInfo,
  type NvidiaSmiFailureReason,
} from '../gpu/nvidia-smi.js';
import type { FactSource } from '../gpu/driver-facts.js';
import type { GroupProbe } from '../gpu/probe.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import type { AppDeps } from './deps.js';
import { findDriver, type DriverSource, type FindDriverDeps } from './find-driver.js';

export interface SavedDetection {
  readonly driverVersion: string | null;
  readonly cudaVersion: string | null;
  readonly gpus: readonly GpuInfo[];
  readonly source: 'kernel-module' | 'nvidia-smi';
}

/** Outputs that were read but name no driver are the capture's fault, not the node's. */
const CAPTURE_FAULTS: ReadonlySet<NvidiaSmiFailureReason> = new Set([
  'no-driver-version',
  'unknown-fields',
  'several-drivers',
  'invalid-arguments',
  'unparseable',
]);

/**
 * A saved nvidia-smi output, or a saved kernel module version file (readable where NVML fails: a library mismatch);
 * `file` names it in messages.
 */
export function detectFromSaved(capture: string, file: string): SavedDetection {
  const text = normalizeCapture(capture);
  const moduleDriver = parseDriverVersionFile(text);
  if (moduleDriver) return { driverVersion: moduleDriver, cudaVersion: null, gpus: [], source: 'kernel-module' };
  const parsed = parseNvidiaSmi(text);
  if (parsed.kind === 'failure' && CAPTURE_FAULTS.has(parsed.reason)) {
    throw new DataError(`${file} names no driver version: ${parsed.message}`, { hint: DRIVER_CAPTURE_HINT });
  }
  if (parsed.kind === 'failure') {
    const mismatch =
      parsed.reason === 'driver-library-mismatch'
        ? `; the loaded kernel module's version is in ${DRIVER_VERSION_FILE}, which detect reads too`
        : '';
    throw new DataError(`nvidia-smi output reports a failure (${parsed.reason}): ${parsed.message}`, {
      hint: `the node has no working driver; capture the output again after the driver is fixed${mismatch}`,
    });
  }
  return {
    driverVersion: parsed.driverVersion,
    cudaVersion: parsed.cudaVersion,
    gpus: parsed.gpus,
    source: 'nvidia-smi',
  };
}

/** A node group's driver and where it came from: job, warmer, cpu-probe, gpu-probe, admin (null: an old cache entry). */
export type GroupDetection = Omit<GroupProbe, 'source' | 'ageSeconds'> & {
  readonly source: FactSource | null;
  readonly ageSeconds: number | null;
};

export interface PartitionDetection {
  readonly partition: string;
  /** The lowest of its node groups: what a job there can rely on. */
  readonly driverVersion: string;
  /** The lowest group's source, or "cache" (your probe cache, where the site has no driver map). */
  readonly source: DriverSource;
  readonly gpus: readonly GpuInfo[];
  readonly groups: readonly GroupDetection[];
  readonly cached: boolean;
}

export interface DetectRequest {
  readonly settings: Settings;
  /** Partitions to probe; empty: the configured GPU partition. */
  readonly partitions: readonly string[];
  readonly gpuType: string | undefined;
  readonly constraint: SlurmConstraint | undefined;
  readonly refresh: boolean;
}

export async function detectPartitions(
  deps: FindDriverDeps & Pick<AppDeps, 'runner'>,
  request: DetectRequest,
): Promise<PartitionDetection[]> {
  const { settings } = request;
  const partitions =
    request.partitions.length > 0 ? request.partitions : settings.gpuPartition ? [settings.gpuPartition] : [];
  if (partitions.length === 0)
    throw new UsageError('no partition to probe', { hint: 'pass -p PARTITION or --nvidia-smi-output FILE' });
  const results: PartitionDetection[] = [];
  for (const partition of partitions) {
    const probe = await findDriver(deps, settings, partition, request);
    const groups = (probe.groups ?? []).map((g) => ({
      nodes: g.nodes,
      probedNode: g.probedNode,
      gres: g.gres,
      features: g.features,
      driverVersion: g.driverVersion,
      gpus: g.gpus,
      source: g.source ?? null,
      ageSeconds: g.ageSeconds ?? null,
    }));
    results.push({
      partition,
      driverVersion: probe.driverVersion,
      source: probe.source,
      gpus: probe.gpus,
      groups,
      cached: probe.cached,
    });
  }
  return results;
}
