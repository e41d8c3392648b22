// Parse argv without loading yargs: build-cli.ts's definitions replayed into yargs-parser; anything but a clean, valid
// command line (help, usage errors, unreplayed features) is left to yargs itself. fast-parse.test.ts proves they agree.
import type { Argv, Options, PositionalOptions } from 'yargs';
import parse from 'yargs-parser';

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
const REPLAYED_KEYS = new Set(['alias', 'type', 'array', 'default', 'choices', 'describe', 'description', 'desc', 'hidden', 'group']);
/** Builder calls that only shape help text or yargs' own behaviour on errors (which is yargs' to show). */
const TEXT_ONLY = new Set(['scriptName', 'usage', 'example', 'epilogue', 'epilog', 'wrap', 'strict', 'help', 'version', 'exitProcess', 'fail', 'showHelpOnFail']);

/** `submit <target>`, `$0 <target>`, `cache [action..]` → name and positionals, as yargs reads a command string. */
function readCommandString(text: string): { name: string; positionals: Positional[] } {
  const [name = '', ...rest] = text.trim().split(/\s+/);
  const positionals = rest.map((word) => {
    const m = /^([<[])([^\]>.]+)(\.\.)?[\]>]$/.exec(word);
    return m ? { name: m[2]!, variadic: m[3] !== undefined, required: m[1] === '<' } : { name: '', variadic: false, required: true };
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
    get: (_target, property) => (...args: never[]) => {
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
const aliasesOf = (d: Definition) => (d.alias === undefined ? [] : typeof d.alias === 'string' ? [d.alias] : [...d.alias]);

/** yargs-parser options for these definitions, as yargs builds them from .option() (plus its global --help). */
function parserOptions(definitions: Map<string, Definition>, configuration: Record<string, boolean>): parse.Options {
  const o = { alias: {} as Record<string, string[]>, boolean: ['help'], string: [] as string[], number: [] as string[], array: [] as string[], default: {} as Record<string, unknown> };
  for (const [key, d] of definitions) {
    if (d.alias !== undefined) o.alias[key] = aliasesOf(d);
    if (d.array) o.array.push(key);
    if (d.type === 'boolean') o.boolean.push(key);
    if (d.type === 'string') o.string.push(key);
    if (d.type === 'number') o.number.push(key);
    if ('default' in d) o.default[key] = d.default;
  }
  return { ...o, configuration: { 'parse-positional-numbers': false, ...configuration, 'populate--': true } };
}

/** Every key yargs-parser may set for these definitions: names, aliases and their camelCase forms. */
function knownKeys(definitions: Map<string, Definition>): Set<string> {
  const known = new Set(['_', '--', 'help']);
  for (const [key, d] of definitions) for (const k of [key, ...aliasesOf(d)]) known.add(k).add(camel(k));
  return known;
}

/**
 * The argv object yargs would hand back for this command line, or undefined when yargs must decide (help, usage
 * errors, anything the replay does not cover).
 */
export function fastParse(spec: CliSpec, argv: readonly string[]): (Record<string, unknown> & { _: unknown[] }) | undefined {
  if (!spec.replayable) return undefined;
  // First pass as yargs does it: global options only, to find the command word.
  const first = parse.detailed([...argv], parserOptions(spec.global, spec.configuration));
  if (first.error || first.argv.help) return undefined;
  const word = first.argv._[0] === undefined ? undefined : String(first.argv._[0]);
  const named = word === undefined ? undefined : spec.commands.find((c) => c.names.includes(word));
  const command = named ?? spec.commands.find((c) => c.isDefault);
  if (!command?.replayable) return undefined;

  const definitions = new Map([...spec.global, ...command.options]);
  const options = parserOptions(definitions, spec.configuration);
  const second = parse.detailed([...argv], options);
  const parsed = second.argv;
  if (second.error || parsed.help) return undefined;
  const known = knownKeys(definitions);
  if (Object.keys(parsed).some((k) => !known.has(k))) return undefined; // strict: yargs names the unknown option
  const rest = parsed._.map(String).slice(named ? 1 : 0);
  if (rest.includes('help')) return undefined;

  // Positionals, as yargs fills them: one word each, a variadic one takes the rest; then parsed with their definitions.
  const unparsed: string[] = [];
  for (const p of command.positionals) {
    const values = p.variadic ? rest.splice(0) : rest.splice(0, 1);
    if (values.length === 0 && p.required) return undefined; // yargs: not enough non-option arguments
    for (const value of values) unparsed.push(`--${p.name}`, value);
  }
  if (rest.length > 0) return undefined; // strict: yargs names the unknown argument
  const positionalOptions = { ...options, array: [...(options.array as string[]), ...command.positionals.filter((p) => p.variadic).map((p) => p.name)] };
  const filled = parse.detailed(unparsed, { ...positionalOptions, configuration: { ...options.configuration, 'populate--': false } });
  if (filled.error) return undefined;
  for (const p of command.positionals) {
    for (const key of [p.name, camel(p.name), ...aliasesOf(definitions.get(p.name) ?? {})]) {
      if (key in filled.argv) parsed[key] = filled.argv[key];
    }
  }
  parsed._ = named ? [word!] : [];

  // Choices: a value outside them is yargs' usage error to word.
  for (const [key, d] of definitions) {
    if (!d.choices || parsed[key] === undefined) continue;
    const values: unknown[] = Array.isArray(parsed[key]) ? (parsed[key] as unknown[]) : [parsed[key]];
    if (values.some((v) => !(d.choices as unknown[]).includes(v))) return undefined;
  }
  return parsed;
}
