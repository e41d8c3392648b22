// Parse argv without loading yargs: build-cli.ts's definitions replayed by a reader of the common spellings; anything
// but a clean, valid command line (help, usage errors, odd spellings, unreplayed features) is left to yargs itself.
// fast-parse.test.ts proves they agree. (yargs-parser itself costs a cold process ~5 ms: three parses of cold code.)
import type { Argv, Options, PositionalOptions } from 'yargs';

type Definition = Options & PositionalOptions;

interface Positional {
  readonly name: string;
  readonly variadic: boolean;
  readonly required: boolean;
}

interface CommandSpec {
  readonly names: string[];
  readonly isDefault: boolean;
  readonly positionals: Positional[];
  readonly options: Map<string, Definition>;
  /** False once the builder used a yargs feature the recorder does not replay: yargs parses that command. */
  replayable: boolean;
}

export interface CliSpec {
  configuration: Record<string, boolean>;
  readonly global: Map<string, Definition>;
  readonly commands: CommandSpec[];
  replayable: boolean;
}

/** Option keys whose meaning the replay reproduces; text-only keys change nothing in parsing. */
const REPLAYED_KEYS = new Set([
  'alias',
  'type',
  'array',
  'default',
  'choices',
  'describe',
  'description',
  'desc',
  'hidden',
  'group',
]);
/** Builder calls that only shape help text or yargs' own behaviour on errors (which is yargs' to show). */
const TEXT_ONLY = new Set([
  'scriptName',
  'usage',
  'example',
  'epilogue',
  'epilog',
  'wrap',
  'locale',
  'strict',
  'help',
  'version',
  'exitProcess',
  'fail',
  'showHelpOnFail',
]);

/** `submit <target>`, `$0 <target>`, `cache [action..]` → name and positionals, as yargs reads a command string. */
function readCommandString(text: string): { name: string; positionals: Positional[] } {
  const [name = '', ...rest] = text.trim().split(/\s+/);
  const positionals = rest.map((word) => {
    const m = /^([<[])([^\]>.]+)(\.\.)?[\]>]$/.exec(word);
    return m
      ? { name: m[2]!, variadic: m[3] !== undefined, required: m[1] === '<' }
      : { name: '', variadic: false, required: true };
  });
  return { name, positionals };
}

/** A stand-in for yargs that records what build-cli.ts declares; an unknown call marks its scope as not replayable. */
function recorder(spec: CliSpec, command: CommandSpec | undefined): Argv {
  const markUnreplayable = () => (command ? (command.replayable = false) : (spec.replayable = false));
  const define = (key: string, definition: Definition) => {
    if (Object.keys(definition).some((k) => !REPLAYED_KEYS.has(k))) markUnreplayable();
    (command?.options ?? spec.global).set(key, definition);
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    parserConfiguration: (configuration: Record<string, boolean>) => {
      spec.configuration = { ...configuration };
    },
    option: (key: string, definition: Definition) => define(key, definition),
    positional: (key: string, definition: Definition) => define(key, definition),
    command: (text: string | readonly string[], _describe: string, builder?: (y: Argv) => Argv) => {
      const strings = typeof text === 'string' ? [text] : [...text];
      const read = strings.map(readCommandString);
      const spec0 = read[0]!;
      const c: CommandSpec = {
        names: read.map((r) => r.name).filter((n) => n !== '$0'),
        isDefault: read.some((r) => r.name === '$0'),
        positionals: spec0.positionals,
        options: new Map(),
        replayable: typeof builder === 'function' && spec0.positionals.every((p) => p.name !== ''),
      };
      if (typeof builder === 'function') builder(recorder(spec, c));
      spec.commands.push(c);
    },
  };
  const proxy: Argv = new Proxy({} as Argv, {
    get:
      (_target, property) =>
      (...args: never[]) => {
        const name = String(property);
        if (methods[name]) methods[name]!(...args);
        else if (!TEXT_ONLY.has(name)) markUnreplayable();
        return proxy;
      },
  });
  return proxy;
}

/** Record a yargs definition (build-cli.ts's defineCli) without yargs. */
export function recordCli(define: (root: Argv) => unknown): CliSpec {
  const spec: CliSpec = { configuration: {}, global: new Map(), commands: [], replayable: true };
  define(recorder(spec, undefined));
  return spec;
}

const camel = (key: string) => key.replace(/-+([^-])/g, (_m, c: string) => c.toUpperCase());
const aliasesOf = (d: Definition) =>
  d.alias === undefined ? [] : typeof d.alias === 'string' ? [d.alias] : [...d.alias];

