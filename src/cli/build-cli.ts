// The command line: yargs definitions only. Parsing yields a typed command; main.ts runs it.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../log/levels.js';
import type { CacheArgs, ParsedCommand } from './args.js';
import { fastParse, recordCli } from './fast-parse.js';

/**
 * `--gpu` takes an optional count: `--gpu tensorflow` must not eat the framework, so a bare --gpu becomes
 * --gpu=1 and `--gpu 2` becomes --gpu=2 before yargs sees it. Nothing after `--` is touched.
 */
export function normalizeGpuFlag(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const out: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const arg = head[i]!;
    if (arg === '--gpu' || arg === '--gpus') {
      const next = head[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        out.push(`--gpu=${next}`);
        i++;
      } else out.push('--gpu=1');
    } else out.push(arg.startsWith('--gpus=') ? `--gpu=${arg.slice(7)}` : arg);
  }
  return end < 0 ? out : [...out, ...argv.slice(end)];
}

const common = (y: Argv) =>
  y
    .option('json', { type: 'boolean', default: false, describe: 'print results as JSON on stdout' })
    .option('log-level', {
      choices: LOG_LEVELS,
      default: 'warn' as LogLevel,
      describe: 'stderr log level (pino JSON lines)',
    })
    .option('refresh', {
      type: 'boolean',
      default: false,
      describe: 're-probe the driver even when a cached answer is fresh',
    })
    .option('host', {
      type: 'string',
      describe: 'submit over SSH: a host profile, ~/.ssh/config alias or user@host[:port]',
    })
    .option('accept-new-host-key', {
      type: 'boolean',
      default: false,
      describe: "trust and record a host's key seen for the first time",
    })
    .option('ssh-client', {
      choices: ['openssh', 'ssh2'],
      describe: 'SSH client for --host: your ssh (MFA, ControlMaster) or the built-in one',
    });

const slurmTarget = (y: Argv) =>
  y
    .option('partition', { alias: 'p', type: 'string', describe: 'Slurm partition' })
    .option('gpu-type', { type: 'string', describe: 'GPU GRES type, e.g. h100 (--gres=gpu:TYPE:N)' })
    .option('constraint', {
      alias: 'C',
      type: 'string',
      describe: 'Slurm feature: probe only node groups that have it (submit: also #SBATCH --constraint)',
    })
    .option('account', { alias: 'A', type: 'string', describe: 'Slurm account (allocation)' })
    .option('registry', { type: 'string', describe: 'registry HOST[:PORT] or URL (default: config, else nvcr.io)' });

const selection = (y: Argv) =>
  y
    .option('policy', {
      choices: ['native', 'minor-compat', 'forward-compat'],
      describe: 'selection policy (default native; forward-compat only where the site config allows it)',
    })
    .option('release', { type: 'string', describe: 'only this NGC release, YY.MM' })
    .option('cuda', { type: 'string', describe: 'lowest CUDA version the image must have, e.g. 12.4' })
    .option('variant', { type: 'string', describe: 'tag variant: tf1, tf2, igpu, sdk, ...' })
    .option('python', { type: 'string', describe: 'Python major in the tag (3, or 2 for old releases)' });

