// The "cache", "warm" and "driverMap" objects of a config file, validated key by key into cache/settings.ts's settings (pure).
import type { CacheSettings, WarmSettings, WarmTarget } from '../cache/settings.js';
import type { DriverMapSettings } from '../gpu/driver-map-settings.js';
import { parseAge, parseSize } from '../cache/units.js';
import { PYTHON_SHAPE, VARIANT_SHAPE } from '../ngc/constraints.js';
import { POLICIES } from '../ngc/select.js';

/** A string or a number as text (python may be written 3 or "3"); anything else has no text. */
const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

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
  if (t.python !== undefined && !PYTHON_SHAPE.test(scalar(t.python) ?? ''))
    return '"python" must be 3 (or 2): NGC tags name only the Python major';
  return undefined;
}

const NODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DRIVER = /^\d+(?:\.\d+)+$/;
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
  users: (v: unknown, p: (w: string) => void) =>
    strings(v) && v.every((u) => NAME.test(u)) ? v : p('must be a list of user names'),
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
      return out.push({
        kind: 'framework',
        framework: t.framework,
        partitions: t.partitions,
        repository: scalar(t.repository),
        policy: scalar(t.policy),
        variant: scalar(t.variant),
        python: scalar(t.python),
      });
    });
    return out;
  },
  uids: (v: unknown, p: (w: string) => void) =>
    Array.isArray(v) && v.every((u) => Number.isInteger(u) && (u as number) >= 0)
      ? v
      : p('must be a list of numeric uids (id -u ACCOUNT), e.g. [991]'),
  hours: (v: unknown, p: (w: string) => void) =>
    typeof v === 'number' && v > 0 ? v * 3600 : p('must be a number of hours > 0'),
  adminNodes: (v: unknown, p: (w: string) => void) => {
    if (!isObject(v)) return p('must be an object of node → driver version, e.g. {"gpu01": "580.159.04"}');
    const bad = Object.entries(v).find(
      ([node, driver]) => !NODE.test(node) || typeof driver !== 'string' || !DRIVER.test(driver),
    );
    return bad
      ? p(`has ${JSON.stringify(bad[0])}: ${JSON.stringify(bad[1])}: must map a node name to a driver version`)
      : v;
  },
  probe: (v: unknown, p: (w: string) => void) => (v === 'cpu' || v === 'gpu' ? v : p('must be "cpu" or "gpu"')),
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
  trustedUsers: ['trustedUsers', check.users],
  minFree: ['minFreeBytes', check.size],
  apptainerTmpDir: ['apptainerTmpDir', check.path],
  apptainerCacheDir: ['apptainerCacheDir', check.path],
  lockWaitSeconds: ['lockWaitSeconds', check.seconds],
  allowRoot: ['allowRoot', check.bool],
  staleLockSeconds: ['staleLockSeconds', check.seconds],
};

const DRIVER_MAP_KEYS: Readonly<Record<string, [keyof DriverMapSettings, Check]>> = {
  dir: ['dir', check.path],
  trustedUids: ['trustedUids', check.uids],
  ttlHours: ['ttlSeconds', check.hours],
  nodes: ['nodes', check.adminNodes],
  probe: ['probe', check.probe],
};

const SECTIONS = { warm: WARM_KEYS, cache: CACHE_KEYS, driverMap: DRIVER_MAP_KEYS };

/** Validate one layer's "warm", "cache" or "driverMap" object into settings keys; problems are pushed, bad keys dropped. */
export function readSection(
  section: keyof typeof SECTIONS,
  value: unknown,
  source: string,
  errors: string[],
): Record<string, unknown> {
  const keys = SECTIONS[section];
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
