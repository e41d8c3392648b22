// Settings from flags > environment > user config > site config > defaults, in one pure step that validates every key
// of every layer and reports every problem.
import { join } from 'node:path';
import { DEFAULT_CACHE, DEFAULT_WARM, type CacheSettings, type WarmSettings } from '../cache/settings.js';
import { MPI_TYPES, STAGES } from '../job/launch.js';
import { PULL_MODES } from '../job/pull-mode.js';
import { DEFAULT_DRIVER_MAP, type DriverMapSettings } from '../gpu/driver-map-settings.js';
import { POLICIES } from '../ngc/select.js';
import { readSbatchEnv, type SbatchEnv } from '../slurm/sbatch-env.js';
import { SSH_CLIENTS, validateHostProfiles, type HostProfile, type SshClient } from '../transport/ssh-target.js';
import { checkWarm, readSection } from './sections.js';

export interface Settings {
  /** Registry for named frameworks; undefined means the framework's home registry (nvcr.io). */
  readonly registry: string | undefined;
  /** The SIF image cache the jobs share (not the tool's state cache); undefined: the default image directory on the job's node (image/names.ts). */
  readonly cacheDir: string | undefined;
  /**
   * Where cacheDir came from, for messages: "--cache-dir", a config file's path, the variable's name, or undefined
   * (the default). Optional so hand-made settings in tests need not say.
   */
  readonly cacheDirFrom?: string | undefined;
  /** Partition for GPU jobs when -p is not given. */
  readonly gpuPartition: string | undefined;
  /** Partition for CPU jobs when -p is not given; undefined lets Slurm use its default. */
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly time: string | undefined;
  /** Docker config.json-format file with registry credentials (mode 0600). */
  readonly authFile: string;
  readonly driverCacheTtlMinutes: number;
  readonly probeWaitSeconds: number;
  /** Default tag-selection policy (native, minor-compat, forward-compat); --policy overrides. */
  readonly policy: string | undefined;
  /** "data-center" lets the forward-compat policy be used at all (a site decision); anything else forbids it. */
  readonly forwardCompat: string | undefined;
  /** Where jobs read their node's NVIDIA kernel module version (before nvidia-smi); undefined: /proc/driver/nvidia/version. */
  readonly driverVersionFile: string | undefined;
  /**
   * Where a submission's missing image is pulled (src/job/pull-mode.ts): "local" on this host before sbatch, "slurm" as a
   * CPU job on warm.pullPartition the job depends on, "job" inside the job itself; undefined: "auto" (slurm for GPU jobs
   * when a pull partition is set, else job).
   */
  readonly submitPull: string | undefined;
  /** srun --mpi for launched jobs when --mpi is not given (pmix, pmi2, none); undefined: Slurm's MpiDefault. */
  readonly mpi: string | undefined;
  /** Where a launched job's nodes read the image when --stage is not given: shared (default) or local (sbcast). */
  readonly stage: string | undefined;
  /** Node-local directory --stage local copies the SIF into (a per-job directory in it); default /tmp. */
  readonly stageDir: string | undefined;
  /** NCCL/UCX settings a site's network needs (NCCL_SOCKET_IFNAME, NCCL_IB_HCA, ...), set in every launched container. */
  readonly distributedEnv: Readonly<Record<string, string>>;
  /** The shared cache's policy and the warmer's targets ("cache" and "warm" objects; cache/settings.ts). */
  readonly cache: CacheSettings;
  readonly warm: WarmSettings;
  /** The site's driver map: shared node facts, trust, TTL, the admin map, the probe kind (gpu/driver-map-settings.ts). */
  readonly driverMap: DriverMapSettings;
  /** --host profiles by name (transport/ssh-target.ts); this machine's user config only. */
  readonly hosts: Readonly<Record<string, HostProfile>>;
  /** The SSH client for --host when neither the flag nor the profile names one; this machine's user config only. */
  readonly sshClient: SshClient | undefined;
  /** SBATCH_* of the environment sbatch runs in (this machine's, or the cluster side's for --host): sbatch-env.ts. */
  readonly sbatchEnv: SbatchEnv;
  /** The config files these settings were read from (those that exist), lowest precedence first: for messages. */
  readonly configFiles: readonly string[];
}

