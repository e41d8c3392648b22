// Every command and option of the command line, declared once. yargs is configured from it (help, usage errors),
// the fast reader reads argv against it (fast-parse.ts), and the typed arguments are derived from it (args.ts).
import { LOG_LEVELS } from '../log/levels.js';
import { POLICIES } from '../ngc/select.js';
import { SSH_CLIENTS } from '../transport/ssh-target.js';
import type { CliDeclaration, CommandSpec, OptionSpecs } from './option-spec.js';

export const SCRIPT_NAME = 'qsub-container';
export const USAGE = '$0 [submit] <framework|image-ref> [options] [-- command args...]';

/** How argv is read, by yargs and by the fast reader alike (fast-parse.ts reproduces exactly this one). */
export const PARSER_CONFIGURATION: Readonly<Record<string, boolean>> = {
  'populate--': true,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'camel-case-expansion': true,
};

const flag = (describe: string) => ({ type: 'boolean', default: false, describe }) as const;

/** The program's own flag, taken before any command (main.ts answers it; its value is package.json's). */
export const VERSION_FLAG = { name: 'version', describe: "print qsub-container's version and exit" } as const;

/** Every command takes these. */
export const LOCAL_OPTIONS = {
  json: flag('print results as JSON on stdout'),
  'log-level': { choices: LOG_LEVELS, default: 'warn', describe: 'stderr log level (pino JSON lines)' },
  refresh: flag('re-probe the driver even when a cached answer is fresh'),
} as const satisfies OptionSpecs;

/** Every command but those that run where the cache is (runsOnCluster) takes these too. */
export const HOST_OPTIONS = {
  host: { type: 'string', describe: 'submit over SSH: a host profile, ~/.ssh/config alias or user@host[:port]' },
  'accept-new-host-key': flag("trust and record a host's key seen for the first time"),
  'ssh-client': {
    choices: SSH_CLIENTS,
    describe: 'SSH client for --host: your ssh (MFA, ControlMaster) or the built-in one',
  },
} as const satisfies OptionSpecs;

export const COMMON_OPTIONS = { ...LOCAL_OPTIONS, ...HOST_OPTIONS } as const satisfies OptionSpecs;

/** Why cache, warm and import take no --host. */
const ON_CLUSTER = "it works on the cache's files, so it runs on the cluster";

/** Where on the cluster: submit and tags. */
const SLURM_TARGET_OPTIONS = {
  partition: { alias: 'p', type: 'string', describe: 'Slurm partition' },
  'gpu-type': { type: 'string', describe: 'GPU GRES type, e.g. h100 (--gres=gpu:TYPE:N)' },
  constraint: {
    alias: 'C',
    type: 'string',
    describe: 'Slurm feature: probe only node groups that have it (submit: also #SBATCH --constraint)',
  },
  account: { alias: 'A', type: 'string', describe: 'Slurm account (allocation)' },
  registry: { type: 'string', describe: 'registry HOST[:PORT] or URL (default: config, else nvcr.io)' },
} as const satisfies OptionSpecs;

/** Which tag: submit and tags (validated in app/selection.ts). */
export const SELECTION_OPTIONS = {
  policy: {
    choices: POLICIES,
    describe: 'selection policy (default native; forward-compat only where the site config allows it)',
  },
  release: { type: 'string', describe: 'only this NGC release, YY.MM' },
  cuda: { type: 'string', describe: 'lowest CUDA version the image must have, e.g. 12.4' },
  variant: { type: 'string', describe: 'tag variant: tf1, tf2, igpu, sdk, ...' },
  python: { type: 'string', describe: 'Python major in the tag (3, or 2 for old releases)' },
} as const satisfies OptionSpecs;

const REMOTE = flag("with --host: the cluster side's credential file (the secret goes over SSH on stdin)");

