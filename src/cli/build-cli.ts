// The command line read into a typed command (main.ts runs it): by the fast reader, else by yargs (yargs-cli.ts, loaded
// only then), both reading the one declaration in options.ts.
import { UsageError } from '../errors.js';
import { findFramework } from '../ngc/frameworks.js';
import { shellJoin, shellQuote } from '../shell/quote.js';
import { sshCommandFor } from '../transport/host-arg.js';
import { typedArgs, type ParsedCommand } from './args.js';
import { commandWordOf, fastParse } from './fast-parse.js';
import type { CommandSpec } from './option-spec.js';
import { CLI, COMMANDS, VERSION_FLAG, type CommandName } from './options.js';

/** The words before `--`: the tool's own; everything after belongs to the job's command. */
const ownWords = (argv: readonly string[]) => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv);

/** `--version` among the tool's own words (not the job's: `-- python --version`). */
export const asksForVersion = (argv: readonly string[]) => ownWords(argv).includes(`--${VERSION_FLAG.name}`);

/** `help` and `help COMMAND` as the word: the same as `--help` and `COMMAND --help`. */
export function helpWordAsFlag(argv: readonly string[]): readonly string[] {
  if (argv[0] !== 'help') return argv;
  const command = argv[1];
  return command !== undefined && Object.hasOwn(COMMANDS, command) ? [command, '--help'] : ['--help'];
}

/** cache, warm and import have no --host (they run where the cache's files are): a sentence, not "Unknown argument". */
function refuseHost(argv: readonly string[]): void {
  const word = commandWordOf(argv);
  if (word === undefined || !Object.hasOwn(COMMANDS, word)) return;
  const { runsOnCluster }: CommandSpec = COMMANDS[word as CommandName];
  if (!runsOnCluster) return;
  const words = ownWords(argv);
  const at = words.findIndex((w) => w === '--host' || w.startsWith('--host='));
  if (at < 0) return;
  const inline = words[at]!.startsWith('--host=');
  const host = inline ? words[at]!.slice('--host='.length) : words[at + 1];
  // The same command line, minus --host and its value, as it would run there.
  const there = shellJoin(['qsub-container', ...argv.filter((_, i) => i !== at && (inline || i !== at + 1))]);
  throw new UsageError(`${word} takes no --host: ${runsOnCluster}`, {
    hint: `run it there: ${host ? sshCommandFor(host) : 'ssh LOGIN-NODE'} ${shellQuote(there)}`,
  });
}

/**
 * An option that takes a value given none: last on the line, or right before `--` (yargs would take "--" itself as the
 * value and read the job's first word as one more argument: "Unknown argument: true"). Said with what the value is.
 */
function refuseMissingValue(argv: readonly string[]): void {
  const word = commandWordOf(argv);
  const command: CommandSpec =
    word !== undefined && Object.hasOwn(COMMANDS, word)
      ? COMMANDS[word as CommandName]
      : Object.values<CommandSpec>(COMMANDS).find((c) => c.isDefault)!;
  const end = argv.indexOf('--');
  for (let i = 0; i < (end < 0 ? argv.length : end); i++) {
    const name = /^--?([^-=][^=]*)$/.exec(argv[i]!)?.[1];
    const next = argv[i + 1];
    if (name === undefined || (next !== undefined && next !== '--')) continue;
    const spec = Object.entries(command.options).find(
      ([key, o]) => o.type !== 'boolean' && [key, ...[o.alias ?? []].flat()].includes(name),
    )?.[1];
    if (!spec?.describe) continue;
    throw new UsageError(`${argv[i]} needs a value: ${spec.describe}`, {
      hint: `write it right after ${argv[i]}${next === '--' ? ', before --' : ''}, or leave ${argv[i]} out`,
    });
  }
}

/**
 * The word after a bare --gpu, when it cannot be the target (no framework, no image reference) and yargs found one
 * more word: `--gpu two tensorflow` meant "two" as the count.
 */
function misreadGpuCount(argv: readonly string[]): string | undefined {
  const words = ownWords(argv);
  const at = words.findIndex((w) => w === '--gpu' || w === '--gpus');
  const next = at < 0 ? undefined : words[at + 1];
  if (next === undefined || next.startsWith('-') || /^\d+$/.test(next)) return undefined;
  return findFramework(next) || /[/:@#]/.test(next) ? undefined : next;
}

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

export async function parseCommand(argv: readonly string[]): Promise<ParsedCommand> {
  refuseHost(argv);
  const normalized = normalizeGpuFlag(argv);
  refuseMissingValue(normalized);
  const parsed =
    fastParse(CLI, normalized) ??
    (await (await import('./yargs-cli.js')).parseWithYargs(normalized).catch((error: unknown) => {
      const count = error instanceof UsageError && /^Unknown argument/.test(error.message) && misreadGpuCount(argv);
      if (!count) throw error;
      throw new UsageError(`--gpu takes a number of GPUs per node: ${JSON.stringify(count)} is not a whole number`, {
        hint: 'e.g. --gpu 2 tensorflow (a bare --gpu means 1)',
      });
    }));
  if (parsed.help) return { name: 'help', text: String(parsed.helpText) };
  const word = String(parsed._[0]);
  const name: CommandName = Object.hasOwn(COMMANDS, word) ? (word as CommandName) : 'submit';
  const command = { name, args: typedArgs(name, parsed) } as ParsedCommand;
  if (command.name === 'warm' && command.args.daemon && (command.args.once || command.args.dryRun))
    throw new UsageError('--daemon cannot be combined with --once or --dry-run', {
      hint: 'run warm --once --dry-run to see a plan',
    });
  return command;
}