type Key = keyof Settings;
const STRING_KEYS = [
  'registry',
  'cacheDir',
  'gpuPartition',
  'partition',
  'account',
  'time',
  'authFile',
  'policy',
  'forwardCompat',
  'submitPull',
  'driverVersionFile',
  'mpi',
  'stage',
  'stageDir',
] as const;
/** Settings whose value must be one of a few words. */
const CHOICES: Partial<Record<Key, readonly string[]>> = {
  policy: POLICIES,
  forwardCompat: ['data-center', 'off'],
  submitPull: PULL_MODES,
  mpi: MPI_TYPES,
  stage: STAGES,
  sshClient: SSH_CLIENTS,
};
const NUMBER_KEYS = ['driverCacheTtlMinutes', 'probeWaitSeconds'] as const;
const SECTION_KEYS = ['cache', 'warm', 'driverMap', 'distributedEnv'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variables, each the layer between flags and files. SBATCH_* are honoured because sbatch itself
 * lets them override #SBATCH lines: reading them here keeps the probed partition the one the job runs on. */
export const ENV_VARS: Readonly<Partial<Record<Key, readonly string[]>>> = {
  registry: ['QSUB_CONTAINER_REGISTRY'],
  cacheDir: ['QSUB_CONTAINER_CACHE_DIR'],
  authFile: ['QSUB_CONTAINER_AUTH_FILE'],
  partition: ['SBATCH_PARTITION'],
  account: ['SBATCH_ACCOUNT'],
  time: ['SBATCH_TIMELIMIT'],
};

/** What flags may set (the top layer): values as the user typed them, validated like a file's. */
export type SettingsFlags = Readonly<Partial<Record<'registry' | 'cacheDir' | 'account' | 'time', string | undefined>>>;

export interface ConfigLayer {
  /** For messages: a file path, "environment" or "flags". */
  readonly source: string;
  readonly values: unknown;
  /** The environment layer's SBATCH_* values, which no setting holds whole (sbatch reads them itself). */
  readonly sbatch?: SbatchEnv;
  /** A config file's layer (its source is the file's path). */
  readonly file?: true;
}

export interface Resolution {
  readonly settings: Settings;
  readonly errors: readonly string[];
}

/** Settings only the site config may set: decisions for the whole cluster, not per user. */
const SITE_ONLY: readonly Key[] = ['forwardCompat', 'driverVersionFile', 'driverMap'];
/** Settings of the machine --host connects from: the user's own, never a site's. */
const USER_ONLY: readonly Key[] = ['hosts', 'sshClient'];

/** Validate one file layer: an object of known keys with the right types; absolute paths for directories. */
function readLayer(layer: ConfigLayer, errors: string[], isSite = false): Partial<Record<Key, unknown>> {
  if (layer.values === undefined) return {};
  if (typeof layer.values !== 'object' || layer.values === null || Array.isArray(layer.values)) {
    errors.push(`${layer.source}: must be a JSON object`);
    return {};
  }
  const out: Partial<Record<Key, unknown>> = {};
  for (const [key, value] of Object.entries(layer.values)) {
    if (value === undefined) continue;
    if (!isSite && SITE_ONLY.includes(key as Key)) {
      errors.push(`${layer.source}: "${key}" is a site setting; only the site config may set it`);
      continue;
    }
    if (isSite && USER_ONLY.includes(key as Key)) {
      errors.push(`${layer.source}: "${key}" is a user setting (for --host); only the user config may set it`);
      continue;
    }
    if ((STRING_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'string' || value === '')
        errors.push(`${layer.source}: "${key}" must be a non-empty string`);
      else if (
        (key === 'cacheDir' || key === 'authFile' || key === 'driverVersionFile' || key === 'stageDir') &&
        !value.startsWith('/')
      )
        errors.push(`${layer.source}: "${key}" must be an absolute path`);
      else if (CHOICES[key as Key] && !CHOICES[key as Key]!.includes(value))
        errors.push(`${layer.source}: "${key}" must be one of ${CHOICES[key as Key]!.join(', ')}`);
      else out[key as Key] = value;
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        errors.push(`${layer.source}: "${key}" must be a number ≥ 0`);
      else out[key as Key] = value;
    } else if (key === 'cache' || key === 'warm' || key === 'driverMap') {
      out[key] = readSection(key, value, layer.source, errors);
    } else if (key === 'distributedEnv') {
      const entries =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? Object.entries(value as Record<string, unknown>)
          : null;
      if (
        !entries ||
        !entries.every(([name, v]) => ENV_NAME.test(name) && typeof v === 'string' && !/[\u0000-\u001f]/.test(v))
      )
        errors.push(`${layer.source}: "distributedEnv" must be an object of NAME: "value" (single-line strings)`);
      else out.distributedEnv = Object.fromEntries(entries);
    } else if (key === 'hosts') {
      const hosts = validateHostProfiles(value, layer.source);
      errors.push(...hosts.errors);
      if (hosts.errors.length === 0) out.hosts = hosts.profiles;
    } else if (key === 'sshClient') {
      if (!CHOICES.sshClient!.includes(value as string))
        errors.push(`${layer.source}: "sshClient" must be "openssh" or "ssh2"`);
      else out.sshClient = value;
    } else {
      errors.push(
        `${layer.source}: unknown setting "${key}" (known: ${[...STRING_KEYS, ...NUMBER_KEYS, ...SECTION_KEYS].join(', ')})`,
      );
    }
  }
  return out;
}

/** `where`: whose environment, for messages (the cluster side's for --host). */
export function envLayer(env: Readonly<Record<string, string | undefined>>, where = 'your environment'): ConfigLayer {
  const values = Object.fromEntries(
    Object.entries(ENV_VARS).flatMap(([key, names]) => {
      const name = names.find((n) => env[n]);
      return name ? [[key, env[name]]] : [];
    }),
  );
  return { source: 'environment', values, sbatch: readSbatchEnv(env, where) };
}

/** The highest layer that set cacheDir, as a person would name it: the flag, the variable or the file. */
function cacheDirOrigin(
  layers: readonly ConfigLayer[],
  read: readonly Partial<Record<keyof Settings, unknown>>[],
): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    if (read[i]?.cacheDir === undefined) continue;
    const { source } = layers[i]!;
    if (source === 'flags') return '--cache-dir';
    // "environment" here, "<host> environment" over --host
    if (source.endsWith('environment')) return `${ENV_VARS.cacheDir![0]} (${source})`;
    return source;
  }
  return undefined;
}

