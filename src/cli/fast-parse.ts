// Parse argv without loading yargs: the declaration (options.ts) read by a reader of the common spellings; anything
// but a clean, valid command line (help, usage errors, odd spellings) is left to yargs itself, configured from the same
// declaration. fast-parse.test.ts proves they agree. (Loading yargs costs a cold dry run ~65 ms; yargs-parser alone ~5.)
import { camelCase, type ParsedValue } from './args.js';
import type { CliDeclaration, OptionSpec } from './option-spec.js';

/** The parser configuration readOptions reproduces (options.ts's); under any other, yargs parses everything. */
const READ_CONFIGURATION: Record<string, boolean> = {
  'populate--': true,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'camel-case-expansion': true,
};
const readsAsConfigured = (configuration: Readonly<Record<string, boolean>>) =>
  Object.keys({ ...configuration, ...READ_CONFIGURATION }).every((k) => configuration[k] === READ_CONFIGURATION[k]);

/** argv as read, by yargs or here: each option under its names and camelCase forms, `_` the command word, `--` the words
 * after it, and with `help`, the help yargs rendered (`helpText`). */
export type ReadArgv = Record<string, ParsedValue> & { _: readonly ParsedValue[] };

/** An option's name and its aliases. */
const namesOf = (key: string, d: OptionSpec) => [key, ...[d.alias ?? []].flat()];

/** Why a word is not read here: yargs reads it (an unknown or odd option, a missing value, help). */
const DEFER = Symbol('defer');

/**
 * The command word, as yargs finds it: the first word that is no option and no option's value, where every option is
 * unknown yet (the command's own are declared later), so `--name value` and `-n value` take the next word unless it
 * starts with "-". Undefined when there is none; DEFER for spellings whose reading the reader does not reproduce.
 */
function commandWord(argv: readonly string[]): string | undefined | typeof DEFER {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-')) return arg;
    if (!/^(--[^-=][^=]*(=.*)?|-[A-Za-z])$/s.test(arg)) return DEFER; // -abc groups, -5, "-", "---x"
    if (arg.startsWith('--no-') || arg.includes('=') || arg === '--help') continue;
    if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
  }
  return undefined;
}

/** The command word as yargs finds it (see commandWord), or undefined where there is none or the reader cannot tell. */
export function commandWordOf(argv: readonly string[]): string | undefined {
  const word = commandWord(argv);
  return word === DEFER ? undefined : word;
}

/**
 * argv read against `definitions` as yargs-parser reads it under PARSER_CONFIGURATION (options.ts), for the spellings people
 * use: `--name value`, `--name=value`, `-n value`, `--flag`, `--no-flag`, `--flag=true|false`, repeats, and `--`. Every
 * key is set under its name, aliases and camelCase forms, with defaults. Anything else is DEFER: yargs reads it.
 */
function readOptions(argv: readonly string[], definitions: ReadonlyMap<string, OptionSpec>): ReadArgv | typeof DEFER {
  const byName = new Map<string, string>();
  for (const [key, d] of definitions) for (const name of namesOf(key, d)) byName.set(name, key);
  const given = new Map<string, ParsedValue>();
  const positionals: string[] = [];
  let afterDashes: string[] | undefined;
  // Repeats collect, as yargs-parser's duplicate-arguments-array does; a declared array collects from the first.
  const set = (key: string, value: string | boolean) => {
    const before = given.get(key);
    if (given.has(key)) given.set(key, [...[before].flat(), value]);
    else given.set(key, definitions.get(key)!.array ? [value] : value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      afterDashes = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const long = /^--([^-=][^=]*)(?:=(.*))?$/s.exec(arg);
    const short = /^-([A-Za-z])$/.exec(arg);
    if (!long && !short) return DEFER;
    const name = long ? long[1]! : short![1]!;
    const inline = long?.[2];
    const key = byName.get(name);
    if (key === undefined && long && name.startsWith('no-') && inline === undefined) {
      const negated = byName.get(name.slice(3));
      if (negated === undefined || definitions.get(negated)!.type !== 'boolean' || given.has(negated)) return DEFER;
      set(negated, false);
      continue;
    }
    if (key === undefined || key === 'help') return DEFER;
    const d = definitions.get(key)!;
    if (d.type === 'boolean') {
      const next = argv[i + 1];
      if (given.has(key)) return DEFER; // a repeated flag
      if (inline === undefined && (next === 'true' || next === 'false')) return DEFER; // yargs-parser takes it as the value
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return DEFER;
      set(key, inline === undefined ? true : inline === 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) return DEFER;
    // A declared array takes every following word (greedy-arrays): only the one-value spelling is read here.
    if (d.array && inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) return DEFER;
    if (d.type !== undefined && d.type !== 'string') return DEFER;
    set(key, value);
  }
  // yargs-parser's populate--: the key is there only when something follows "--".
  const parsed: ReadArgv = {
    _: positionals,
    ...(afterDashes?.length ? { '--': afterDashes } : {}),
  };
  for (const [key, d] of definitions) {
    const value = given.has(key) ? given.get(key) : typeof d.default === 'object' ? [...d.default] : d.default;
    if (value === undefined && !given.has(key)) continue;
    for (const name of namesOf(key, d)) parsed[name] = parsed[camelCase(name)] = value;
  }
  return parsed;
}

/**
 * The argv object yargs would hand back for this command line, or undefined when yargs must decide (help, usage
 * errors, anything the reader does not cover).
 */
export function fastParse(cli: CliDeclaration, argv: readonly string[]): ReadArgv | undefined {
  if (!readsAsConfigured(cli.configuration)) return undefined;
  const word = commandWord(argv);
  if (word === DEFER) return undefined;
  const named = word !== undefined && Object.hasOwn(cli.commands, word) ? word : undefined;
  const command = named ? cli.commands[named] : Object.values(cli.commands).find((c) => c.isDefault);
  if (!command) return undefined;

  const definitions = new Map([...Object.entries(command.positionals), ...Object.entries(command.options)]);
  const parsed = readOptions(argv, definitions);
  if (parsed === DEFER) return undefined;
  const rest = parsed._.slice(named ? 1 : 0);
  if (rest.includes('help')) return undefined;

  // Positionals, as yargs fills them: one word each, all required.
  for (const [key, d] of Object.entries(command.positionals)) {
    const value = rest.shift();
    if (value === undefined) return undefined; // yargs: not enough non-option arguments
    for (const name of namesOf(key, d)) parsed[name] = parsed[camelCase(name)] = value;
  }
  if (rest.length > 0) return undefined; // strict: yargs names the unknown argument
  parsed._ = named ? [named] : [];

  // Choices: a value outside them is yargs' usage error to word.
  for (const [key, d] of definitions) {
    if (!d.choices || parsed[key] === undefined) continue;
    const values = [parsed[key]].flat();
    if (values.some((v) => !d.choices!.includes(v as string))) return undefined;
  }
  return parsed;
}
