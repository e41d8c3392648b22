// Tag selection: the newest release the driver runs under the chosen policy, with a one-sentence reason.
import { allDataCenter } from './gpu-class.js';
import { forwardCompatBranchFor, minorCompatFloor, type DriverRequirement } from './compat.js';
import { CUDA_DRIVER_TABLE } from './cuda-driver-table.js';
import { compareVersionText, cudaRelease, parseVersion } from './version.js';

export interface Candidate {
  readonly tag: string;
  readonly release: string;
  /** Manifest digest the tag pointed at when read; undefined for a candidate from the offline seed. */
  readonly digest: string | undefined;
  /** CUDA_VERSION from the image config, as printed (four parts on NGC images). */
  readonly cudaVersion: string | undefined;
  /** undefined when the image carries neither CUDA_DRIVER_VERSION nor a CUDA_VERSION the table knows. */
  readonly requirement: DriverRequirement | undefined;
  /** Data-center branches the release lists for forward compatibility (from the seed); empty when none are known. */
  readonly forwardCompatBranches?: readonly string[] | undefined;
}

/**
 * native: driver ≥ the image's minimum. minor-compat (opt-in): the CUDA major's floor suffices, with PTX JIT limits.
 * forward-compat (opt-in per site): data-center GPUs on a branch the release lists run it through the compat package.
 */
export const POLICIES = ['native', 'minor-compat', 'forward-compat'] as const;
export type Policy = (typeof POLICIES)[number];

export interface SelectOptions {
  readonly policy: Policy;
  /** GPU names the job could get: forward compatibility needs every one to be a data-center model. */
  readonly gpuNames: readonly string[];
}

export const NATIVE: SelectOptions = { policy: 'native', gpuNames: [] };

export interface Verdict {
  readonly compatible: boolean;
  /** How it runs when compatible. */
  readonly mode: Policy | undefined;
  /** The lowest driver a node may have to run it this way: what the job's runtime guard checks. */
  readonly floor: string | undefined;
  readonly why: string;
  /** Set when it runs other than natively: what may still fail. */
  readonly warning: string | undefined;
}

export type Selection =
  | {
      readonly kind: 'selected';
      readonly candidate: Candidate;
      readonly verdict: Verdict | undefined;
      readonly why: string;
    }
  | { readonly kind: 'none'; readonly oldest: Candidate | undefined; readonly why: string };

export const PTX_JIT_WARNING =
  'minor-version compatibility: kernels JIT-compiled from newer PTX and features that need a newer driver fail (cudaErrorCallRequiresNewerDriver)';
const FORWARD_COMPAT_WARNING =
  'forward compatibility: the image must load its own compat libraries (/usr/local/cuda/compat); NGC images do';

const describe = (c: Candidate) =>
  `${c.tag} (CUDA ${c.cudaVersion ? cudaRelease(c.cudaVersion) : 'unknown'}` +
  (c.requirement ? `, needs driver ≥ ${c.requirement.minDriver})` : ')');

const no = (why: string): Verdict => ({
  compatible: false,
  mode: undefined,
  floor: undefined,
  why,
  warning: undefined,
});

/** Whether the driver runs the candidate under the policy (native always counts). */
export function judge(candidate: Candidate, driver: string, options: SelectOptions = NATIVE): Verdict {
  const need = candidate.requirement;
  if (!need) return no('the image carries no CUDA_VERSION or CUDA_DRIVER_VERSION to check against');
  const from = need.source === 'image-env' ? "image's CUDA_DRIVER_VERSION" : "NVIDIA's table for its CUDA";
  const head = `needs driver ≥ ${need.minDriver} (${from})`;
  if (compareVersionText(driver, need.minDriver) >= 0) {
    return {
      compatible: true,
      mode: 'native',
      floor: need.minDriver,
      why: `${head}; driver ${driver} meets that`,
      warning: undefined,
    };
  }
  const older = `${head}; driver ${driver} is older`;
  if (options.policy === 'minor-compat') return judgeMinorCompat(candidate, driver, older);
  if (options.policy === 'forward-compat') return judgeForwardCompat(candidate, driver, older, options.gpuNames);
  return no(`${older} than that`);
}

