// What driver an image needs: its own CUDA_DRIVER_VERSION when it carries one, else NVIDIA's Table 3 row for its CUDA.
import { CUDA_DRIVER_TABLE, type CudaDriverRow } from './cuda-driver-table.js';
import { compareVersions, parseVersion } from './version.js';

/**
 * Table 3 row for a CUDA version given with 2 to 4 parts ("12.8", "12.8.0", "12.8.0.038").
 * An exact major.minor.patch row wins; otherwise the newest row of the same major.minor at or below it
 * (updates only raise the minimum, so this never understates it for a listed patch); otherwise that
 * major.minor's oldest row.
 */
export function tableRowForCuda(cudaVersion: string): CudaDriverRow | undefined {
  const parsed = parseVersion(cudaVersion);
  if (!parsed || parsed.length < 2) return undefined;
  const [major, minor, patch = 0] = parsed;
  const sameMinor = CUDA_DRIVER_TABLE.filter((r) => {
    const [rMajor, rMinor] = parseVersion(r.cuda) ?? [];
    return rMajor === major && rMinor === minor;
  });
  if (sameMinor.length === 0) return undefined;
  const atOrBelow = sameMinor.filter((r) => compareVersions(parseVersion(r.cuda)!.slice(2), [patch]) <= 0);
  const newestFirst = (rows: CudaDriverRow[]) =>
    [...rows].sort((a, b) => compareVersions(parseVersion(b.cuda)!, parseVersion(a.cuda)!));
  return newestFirst(atOrBelow)[0] ?? newestFirst(sameMinor).at(-1);
}

export interface DriverRequirement {
  readonly minDriver: string;
  /** Where minDriver came from: the image's own env, or NVIDIA's table for its CUDA version. */
  readonly source: 'image-env' | 'cuda-table';
}

/** The minimum driver an image needs to run natively (no forward-compatibility package). */
export function driverRequirement(env: {
  cudaVersion: string | undefined;
  cudaDriverVersion: string | undefined;
}): DriverRequirement | undefined {
  if (env.cudaDriverVersion && parseVersion(env.cudaDriverVersion)) {
    return { minDriver: env.cudaDriverVersion, source: 'image-env' };
  }
  const row = env.cudaVersion ? tableRowForCuda(env.cudaVersion) : undefined;
  return row ? { minDriver: row.minDriver, source: 'cuda-table' } : undefined;
}
