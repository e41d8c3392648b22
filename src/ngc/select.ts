// Tag selection: the newest release whose minimum driver the partition's driver meets, with a one-sentence reason.
import type { DriverRequirement } from './compat.js';
import { CUDA_DRIVER_TABLE } from './cuda-driver-table.js';
import { compareVersionText, cudaRelease, parseVersion } from './version.js';

export interface Candidate {
  readonly tag: string;
  readonly release: string;
  /** Manifest digest the tag pointed at when read. */
  readonly digest: string;
  /** CUDA_VERSION from the image config, as printed (four parts on NGC images). */
  readonly cudaVersion: string | undefined;
  /** undefined when the image carries neither CUDA_DRIVER_VERSION nor a CUDA_VERSION the table knows. */
  readonly requirement: DriverRequirement | undefined;
}

export interface Verdict {
  readonly compatible: boolean;
  readonly why: string;
}

export type Selection =
  | { readonly kind: 'selected'; readonly candidate: Candidate; readonly why: string }
  | { readonly kind: 'none'; readonly oldest: Candidate | undefined; readonly why: string };

const describe = (c: Candidate) =>
  `${c.tag} (CUDA ${c.cudaVersion ? cudaRelease(c.cudaVersion) : 'unknown'}` +
  (c.requirement ? `, needs driver ≥ ${c.requirement.minDriver})` : ')');

/** Whether the driver runs the candidate natively. */
export function judge(candidate: Candidate, driver: string): Verdict {
  const need = candidate.requirement;
  if (!need) {
    return { compatible: false, why: 'the image carries no CUDA_VERSION or CUDA_DRIVER_VERSION to check against' };
  }
  const ok = compareVersionText(driver, need.minDriver) >= 0;
  const from = need.source === 'image-env' ? "image's CUDA_DRIVER_VERSION" : "NVIDIA's table for its CUDA";
  return {
    compatible: ok,
    why: `needs driver ≥ ${need.minDriver} (${from}); driver ${driver} ${ok ? 'meets' : 'is older than'} that`,
  };
}

/** Newest CUDA release whose Table 3 minimum the driver meets, e.g. 580.159.04 → "13.0" (for messages). */
export function newestCudaForDriver(driver: string): string | undefined {
  if (!parseVersion(driver)) return undefined;
  const row = CUDA_DRIVER_TABLE.find((r) => compareVersionText(driver, r.minDriver) >= 0);
  return row ? row.cuda.split('.').slice(0, 2).join('.') : undefined;
}

/**
 * Pick from candidates ordered newest release first. With no driver (no GPU requested) the newest wins.
 * Given only a newest-first prefix that ends at the first compatible candidate, the answer is the same as
 * for the whole list; callers use that to stop reading image configs early.
 */
export function selectTag(candidates: readonly Candidate[], driver: string | undefined, subject: string): Selection {
  if (driver === undefined) {
    const newest = candidates[0];
    return newest
      ? { kind: 'selected', candidate: newest, why: `no GPU requested: newest ${subject} release is ${describe(newest)}` }
      : { kind: 'none', oldest: undefined, why: `the registry lists no ${subject} release` };
  }
  const chosen = candidates.find((c) => judge(c, driver).compatible);
  if (chosen) {
    const supports = newestCudaForDriver(driver);
    const head = supports ? `driver ${driver} supports CUDA ≤ ${supports}` : `driver ${driver}`;
    return {
      kind: 'selected',
      candidate: chosen,
      why: `${head}: newest ${subject} release needing ≤ ${driver} is ${describe(chosen)}`,
    };
  }
  const oldest = candidates.at(-1);
  return {
    kind: 'none',
    oldest,
    why: oldest
      ? `no ${subject} release runs on driver ${driver}: even the oldest, ${describe(oldest)}, is too new`
      : `the registry lists no ${subject} release`,
  };
}