/** The parser configuration readOptions reproduces (build-cli.ts's); under any other, yargs parses everything. */
const READ_CONFIGURATION: Record<string, boolean> = {
  'populate--': true,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'camel-case-expansion': true,
};
const readsAsConfigured = (configuration: Record<string, boolean>) =>
  Object.keys({ ...configuration, ...READ_CONFIGURATION }).every((k) => configuration[k] === READ_CONFIGURATION[k]);

/** Why a word is not read here: yargs reads it (an unknown or odd option, a missing value, help). */
const DEFER = Symbol('defer');

/**
 * The command word, as yargs finds it: the first word that is no option and no option's value, where every option is
 * unknown yet (the command's own are declared later), so `--name value` and `-n value` take the next word unless it
 * starts with "-". Undefined when there is none; DEFER for spellings whose reading the replay does not reproduce.
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

/**
 * argv read against `definitions` as yargs-parser reads it under build-cli.ts's configuration, for the spellings people
 * use: `--name value`, `--name=value`, `-n value`, `--flag`, `--no-flag`, `--flag=true|false`, repeats, and `--`. Every
 * key is set under its name, aliases and camelCase forms, with defaults. Anything else is DEFER: yargs reads it.
 */
function readOptions(
  argv: readonly string[],
  definitions: Map<string, Definition>,
): (Record<string, unknown> & { _: string[] }) | typeof DEFER {
  const byName = new Map<string, string>();
  for (const [key, d] of definitions) for (const name of [key, ...aliasesOf(d)]) byName.set(name, key);
  const given = new Map<string, unknown>();
  const positionals: string[] = [];
  let afterDashes: string[] | undefined;
  // Repeats collect, as yargs-parser's duplicate-arguments-array does; a declared array collects from the first.
  const set = (key: string, value: unknown) => {
    const before = given.get(key);
    if (given.has(key)) given.set(key, [...(Array.isArray(before) ? before : [before]), value]);
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
    // A declared array takes every following word (greedy-arrays): only the one-value spelling is replayed.
    if (d.array && inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) return DEFER;
    if (d.type !== undefined && d.type !== 'string') return DEFER;
    set(key, value);
  }
  // yargs-parser's populate--: the key is there only when something follows "--".
  const parsed: Record<string, unknown> & { _: string[] } = {
    _: positionals,
    ...(afterDashes?.length ? { '--': afterDashes } : {}),
  };
  for (const [key, d] of definitions) {
    const value = given.has(key) ? given.get(key) : 'default' in d ? d.default : undefined;
    if (value === undefined && !given.has(key)) continue;
    for (const name of [key, ...aliasesOf(d)]) parsed[name] = parsed[camel(name)] = value;
  }
  return parsed;
}

/**
 * The argv object yargs would hand back for this command line, or undefined when yargs must decide (help, usage
 * errors, anything the replay does not cover).
 */
export function fastParse(
  spec: CliSpec,
  argv: readonly string[],
): (Record<string, unknown> & { _: unknown[] }) | undefined {
  if (!spec.replayable || !readsAsConfigured(spec.configuration)) return undefined;
  const word = commandWord(argv);
  if (word === DEFER) return undefined;
  const named = word === undefined ? undefined : spec.commands.find((c) => c.names.includes(word));
  const command = named ?? spec.commands.find((c) => c.isDefault);
  if (!command?.replayable) return undefined;

  const definitions = new Map([...spec.global, ...command.options]);
  const parsed = readOptions(argv, definitions);
  if (parsed === DEFER) return undefined;
  const rest = parsed._.slice(named ? 1 : 0);
  if (rest.includes('help')) return undefined;

  // Positionals, as yargs fills them: one word each, a variadic one takes the rest.
  for (const p of command.positionals) {
    const values = p.variadic ? rest.splice(0) : rest.splice(0, 1);
    if (values.length === 0 && p.required) return undefined; // yargs: not enough non-option arguments
    if (values.length === 0) continue;
    const value = p.variadic ? values : values[0];
    for (const key of [p.name, camel(p.name), ...aliasesOf(definitions.get(p.name) ?? {})]) parsed[key] = value;
  }
  if (rest.length > 0) return undefined; // strict: yargs names the unknown argument
  parsed._ = named ? [word!] : [];

  // Choices: a value outside them is yargs' usage error to word.
  for (const [key, d] of definitions) {
    if (!d.choices || parsed[key] === undefined) continue;
    const values: unknown[] = Array.isArray(parsed[key]) ? (parsed[key] as unknown[]) : [parsed[key]];
    if (values.some((v) => !(d.choices as unknown[]).includes(v))) return undefined;
  }
  return parsed;
}
