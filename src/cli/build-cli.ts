// The command line read into a typed command (main.ts runs it): by the fast reader, else by yargs, both configured
// from the one declaration in options.ts.
import type { Argv, Options, PositionalOptions } from 'yargs';
import { UsageError } from '../errors.js';
import { typedArgs, type ParsedCommand } from './args.js';
import { fastParse } from './fast-parse.js';
import {
  CLI,
  COMMANDS,
  PARSER_CONFIGURATION,
  SCRIPT_NAME,
  USAGE,
  type CommandName,
  type CommandSpec,
  type OptionSpec,
} from './options.js';

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

/** An option as yargs takes it: a fresh copy (yargs may keep and change what it is given), without our own keys. */
function yargsOption({ repeatable: _, ...spec }: OptionSpec): Options & PositionalOptions {
  return {
    ...spec,
    ...(spec.choices ? { choices: [...spec.choices] } : {}),
    ...(Array.isArray(spec.default) ? { default: [...spec.default] } : {}),
  } as Options & PositionalOptions;
}

/** yargs configured from the declaration (options.ts): help text and usage errors in yargs' words. */
export function defineCli(root: Argv) {
  let cli = root.scriptName(SCRIPT_NAME).usage(USAGE).parserConfiguration(PARSER_CONFIGURATION);
  for (const [name, command] of Object.entries(COMMANDS) as [string, CommandSpec][]) {
    const words = Object.keys(command.positionals).map((key) => `<${key}>`);
    const heads = [name, ...(command.isDefault ? ['$0'] : [])].map((head) => [head, ...words].join(' '));
    cli = cli.command(heads.length === 1 ? heads[0]! : heads, command.describe, (y) => {
      for (const [key, spec] of Object.entries(command.positionals)) y = y.positional(key, yargsOption(spec));
      for (const [key, spec] of Object.entries(command.options)) y = y.option(key, yargsOption(spec));
      for (const [example, what] of command.examples ?? []) y = y.example(example, what);
      return y;
    });
  }
  return (
    cli
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

/** yargs itself (loaded only here; ~65 ms of a cold run): help text, usage errors with its messages, whatever the fast reader defers. */
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
  const parsed = fastParse(CLI, normalized) ?? (await parseWithYargs(normalized));
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
