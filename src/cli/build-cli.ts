// The command line read into a typed command (main.ts runs it): by the fast reader, else by yargs (yargs-cli.ts, loaded
// only then), both reading the one declaration in options.ts.
import { UsageError } from '../errors.js';
import { typedArgs, type ParsedCommand } from './args.js';
import { fastParse } from './fast-parse.js';
import { CLI, COMMANDS, type CommandName } from './options.js';

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
  const normalized = normalizeGpuFlag(argv);
  const parsed = fastParse(CLI, normalized) ?? (await (await import('./yargs-cli.js')).parseWithYargs(normalized));
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
