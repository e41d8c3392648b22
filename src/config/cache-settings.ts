// Site settings of the shared image cache and its warmer ("cache" and "warm" objects in a config file), validated purely.
import { parseAge, parseSize } from '../cache/units.js';
import { PYTHON_SHAPE, VARIANT_SHAPE } from '../ngc/constraints.js';
import { POLICIES } from '../ngc/select.js';

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

const TARGET_KEYS = ['framework', 'partitions', 'repository', 'policy', 'variant', 'python'];
const TARGET_SHAPE =
  '{"framework": NAME, "partitions": [PARTITION, ...], "repository"?: PATH, "policy"?: POLICY, "variant"?: VARIANT, "python"?: 3} or {"image": REF}';

/** One framework target's optional selection keys, each checked as its submit flag is; undefined: well-formed. */
function selectionProblem(t: Record<string, unknown>): string | undefined {
  if (t.repository !== undefined && (typeof t.repository !== 'string' || t.repository === ''))
    return '"repository" must be a repository path such as nvidia/pytorch';
  if (t.policy !== undefined && !(POLICIES as readonly unknown[]).includes(t.policy))
    return `"policy" must be one of ${POLICIES.join(', ')}`;
  if (t.variant !== undefined && (typeof t.variant !== 'string' || !VARIANT_SHAPE.test(t.variant)))
    return '"variant" must be a tag variant such as tf1, tf2, igpu, sdk';
  if (t.python !== undefined && !PYTHON_SHAPE.test(String(t.python)))
    return '"python" must be 3 (or 2): NGC tags name only the Python major';
  return undefined;
}

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
  /** A pull refuses to start with less free space than this in the cache filesystem. */
  readonly minFreeBytes: number;
  /** Base of per-user APPTAINER_TMPDIR / APPTAINER_CACHEDIR (a large filesystem); undefined: <cacheDir>/.tmp. */
  readonly apptainerTmpDir: string | undefined;
  readonly apptainerCacheDir: string | undefined;
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
  minFreeBytes: 20 * 2 ** 30,
  apptainerTmpDir: undefined,
  apptainerCacheDir: undefined,
  staleLockSeconds: 600,
};

const CRON = /^(\S+\s+){4,5}\S+$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');

type Check = (value: unknown, problem: (what: string) => void) => unknown;

const check = {
  string: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' && v !== '' ? v : p('must be a non-empty string'),
  path: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' && v.startsWith('/') ? v : p('must be an absolute path'),
  count: (v: unknown, p: (w: string) => void) =>
    Number.isInteger(v) && (v as number) >= 1 ? v : p('must be an integer ≥ 1'),
  seconds: (v: unknown, p: (w: string) => void) =>
    typeof v === 'number' && v >= 0 ? v : p('must be a number of seconds ≥ 0'),
  bool: (v: unknown, p: (w: string) => void) => (typeof v === 'boolean' ? v : p('must be true or false')),
  size: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' || typeof v === 'number'
      ? (parseSize(v) ?? p('must be a size such as "500G"'))
      : p('must be a size such as "500G"'),
  age: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' ? (parseAge(v) ?? p('must be an age such as "30d"')) : p('must be an age such as "30d"'),
  name: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' && NAME.test(v) ? v : p('must be a group or partition name'),
  cron: (v: unknown, p: (w: string) => void) =>
    typeof v === 'string' && CRON.test(v.trim())
      ? v.trim()
      : p('must be a cron expression of 5 or 6 fields, e.g. "17 */6 * * *"'),
  pins: (v: unknown, p: (w: string) => void) => (strings(v) ? v : p('must be a list of image references or digests')),
  pullOn: (v: unknown, p: (w: string) => void) =>
    v === 'local' || v === 'slurm' ? v : p('must be "local" or "slurm"'),
  targets: (v: unknown, p: (w: string) => void) => {
    if (!Array.isArray(v)) return p('must be a list of {"framework", "partitions"} or {"image"} objects');
    const out: WarmTarget[] = [];
    v.forEach((t, i) => {
      const at = (what: string) => p(`[${i}] ${what}`);
      if (!isObject(t)) return at('must be an object');
      if (typeof t.image === 'string' && t.image !== '' && Object.keys(t).length === 1)
        return out.push({ kind: 'image', image: t.image });
      if ('image' in t) return at(`must be ${TARGET_SHAPE}`);
      const extra = Object.keys(t).filter((k) => !TARGET_KEYS.includes(k));
      if (extra.length > 0)
        return at(
          `has unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}: must be ${TARGET_SHAPE}`,
        );
      if (typeof t.framework !== 'string' || !strings(t.partitions) || t.partitions.length === 0)
        return at(`must be ${TARGET_SHAPE}`);
      const problem = selectionProblem(t);
      if (problem) return at(problem);
      const text = (v: unknown) => (v === undefined ? undefined : String(v));
      return out.push({
        kind: 'framework',
        framework: t.framework,
        partitions: t.partitions,
        repository: text(t.repository),
        policy: text(t.policy),
        variant: text(t.variant),
        python: text(t.python),
      });
    });
    return out;
  },
} satisfies Record<string, Check>;

const WARM_KEYS: Readonly<Record<string, [keyof WarmSettings, Check]>> = {
  targets: ['targets', check.targets],
  schedule: ['schedule', check.cron],
  jitterSeconds: ['jitterSeconds', check.seconds],
  pullOn: ['pullOn', check.pullOn],
  pullPartition: ['pullPartition', check.name],
  pullTime: ['pullTime', check.string],
  parallelism: ['parallelism', check.count],
  prune: ['prune', check.bool],
};

const CACHE_KEYS: Readonly<Record<string, [keyof CacheSettings, Check]>> = {
  maxSize: ['maxSizeBytes', check.size],
  olderThan: ['olderThanMs', check.age],
  pins: ['pins', check.pins],
  group: ['group', check.name],
  minFree: ['minFreeBytes', check.size],
  apptainerTmpDir: ['apptainerTmpDir', check.path],
  apptainerCacheDir: ['apptainerCacheDir', check.path],
  staleLockSeconds: ['staleLockSeconds', check.seconds],
};

/** Validate one layer's "warm" or "cache" object into settings keys; problems are pushed, bad keys dropped. */
export function readSection(
  section: 'warm' | 'cache',
  value: unknown,
  source: string,
  errors: string[],
): Record<string, unknown> {
  const keys = section === 'warm' ? WARM_KEYS : CACHE_KEYS;
  if (!isObject(value)) {
    errors.push(`${source}: "${section}" must be an object`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const known = keys[key];
    if (!known) {
      errors.push(`${source}: unknown setting "${section}.${key}" (known: ${Object.keys(keys).join(', ')})`);
      continue;
    }
    let bad = false;
    const result = known[1](v, (what) => {
      bad = true;
      errors.push(`${source}: "${section}.${key}" ${what}`);
    });
    if (!bad) out[known[0]] = result;
  }
  return out;
}

/** Cross-setting rules, checked once every layer is merged. */
export function checkWarm(warm: WarmSettings, errors: string[]): void {
  if (warm.pullOn === 'slurm' && !warm.pullPartition)
    errors.push('"warm.pullOn" is "slurm" but "warm.pullPartition" names no partition');
}
