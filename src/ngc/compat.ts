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

/** CUDA minor-version compatibility floor for the image's CUDA major (11.x ≥ 450.80.02, 12.x ≥ 525.60.13, 13.x ≥ 580.65.06); none before 11. */
export function minorCompatFloor(cudaVersion: string | undefined): string | undefined {
  const major = cudaVersion ? parseVersion(cudaVersion)?.[0] : undefined;
  if (major === undefined) return undefined;
  return CUDA_DRIVER_TABLE.find((r) => parseVersion(r.cuda)?.[0] === major)?.minorCompatFloor;
}

export interface ForwardCompatBranch {
  /** Driver branch, e.g. 470. */
  readonly branch: number;
  /** Lowest driver of that branch the release accepts ("470.57"; "418" when NVIDIA printed "418.xx"). */
  readonly minDriver: string;
  /** As the release notes print it. */
  readonly printed: string;
}

/** "470.57" (or later R470), "418.xx", "384.111+", "410" → branch and lowest accepted driver; undefined for anything else. */
export function parseForwardCompatBranch(printed: string): ForwardCompatBranch | undefined {
  const m = /^(\d{3})(?:\.(\d+|xx))?\+?$/.exec(printed.trim());
  if (!m) return undefined;
  const minDriver = m[2] && m[2] !== 'xx' ? `${m[1]}.${m[2]}` : m[1]!;
  return { branch: Number(m[1]), minDriver, printed };
}

/** The listed branch a driver is on and meets, if any: "470.239.06" against ["470.57", "525.85"] → R470 (470.57). */
export function forwardCompatBranchFor(
  driver: string,
  printedBranches: readonly string[],
): ForwardCompatBranch | undefined {
  const version = parseVersion(driver);
  if (!version) return undefined;
  return printedBranches
    .map(parseForwardCompatBranch)
    .find(
      (b): b is ForwardCompatBranch =>
        b !== undefined && b.branch === version[0] && compareVersions(version, parseVersion(b.minDriver)!) >= 0,
    );
}