function judgeMinorCompat(candidate: Candidate, driver: string, older: string): Verdict {
  const floor = minorCompatFloor(candidate.cudaVersion);
  const major = candidate.cudaVersion?.split('.')[0];
  if (!floor) return no(`${older}, and CUDA ${major ?? '?'}.x has no minor-version compatibility`);
  if (compareVersionText(driver, floor) < 0)
    return no(`${older}, and below ${floor}, CUDA ${major}.x's minor-version-compatibility floor`);
  return {
    compatible: true,
    mode: 'minor-compat',
    floor,
    why: `${older}, but ≥ ${floor}, CUDA ${major}.x's minor-version-compatibility floor`,
    warning: PTX_JIT_WARNING,
  };
}

function judgeForwardCompat(candidate: Candidate, driver: string, older: string, gpuNames: readonly string[]): Verdict {
  if (!allDataCenter(gpuNames)) {
    const names = gpuNames.length ? [...new Set(gpuNames)].join(', ') : 'unknown GPUs';
    return no(
      `${older}; forward compatibility needs data-center GPUs, and ${names} ${gpuNames.length === 1 ? 'is' : 'are'} not all data-center`,
    );
  }
  const branches = candidate.forwardCompatBranches ?? [];
  const branch = forwardCompatBranchFor(driver, branches);
  if (!branch) {
    const listed = branches.length
      ? `lists only ${branches.join(', ')}`
      : 'lists no data-center branch (as far as the seed knows)';
    return no(`${older}; for forward compatibility release ${candidate.release} ${listed}`);
  }
  return {
    compatible: true,
    mode: 'forward-compat',
    floor: branch.minDriver,
    why: `${older}, but on data-center branch R${branch.branch}, which release ${candidate.release} lists (${branch.printed}) for forward compatibility`,
    warning: FORWARD_COMPAT_WARNING,
  };
}

/** Newest CUDA release whose Table 3 minimum the driver meets, e.g. 580.159.04 → "13.0" (for messages). */
export function newestCudaForDriver(driver: string): string | undefined {
  if (!parseVersion(driver)) return undefined;
  const row = CUDA_DRIVER_TABLE.find((r) => compareVersionText(driver, r.minDriver) >= 0);
  return row ? row.cuda.split('.').slice(0, 2).join('.') : undefined;
}

const THROUGH: Record<Policy, string> = {
  native: '',
  'minor-compat': ' through minor-version compatibility',
  'forward-compat': ' through forward compatibility',
};

/**
 * Pick from candidates ordered newest release first. With no driver (no GPU requested) the newest wins.
 * Given only a newest-first prefix that ends at the first compatible candidate, the answer is the same as
 * for the whole list; callers use that to stop reading image configs early.
 */
export function selectTag(
  candidates: readonly Candidate[],
  driver: string | undefined,
  subject: string,
  options: SelectOptions = NATIVE,
): Selection {
  if (driver === undefined) {
    const newest = candidates[0];
    return newest
      ? {
          kind: 'selected',
          candidate: newest,
          verdict: undefined,
          why: `no GPU requested: newest ${subject} release is ${describe(newest)}`,
        }
      : { kind: 'none', oldest: undefined, why: `no ${subject} release matches` };
  }
  for (const candidate of candidates) {
    const verdict = judge(candidate, driver, options);
    if (!verdict.compatible) continue;
    const supports = newestCudaForDriver(driver);
    const head = supports ? `driver ${driver} supports CUDA ≤ ${supports}` : `driver ${driver}`;
    const why =
      verdict.mode === 'native'
        ? `${head}: newest ${subject} release needing ≤ ${driver} is ${describe(candidate)}`
        : `${head}: newest ${subject} release it runs${THROUGH[verdict.mode!]} is ${describe(candidate)}, from driver ${verdict.floor} up`;
    return { kind: 'selected', candidate, verdict, why };
  }
  const oldest = candidates.at(-1);
  return {
    kind: 'none',
    oldest,
    why: oldest
      ? `no ${subject} release runs on driver ${driver}${options.policy === 'native' ? '' : ` (policy ${options.policy})`}: even the oldest, ${describe(oldest)}, is too new`
      : `no ${subject} release matches`,
  };
}
