// The typed arguments of each command, types and values both derived from the declaration in options.ts: each option
// and positional fills the field named by its camelCase name, typed by its kind (typedArgs below fills it so).
import {
  COMMANDS,
  type COMMON_OPTIONS,
  type LOCAL_OPTIONS,
  type CommandName,
  type SELECTION_OPTIONS,
} from './options.js';
import type { CommandSpec, OptionSpec } from './option-spec.js';

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/**
 * A list for array and repeatable options; a boolean for flags; one of the choices when it has a default; else a
 * string, if given. (An optional choice stays a string: the same fields carry words from config files, checked later.)
 */
type ValueOf<O extends OptionSpec> = O extends { readonly array: true } | { readonly repeatable: true }
  ? readonly string[]
  : O extends { readonly type: 'boolean' }
    ? boolean
    : O extends { readonly choices: readonly (infer Choice)[]; readonly default: unknown }
      ? Choice
      : O extends { readonly default: string }
        ? string
        : string | undefined;

/** Positionals are required: always there. */
type PositionalValueOf<O extends OptionSpec> = O extends { readonly choices: readonly (infer Choice)[] }
  ? Choice
  : string;

type FieldsOf<Options> = {
  readonly [K in keyof Options & string as Camel<K>]: Options[K] extends OptionSpec ? ValueOf<Options[K]> : never;
};

type Flatten<T> = { readonly [K in keyof T]: T[K] };

type ArgsOf<C extends CommandSpec> = Flatten<
  FieldsOf<C['options']> & {
    readonly [K in keyof C['positionals'] & string as Camel<K>]: C['positionals'][K] extends OptionSpec
      ? PositionalValueOf<C['positionals'][K]>
      : never;
  } & (C extends { readonly takesCommand: true } ? { readonly command: readonly string[] } : unknown)
>;

export type CommonArgs = FieldsOf<typeof COMMON_OPTIONS>;
/** What every command has, --host's fields only where it takes them (not cache, warm, import). */
export type AnyCommandArgs = FieldsOf<typeof LOCAL_OPTIONS> & Partial<CommonArgs>;
/** Tag-selection flags shared by submit and tags (validated in app/selection.ts). */
export type SelectionArgs = FieldsOf<typeof SELECTION_OPTIONS>;

export type CommandArgs<N extends CommandName> = ArgsOf<(typeof COMMANDS)[N]>;
export type SubmitArgs = CommandArgs<'submit'>;
export type TagsArgs = CommandArgs<'tags'>;
export type DetectArgs = CommandArgs<'detect'>;
export type CacheArgs = CommandArgs<'cache'>;
export type WarmArgs = CommandArgs<'warm'>;
export type LoginArgs = CommandArgs<'login'>;
export type LogoutArgs = CommandArgs<'logout'>;
export type ImportArgs = CommandArgs<'import'>;

export type ParsedCommand =
  | { readonly [N in CommandName]: { readonly name: N; readonly args: CommandArgs<N> } }[CommandName]
  | { readonly name: 'help'; readonly text: string };

export const camelCase = (key: string) => key.replace(/-+([^-])/g, (_m, c: string) => c.toUpperCase());

/** What a parser (yargs, or the fast reader configured alike) reads for an option: a word, a flag, or its repeats. */
export type ParsedValue = string | boolean | readonly ParsedValue[] | undefined;

const list = (value: ParsedValue): string[] => (value === undefined ? [] : [value].flat().map(String));

/**
 * One field's value from what the parser read for it, as ValueOf / PositionalValueOf type it. (A string option given
 * twice is read as both; its field has them comma-joined, as String() joins a list.)
 */
function fieldValue(spec: OptionSpec, value: ParsedValue): unknown {
  if (spec.array || spec.repeatable) return list(value);
  if (spec.type === 'boolean') return Boolean(value);
  return value === undefined ? undefined : String(value);
}

/** The typed arguments of `name` from a parse (yargs' or the fast reader's, which agree). */
export function typedArgs<N extends CommandName>(
  name: N,
  parsed: Readonly<Record<string, ParsedValue>>,
): CommandArgs<N> {
  const command: CommandSpec = COMMANDS[name];
  const args: Record<string, unknown> = {};
  for (const [key, spec] of [...Object.entries(command.positionals), ...Object.entries(command.options)])
    args[camelCase(key)] = fieldValue(spec, parsed[key]);
  if (command.takesCommand) args.command = list(parsed['--']);
  return args as CommandArgs<N>;
}