/** The commands, in the order help lists them. */
export const COMMANDS = {
  submit: {
    describe: 'pick the newest image the partition can run and submit a job',
    isDefault: true,
    positionals: {
      target: { type: 'string', describe: 'framework (tensorflow, pytorch, jax, tritonserver) or image reference' },
    },
    options: {
      ...COMMON_OPTIONS,
      ...SLURM_TARGET_OPTIONS,
      ...SELECTION_OPTIONS,
      tag: { type: 'string', describe: "this tag of the framework (still checked against the partition's driver)" },
      force: flag('submit --tag even if the driver cannot run it (the job still checks its node)'),
      // A bare --gpu means 1: normalizeGpuFlag (build-cli.ts) makes the count explicit before argv is read.
      gpu: { alias: 'gpus-per-node', type: 'string', describe: 'GPUs per node (bare --gpu means 1)' },
      time: { alias: 't', type: 'string', describe: 'time limit, e.g. 04:00:00' },
      mem: { type: 'string', describe: 'memory per node, e.g. 32G' },
      'cpus-per-task': {
        alias: ['c', 'cpus'],
        type: 'string',
        describe: 'CPUs per task (every srun step gets -c too)',
      },
      nodes: { alias: 'N', type: 'string', describe: 'nodes, a whole number (more than one launches through srun)' },
      'ntasks-per-node': { type: 'string', describe: 'tasks per node (more than one launches through srun)' },
      ntasks: { alias: 'n', type: 'string', describe: 'tasks in all (more than one launches through srun)' },
      launcher: {
        type: 'string',
        describe:
          'per-task (one container per Slurm task, RANK etc. set), per-node (one per node, for torchrun), none (the batch host only); default per-task when the job has more than one task or node',
      },
      mpi: {
        type: 'string',
        describe: "srun --mpi for the tasks: pmix, pmi2 or none (default: the site's, else Slurm's)",
      },
      stage: {
        type: 'string',
        describe: "where nodes read the image: shared (the cache, default) or local (sbcast to each node's local disk)",
      },
      'user-site': flag("let the user's ~/.local Python packages into the container (default: PYTHONNOUSERSITE=1)"),
      'python-user-base': {
        type: 'string',
        describe: 'keep pip install --user packages in DIR/<image digest> (PYTHONUSERBASE), one directory per image',
      },
      exclusive: flag('whole nodes for the job (sbatch --exclusive)'),
      qos: { type: 'string', describe: 'Slurm quality of service' },
      'mail-type': { type: 'string', describe: 'mail on these events, e.g. END,FAIL (sbatch --mail-type)' },
      'mail-user': { type: 'string', describe: 'mail to this address' },
      dependency: { alias: 'd', type: 'string', describe: 'start after other jobs, e.g. afterok:123 (sbatch -d)' },
      'job-name': { alias: 'J', type: 'string', describe: 'job name (default qsc-<framework>)' },
      output: {
        alias: 'o',
        type: 'string',
        describe: "job output file (Slurm's %j patterns work; its directory is made before sbatch)",
      },
      error: {
        alias: 'e',
        type: 'string',
        describe: "job error file (Slurm's %j patterns work; default: the output; its directory is made)",
      },
      'cache-dir': { type: 'string', describe: 'shared SIF cache directory' },
      driver: { type: 'string', describe: 'driver version to select for, skipping detection' },
      'dry-run': flag('print the job script; submit nothing'),
      wait: flag("follow the job to its end, print its output's tail, exit with its exit code"),
      pull: {
        type: 'string',
        describe:
          'where a missing image is pulled: local (here, first), slurm (a CPU job the job waits for), job, auto',
      },
      array: { type: 'string', describe: 'job array indexes, e.g. 0-15 or 1,3,5-7%2 (one image for every task)' },
      bind: {
        type: 'string',
        repeatable: true,
        describe: 'bind a path into the container, SRC[:DST[:ro|rw]] (repeatable)',
      },
      env: { type: 'string', repeatable: true, describe: 'set NAME=VALUE in the container (repeatable)' },
      commands: { type: 'string', describe: 'a file of shell commands, one per line: each runs as one array task' },
      'sbatch-arg': {
        type: 'string',
        repeatable: true,
        describe: 'one more sbatch option, --name[=value] (repeatable; not those the tool sets itself)',
      },
      'apptainer-arg': {
        type: 'string',
        repeatable: true,
        describe: 'one more apptainer exec option, e.g. --contain, --overlay=FILE (repeatable)',
      },
    },
    takesCommand: true,
    examples: [
      ['$0 --gpu tensorflow -p gengpu -- python train.py', 'newest TensorFlow the gengpu driver runs'],
      ['$0 --gpu 2 pytorch -t 04:00:00 -A p12345 -- torchrun train.py', 'two GPUs, with account and time'],
    ],
  },
  tags: {
    describe: 'list candidate tags and the one a driver would get',
    positionals: { framework: { type: 'string' } },
    options: {
      ...COMMON_OPTIONS,
      ...SLURM_TARGET_OPTIONS,
      ...SELECTION_OPTIONS,
      driver: { type: 'string', describe: 'driver version (else probed on -p PARTITION)' },
      'gpu-name': { type: 'string', describe: 'GPU model, for forward compatibility (else from the probe)' },
      explain: flag('add why each candidate is or is not compatible'),
      offline: flag('use only the offline seed (no registry)'),
    },
  },
  detect: {
    describe: "report a partition's GPU driver, or parse a saved nvidia-smi output",
    positionals: {},
    options: {
      ...COMMON_OPTIONS,
      'nvidia-smi-output': {
        type: 'string',
        describe: 'parse this saved nvidia-smi output (or /proc/driver/nvidia/version) instead of probing',
      },
      partition: { alias: 'p', type: 'string', array: true, default: [], describe: 'partition(s) to probe' },
      'gpu-type': { type: 'string', describe: 'GPU GRES type: probe only node groups that have it' },
      constraint: { alias: 'C', type: 'string', describe: 'Slurm feature: probe only node groups that have it' },
      account: { alias: 'A', type: 'string', describe: 'Slurm account for the probe job' },
    },
  },
  cache: {
    describe: 'the shared image cache: ls, verify (quarantine bad SIFs), prune (LRU, never what jobs need)',
    runsOnCluster: ON_CLUSTER,
    positionals: { action: { choices: ['ls', 'verify', 'prune'] } },
    options: {
      ...LOCAL_OPTIONS,
      'cache-dir': { type: 'string', describe: 'shared SIF cache directory (default: config "cacheDir")' },
      'max-size': {
        type: 'string',
        describe: 'prune: evict least recently used images until the cache is this size, e.g. 500G',
      },
      'older-than': { type: 'string', describe: 'prune: evict images unused for this long, e.g. 30d' },
      'dry-run': flag('prune: print what would be removed; remove nothing'),
    },
  },
  warm: {
    describe: "pull the images the site's targets select into the shared cache",
    runsOnCluster: ON_CLUSTER,
    positionals: {},
    options: {
      ...LOCAL_OPTIONS,
      'cache-dir': {
        type: 'string',
        describe:
          'shared SIF cache directory (default: the site config\'s "cacheDir"; no personal config unless QSUB_CONTAINER_CONFIG names one)',
      },
      once: flag('run one tick and exit (the default without --daemon)'),
      daemon: flag('run ticks on the config\'s "warm.schedule" until SIGTERM'),
      'dry-run': flag('print the plan; pull, link and remove nothing'),
    },
  },
  login: {
    describe: 'check and store registry credentials (password from stdin or a prompt, never the command line)',
    positionals: { registry: { type: 'string', describe: 'registry HOST[:PORT], e.g. nvcr.io' } },
    options: {
      ...COMMON_OPTIONS,
      username: {
        alias: 'u',
        type: 'string',
        describe: 'user name (nvcr.io: the literal $oauthtoken, the default there)',
      },
      'password-stdin': flag('read the password from stdin (the default when stdin is not a terminal)'),
      remote: REMOTE,
    },
    examples: [['echo "$NGC_API_KEY" | $0 login nvcr.io --password-stdin', 'store an NGC API key']],
  },
  import: {
    describe: 'cache an image made elsewhere (docker save, skopeo) as the SIF submit would use',
    runsOnCluster: ON_CLUSTER,
    positionals: {
      source: {
        type: 'string',
        describe: 'docker-archive tar, OCI archive tar, OCI layout directory, or docker://IMAGE-REF',
      },
    },
    options: {
      ...LOCAL_OPTIONS,
      as: { type: 'string', describe: 'the image a file is, e.g. nvcr.io/nvidia/pytorch:24.10-py3' },
      'cache-dir': { type: 'string', describe: 'shared SIF cache directory' },
      via: {
        type: 'string',
        default: 'auto',
        describe: 'docker:// only: apptainer, client (the tool downloads), or auto (client when Apptainer is refused)',
      },
    },
    examples: [
      [
        '$0 import pytorch.tar --as nvcr.io/nvidia/pytorch:24.10-py3',
        'an image saved with docker save on another machine',
      ],
    ],
  },
  logout: {
    describe: "remove a registry's stored credentials",
    positionals: { registry: { type: 'string', describe: 'registry HOST[:PORT]' } },
    options: { ...COMMON_OPTIONS, remote: REMOTE },
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

export type CommandName = keyof typeof COMMANDS;

export const CLI: CliDeclaration = { configuration: PARSER_CONFIGURATION, commands: COMMANDS };
