// Settings of the shared image cache and its warmer: what the "cache" and "warm" config objects mean, and their
// defaults (config/sections.ts validates them).

/**
 * What the warmer keeps current: a framework on partitions (the tag a submission there selects), or one named image.
 * policy, variant and python are what `submit --policy/--variant/--python` would say; undefined: the site's default.
 */
export type WarmTarget =
  | {
      readonly kind: 'framework';
      readonly framework: string;
      readonly partitions: readonly string[];
      readonly repository: string | undefined;
      readonly policy: string | undefined;
      readonly variant: string | undefined;
      readonly python: string | undefined;
    }
  | { readonly kind: 'image'; readonly image: string };

export interface WarmSettings {
  readonly targets: readonly WarmTarget[];
  /** node-cron expression for `warm --daemon`. */
  readonly schedule: string;
  /** Random delay before each daemon tick, so many sites' warmers do not hit a registry at the same second. */
  readonly jitterSeconds: number;
  /** Where pulls run: on the warm host, or as a Slurm job on `pullPartition` (sites whose login nodes may not do heavy work). */
  readonly pullOn: 'local' | 'slurm';
  readonly pullPartition: string | undefined;
  /** Time limit of a pull job (sbatch --time). */
  readonly pullTime: string;
  /** Pulls at once. */
  readonly parallelism: number;
  /** Prune by the cache policy after each tick. */
  readonly prune: boolean;
}

export interface CacheSettings {
  /** LRU prune down to this many bytes; undefined: no size limit. */
  readonly maxSizeBytes: number | undefined;
  /** Prune images unused for longer than this; undefined: no age limit. */
  readonly olderThanMs: number | undefined;
  /** Image references or digests never pruned. */
  readonly pins: readonly string[];
  /** Unix group that owns the cache (files group-writable, directories setgid); undefined: leave ownership alone. */
  readonly group: string | undefined;
  /**
   * Users whose files in the cache a job runs besides its own and root's (README "Trust model"): the warmer account,
   * a lab's maintainer. Anyone else's file at a digest's name is set aside and pulled again, never run.
   */
  readonly trustedUsers: readonly string[];
  /** A pull refuses to start with less free space than this in the cache filesystem. */
  readonly minFreeBytes: number;
  /** Base of per-user APPTAINER_TMPDIR / APPTAINER_CACHEDIR (a large filesystem); undefined: <cacheDir>/.tmp. */
  readonly apptainerTmpDir: string | undefined;
  readonly apptainerCacheDir: string | undefined;
  /**
   * How long a pull waits for a digest's lock (another pull of it, or anyone holding it) before it gives up with exit
   * 75: whoever can open the lock file can hold it, and a job must not spend its time limit waiting.
   */
  readonly lockWaitSeconds: number;
  /**
   * Site config: root may pull into the cache (warm, --pull local, import). Off by default: root-owned files are
   * trusted by every job, and root reading a cache its group can write is where a neighbour's plant does most harm.
   */
  readonly allowRoot: boolean;
  /** A lock directory whose owner stopped refreshing it this long ago is stale (filesystems without flock). */
  readonly staleLockSeconds: number;
}

export const DEFAULT_WARM: WarmSettings = {
  targets: [],
  schedule: '17 */6 * * *',
  jitterSeconds: 0,
  pullOn: 'local',
  pullPartition: undefined,
  pullTime: '02:00:00',
  parallelism: 2,
  prune: true,
};
export const DEFAULT_CACHE: CacheSettings = {
  maxSizeBytes: undefined,
  olderThanMs: undefined,
  pins: [],
  group: undefined,
  trustedUsers: [],
  minFreeBytes: 20 * 2 ** 30,
  apptainerTmpDir: undefined,
  apptainerCacheDir: undefined,
  lockWaitSeconds: 3600,
  allowRoot: false,
  staleLockSeconds: 600,
};
