// What a declaration of the command line is made of: the shape options.ts fills in, and what its readers (yargs-cli.ts,
// fast-parse.ts, args.ts) take apart.

/** One option or positional: yargs' own keys (passed to it as they are), plus `repeatable`. */
export interface OptionSpec {
  readonly type?: 'string' | 'boolean';
  /** Other names: one letter is -x, longer ones --name (e.g. sbatch's own name for a flag). */
  readonly alias?: string | readonly string[];
  readonly choices?: readonly string[];
  readonly default?: string | boolean | readonly string[];
  /** yargs' array: the option takes a list (`-p a -p b`); its typed field is a list. */
  readonly array?: true;
  /** Given once per value (`--env A=1 --env B=2`): its typed field is the list of them. Not a yargs key. */
  readonly repeatable?: true;
  readonly describe?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec {
  readonly describe: string;
  /** The command runs when no command word is given (submit). */
  readonly isDefault?: true;
  /** Required words after the command, in order (`cache <action>`). */
  readonly positionals: OptionSpecs;
  /** In the order help lists them. */
  readonly options: OptionSpecs;
  /** The words after `--` are the typed field `command`. */
  readonly takesCommand?: true;
  readonly examples?: readonly (readonly [command: string, what: string])[];
  /** Runs only where the cache's files are (no --host options): why, for the refusal of a --host. */
  readonly runsOnCluster?: string;
}

/** What both parsers read: the commands and how argv is read. */
export interface CliDeclaration {
  readonly configuration: Readonly<Record<string, boolean>>;
  readonly commands: Readonly<Record<string, CommandSpec>>;
}