/** The whole command line, declared on `root`: real yargs for help and usage errors, fast-parse.ts's recorder otherwise. */
export function defineCli(root: Argv) {
  return (
    root
      .scriptName('qsub-container')
      .usage('$0 [submit] <framework|image-ref> [options] [-- command args...]')
      .parserConfiguration({
        'populate--': true,
        'parse-numbers': false,
        'parse-positional-numbers': false,
        'camel-case-expansion': true,
      })
      .command(
        ['submit <target>', '$0 <target>'],
        'pick the newest image the partition can run and submit a job',
        (y) =>
          selection(slurmTarget(common(y)))
            .option('tag', {
              type: 'string',
              describe: "this tag of the framework (still checked against the partition's driver)",
            })
            .option('force', {
              type: 'boolean',
              default: false,
              describe: 'submit --tag even if the driver cannot run it (the job still checks its node)',
            })
            .positional('target', {
              type: 'string',
              describe: 'framework (tensorflow, pytorch, jax, tritonserver) or image reference',
            })
            .option('gpu', { type: 'string', describe: 'GPUs per node (bare --gpu means 1)' })
            .option('time', { alias: 't', type: 'string', describe: 'time limit, e.g. 04:00:00' })
            .option('mem', { type: 'string', describe: 'memory per node, e.g. 32G' })
            .option('cpus', { alias: 'c', type: 'string', describe: 'CPUs per task' })
            .option('job-name', { alias: 'J', type: 'string', describe: 'job name (default qsc-<framework>)' })
            .option('output', { alias: 'o', type: 'string', describe: "job output file (Slurm's %j patterns work)" })
            .option('cache-dir', { type: 'string', describe: 'shared SIF cache directory' })
            .option('driver', { type: 'string', describe: 'driver version to select for, skipping detection' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'print the job script; submit nothing' })
            .option('wait', {
              type: 'boolean',
              default: false,
              describe: "follow the job to its end, print its output's tail, exit with its exit code",
            })
            .option('pull', {
              type: 'string',
              describe:
                'where a missing image is pulled: local (here, first), slurm (a CPU job the job waits for), job, auto',
            })
            .option('array', {
              type: 'string',
              describe: 'job array indexes, e.g. 0-15 or 1,3,5-7%2 (one image for every task)',
            })
            .option('bind', {
              type: 'string',
              describe: 'bind a path into the container, SRC[:DST[:ro|rw]] (repeatable)',
            })
            .option('env', { type: 'string', describe: 'set NAME=VALUE in the container (repeatable)' })
            .option('commands', {
              type: 'string',
              describe: 'a file of shell commands, one per line: each runs as one array task',
            })
            .example('$0 --gpu tensorflow -p gengpu -- python train.py', 'newest TensorFlow the gengpu driver runs')
            .example(
              '$0 --gpu 2 pytorch -t 04:00:00 -A p12345 -- torchrun train.py',
              'two GPUs, with account and time',
            ),
      )
      .command('tags <framework>', 'list candidate tags and the one a driver would get', (y) =>
        selection(slurmTarget(common(y)))
          .positional('framework', { type: 'string' })
          .option('driver', { type: 'string', describe: 'driver version (else probed on -p PARTITION)' })
          .option('gpu-name', {
            type: 'string',
            describe: 'GPU model, for forward compatibility (else from the probe)',
          })
          .option('explain', {
            type: 'boolean',
            default: false,
            describe: 'add why each candidate is or is not compatible',
          })
          .option('offline', { type: 'boolean', default: false, describe: 'use only the offline seed (no registry)' }),
      )
      .command('detect', "report a partition's GPU driver, or parse a saved nvidia-smi output", (y) =>
        common(y)
          .option('nvidia-smi-output', {
            type: 'string',
            describe: 'parse this saved nvidia-smi output (or /proc/driver/nvidia/version) instead of probing',
          })
          .option('partition', {
            alias: 'p',
            type: 'string',
            array: true,
            default: [] as string[],
            describe: 'partition(s) to probe',
          })
          .option('gpu-type', { type: 'string', describe: 'GPU GRES type: probe only node groups that have it' })
          .option('constraint', {
            alias: 'C',
            type: 'string',
            describe: 'Slurm feature: probe only node groups that have it',
          })
          .option('account', { alias: 'A', type: 'string', describe: 'Slurm account for the probe job' }),
      )
      .command(
        'cache <action>',
        'the shared image cache: ls, verify (quarantine bad SIFs), prune (LRU, never what jobs need)',
        (y) =>
          common(y)
            .positional('action', { choices: ['ls', 'verify', 'prune'] as const })
            .option('cache-dir', {
              type: 'string',
              describe: 'shared SIF cache directory (default: config "cacheDir")',
            })
            .option('max-size', {
              type: 'string',
              describe: 'prune: evict least recently used images until the cache is this size, e.g. 500G',
            })
            .option('older-than', { type: 'string', describe: 'prune: evict images unused for this long, e.g. 30d' })
            .option('dry-run', {
              type: 'boolean',
              default: false,
              describe: 'prune: print what would be removed; remove nothing',
            }),
      )
      .command('warm', "pull the images the site's targets select into the shared cache", (y) =>
        common(y)
          .option('cache-dir', { type: 'string', describe: 'shared SIF cache directory (default: config "cacheDir")' })
          .option('once', {
            type: 'boolean',
            default: false,
            describe: 'run one tick and exit (the default without --daemon)',
          })
          .option('daemon', {
            type: 'boolean',
            default: false,
            describe: 'run ticks on the config\'s "warm.schedule" until SIGTERM',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'print the plan; pull, link and remove nothing',
          }),
      )
      .command(
        'login <registry>',
        'check and store registry credentials (password from stdin or a prompt, never the command line)',
        (y) =>
          common(y)
            .positional('registry', { type: 'string', describe: 'registry HOST[:PORT], e.g. nvcr.io' })
            .option('username', {
              alias: 'u',
              type: 'string',
              describe: 'user name (nvcr.io: the literal $oauthtoken, the default there)',
            })
            .option('password-stdin', {
              type: 'boolean',
              default: false,
              describe: 'read the password from stdin (the default when stdin is not a terminal)',
            })
            .option('remote', {
              type: 'boolean',
              default: false,
              describe: "with --host: the cluster side's credential file (the secret goes over SSH on stdin)",
            })
            .example('echo "$NGC_API_KEY" | $0 login nvcr.io --password-stdin', 'store an NGC API key'),
      )
      .command(
        'import <source>',
        'cache an image made elsewhere (docker save, skopeo) as the SIF submit would use',
        (y) =>
          common(y)
            .positional('source', {
              type: 'string',
              describe: 'docker-archive tar, OCI archive tar, OCI layout directory, or docker://IMAGE-REF',
            })
            .option('as', { type: 'string', describe: 'the image a file is, e.g. nvcr.io/nvidia/pytorch:24.10-py3' })
            .option('cache-dir', { type: 'string', describe: 'shared SIF cache directory' })
            .option('via', {
              type: 'string',
              default: 'auto',
              describe:
                'docker:// only: apptainer, client (the tool downloads), or auto (client when Apptainer is refused)',
            })
            .example(
              '$0 import pytorch.tar --as nvcr.io/nvidia/pytorch:24.10-py3',
              'an image saved with docker save on another machine',
            ),
      )
      .command('logout <registry>', "remove a registry's stored credentials", (y) =>
        common(y).positional('registry', { type: 'string', describe: 'registry HOST[:PORT]' }).option('remote', {
          type: 'boolean',
          default: false,
          describe: "with --host: the cluster side's credential file (the secret goes over SSH on stdin)",
        }),
      )
      .strict()
      .help()
      .version(false)
      // English whatever the user's LANG: yargs would otherwise mix its translated labels and usage errors with our
      // English descriptions and hints, and the help the build renders ahead (help-texts.ts) could not match.
      .locale('en')
      .wrap(100)
      .exitProcess(false)
      .fail((message, error) => {
        throw error instanceof UsageError
          ? error
          : new UsageError(message || String(error), { hint: 'see qsub-container --help' });
      })
  );
}

