// yargs configured from the declaration in options.ts: help text, and usage errors in yargs' words, for whatever the
// fast reader (fast-parse.ts) leaves to it. Loaded only then: yargs costs a cold run ~65 ms.
import type { Argv, Options, PositionalOptions } from 'yargs';
import { UsageError } from '../errors.js';
import type { ReadArgv } from './fast-parse.js';
import { readVersion } from './version.js';
import { COMMANDS, PARSER_CONFIGURATION, SCRIPT_NAME, USAGE, VERSION_FLAG } from './options.js';
import type { CommandSpec, OptionSpec } from './option-spec.js';

/** An option as yargs takes it: a fresh copy (yargs may keep and change what it is given), without our own keys. */
function yargsOption({ repeatable: _, ...spec }: OptionSpec): Options & PositionalOptions {
  return {
    ...spec,
    ...(spec.choices ? { choices: [...spec.choices] } : {}),
    ...(typeof spec.default === 'object' ? { default: [...spec.default] } : {}),
  };
}

/**
 * yargs configured from the declaration (options.ts): help text and usage errors in yargs' words. `version` only
 * fills yargs' --version answer; main.ts answers --version before any parse.
 */
export function defineCli(root: Argv, version = '') {
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
      .version(VERSION_FLAG.name, VERSION_FLAG.describe, version)
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

/** argv as yargs reads it, with the help it rendered (`helpText`) when it was asked for help. */
export async function parseWithYargs(argv: readonly string[]): Promise<ReadArgv> {
  const { default: yargs } = await import('yargs');
  let helpText = '';
  // yargs types its argv loosely; under PARSER_CONFIGURATION its values are words, flags and their lists.
  const parsed = (await defineCli(yargs(), await readVersion()).parseAsync([...argv], {}, (_error, _argv, output) => {
    helpText = output;
  })) as ReadArgv;
  // yargs answers the word `help` too (`cache help`, `tags pytorch help`) with the command's help, without setting
  // --help: printing nothing else, it means help just the same (else the command would run with its positionals unset).
  return parsed.help || helpText ? { ...parsed, help: true, helpText } : parsed;
}