/** Layers from lowest to highest precedence: site file, user file, environment, flags. */
export function resolveSettings(layers: readonly ConfigLayer[], configDir: string): Resolution {
  const errors: string[] = [];
  const read = layers.map((l, i) => readLayer(l, errors, i === 0));
  const merged = Object.assign({}, ...read) as Partial<Settings>;
  // Sections merge key by key, so a user file can change one warm setting without restating the site's targets.
  const warm = read.reduce<WarmSettings>((w, l) => ({ ...w, ...(l.warm as Partial<WarmSettings>) }), DEFAULT_WARM);
  const cache = read.reduce<CacheSettings>((c, l) => ({ ...c, ...(l.cache as Partial<CacheSettings>) }), DEFAULT_CACHE);
  const driverMap = read.reduce<DriverMapSettings>(
    (d, l) => ({ ...d, ...(l.driverMap as Partial<DriverMapSettings>) }),
    DEFAULT_DRIVER_MAP,
  );
  checkWarm(warm, errors);
  return {
    settings: {
      registry: merged.registry,
      cacheDir: merged.cacheDir,
      cacheDirFrom: cacheDirOrigin(layers, read),
      gpuPartition: merged.gpuPartition,
      partition: merged.partition,
      account: merged.account,
      time: merged.time,
      authFile: merged.authFile ?? join(configDir, 'auth.json'),
      driverCacheTtlMinutes: merged.driverCacheTtlMinutes ?? 12 * 60,
      probeWaitSeconds: merged.probeWaitSeconds ?? 60,
      policy: merged.policy,
      forwardCompat: merged.forwardCompat,
      driverVersionFile: merged.driverVersionFile,
      submitPull: merged.submitPull,
      mpi: merged.mpi,
      stage: merged.stage,
      stageDir: merged.stageDir,
      distributedEnv: merged.distributedEnv ?? {},
      cache,
      warm,
      driverMap,
      hosts: merged.hosts ?? {},
      sshClient: merged.sshClient,
      sbatchEnv: layers.find((l) => l.sbatch)?.sbatch ?? readSbatchEnv({}, 'your environment'),
      configFiles: layers.flatMap((l) => (l.file && l.values !== undefined ? [l.source] : [])),
    },
    errors,
  };
}