/** yargs itself (loaded only here, ~50 ms): help text, usage errors with its messages, whatever the replay defers. */
export async function parseWithYargs(argv: readonly string[]): Promise<Record<string, unknown> & { _: unknown[] }> {
  const { default: yargs } = await import('yargs');
  let helpText = '';
  const parsed = await defineCli(yargs()).parseAsync([...argv], {}, (_error, _argv, output) => {
    helpText = output;
  });
  // yargs answers the word `help` too (`cache help`, `tags pytorch help`) with the command's help, without setting
  // --help: printing nothing else, it means help just the same (else the command would run with its positionals unset).
  return parsed.help || helpText ? { ...parsed, help: true, helpText } : parsed;
}

export async function parseCommand(argv: readonly string[]): Promise<ParsedCommand> {
  const normalized = normalizeGpuFlag(argv);
  const parsed = fastParse(recordCli(defineCli), normalized) ?? (await parseWithYargs(normalized));
  if (parsed.help) return { name: 'help', text: String(parsed.helpText) };
  const name = String(parsed._[0] ?? 'submit');
  const a = parsed as Record<string, unknown>;
  const str = (k: string) => (a[k] === undefined ? undefined : String(a[k]));
  const list = (v: unknown) => (v === undefined ? [] : [v].flat().map(String));
  const common = {
    json: Boolean(a.json),
    logLevel: a.logLevel as LogLevel,
    host: str('host'),
    acceptNewHostKey: Boolean(a.acceptNewHostKey),
    sshClient: str('sshClient'),
  };
  const selectionArgs = {
    policy: str('policy'),
    release: str('release'),
    cuda: str('cuda'),
    variant: str('variant'),
    python: str('python'),
  };
  if (name === 'tags') {
    return {
      name,
      args: {
        ...common,
        ...selectionArgs,
        gpuName: str('gpuName'),
        explain: Boolean(a.explain),
        offline: Boolean(a.offline),
        framework: String(a.framework),
        driver: str('driver'),
        partition: str('partition'),
        gpuType: str('gpuType'),
        constraint: str('constraint'),
        account: str('account'),
        registry: str('registry'),
        refresh: Boolean(a.refresh),
      },
    };
  }
  if (name === 'login') {
    return {
      name,
      args: {
        ...common,
        registry: String(a.registry),
        username: str('username'),
        passwordStdin: Boolean(a.passwordStdin),
        remote: Boolean(a.remote),
      },
    };
  }
  if (name === 'import')
    return {
      name,
      args: { ...common, source: String(a.source), as: str('as'), cacheDir: str('cacheDir'), via: String(a.via) },
    };
  if (name === 'logout') return { name, args: { ...common, registry: String(a.registry), remote: Boolean(a.remote) } };
  if (name === 'detect') {
    return {
      name,
      args: {
        ...common,
        constraint: str('constraint'),
        nvidiaSmiOutput: str('nvidiaSmiOutput'),
        partition: (a.partition as string[]).map(String),
        gpuType: str('gpuType'),
        account: str('account'),
        refresh: Boolean(a.refresh),
      },
    };
  }
  if (name === 'cache') {
    return {
      name,
      args: {
        ...common,
        action: a.action as CacheArgs['action'],
        cacheDir: str('cacheDir'),
        maxSize: str('maxSize'),
        olderThan: str('olderThan'),
        dryRun: Boolean(a.dryRun),
      },
    };
  }
  if (name === 'warm') {
    if (a.daemon && (a.once || a.dryRun))
      throw new UsageError('--daemon cannot be combined with --once or --dry-run', {
        hint: 'run warm --once --dry-run to see a plan',
      });
    return {
      name,
      args: {
        ...common,
        cacheDir: str('cacheDir'),
        once: Boolean(a.once),
        daemon: Boolean(a.daemon),
        dryRun: Boolean(a.dryRun),
        refresh: Boolean(a.refresh),
      },
    };
  }
  return {
    name: 'submit',
    args: {
      ...common,
      target: String(a.target),
      gpu: str('gpu'),
      gpuType: str('gpuType'),
      constraint: str('constraint'),
      partition: str('partition'),
      account: str('account'),
      time: str('time'),
      mem: str('mem'),
      cpus: str('cpus'),
      jobName: str('jobName'),
      output: str('output'),
      registry: str('registry'),
      cacheDir: str('cacheDir'),
      driver: str('driver'),
      dryRun: Boolean(a.dryRun),
      refresh: Boolean(a.refresh),
      wait: Boolean(a.wait),
      command: ((a['--'] as string[] | undefined) ?? []).map(String),
      ...selectionArgs,
      tag: str('tag'),
      force: Boolean(a.force),
      pull: str('pull'),
      array: str('array'),
      bind: list(a.bind),
      env: list(a.env),
      commands: str('commands'),
    },
  };
}
