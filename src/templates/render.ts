// Mustache rendering that fails closed: every value is quoted for where it lands, unknown or missing names are errors.
import mustache from 'mustache';
import { DataError } from '../errors.js';
import { shellQuote } from '../shell/quote.js';

/** A value for an `#SBATCH` line: sbatch parses those itself (double quotes, backslash escapes), not the shell. */
export class SbatchValue {
  constructor(readonly value: string) {}
}

export const sbatchValue = (value: string | number) => new SbatchValue(String(value));

/** A whole #SBATCH option, `--name` or `--name=VALUE`: the name as validated, the value quoted for sbatch. */
export class SbatchOption {
  constructor(
    readonly name: string,
    readonly value: string | undefined,
  ) {
    if (!/^--[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`not an sbatch option name: ${JSON.stringify(name)}`);
  }
}

export const sbatchOption = (name: string, value: string | undefined) => new SbatchOption(name, value);

// Parameter expansions with a default (${NAME:-...}), plain $NAME and path characters: nothing that runs a command.
const EXPANSION_PART = /\$\{[A-Za-z_][A-Za-z0-9_]*:-|\$[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9_./-]+|\}/y;

/**
 * A path the shell expands where the script runs, e.g. "${XDG_CACHE_HOME:-$HOME/.cache}/qsub-container/images" (a
 * default that depends on the job's node); rendered in double quotes. Only variables, defaults and path characters are
 * accepted, so it can never carry a command.
 */
export class ShellExpansion {
  constructor(readonly text: string) {
    let depth = 0;
    for (EXPANSION_PART.lastIndex = 0; EXPANSION_PART.lastIndex < text.length;) {
      const part = EXPANSION_PART.exec(text)?.[0];
      if (part === undefined || (part === '}' && --depth < 0))
        throw new TypeError(`not a shell path expansion: ${JSON.stringify(text)}`);
      if (part.startsWith('${')) depth++;
    }
    if (depth !== 0 || text === '') throw new TypeError(`not a shell path expansion: ${JSON.stringify(text)}`);
  }
}

/** View values a template may use: words for the shell, #SBATCH values, expansions, flags and lists for sections. */
export type ViewValue =
  string | number | boolean | null | SbatchValue | ShellExpansion | readonly string[] | readonly SbatchOption[];
export type View = Readonly<Record<string, ViewValue>>;

const SBATCH_SAFE = /^[A-Za-z0-9_/.,:@%+=-]+$/;

/**
 * Quote for sbatch's #SBATCH parser. A newline would end the comment and start a shell command, and sbatch
 * cannot read one back anyway, so control characters are refused rather than escaped.
 */
export function quoteSbatchValue(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new DataError(`an #SBATCH value contains a control character (newline, tab, ...): ${JSON.stringify(value)}`, {
      hint: 'job names, partitions, accounts and output paths must be single-line text',
    });
  }
  return SBATCH_SAFE.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * A job script word. sbatch refuses any script holding "\r\n" (it takes it for a DOS file), so a value with a carriage
 * return is written in bash's $'...' quoting, where it is the two characters \r; job scripts are bash.
 */
function quoteScriptWord(value: string): string {
  if (!value.includes('\r')) return shellQuote(value);
  return `$'${value.replace(/[\\']/g, '\\$&').replace(/\r/g, '\\r')}'`;
}

function escapeFor(value: unknown): string {
  if (value instanceof SbatchValue) return quoteSbatchValue(value.value);
  if (value instanceof SbatchOption)
    return value.value === undefined ? value.name : `${value.name}=${quoteSbatchValue(value.value)}`;
  if (value instanceof ShellExpansion) return `"${value.text}"`;
  if (typeof value === 'string' || typeof value === 'number') return quoteScriptWord(String(value));
  throw new DataError(`template value of type ${typeof value} cannot be rendered`, {
    hint: 'this is a bug in the job template or its view',
  });
}

// Tokens are read by index, not destructured: destructuring an array in code V8 has not optimized (a cold process runs
// all of it interpreted) goes through the array iterator, ~300 KB of garbage for the job template's tree per run.
type Token = [
  type: string,
  name: string,
  start: number,
  end: number,
  children?: Token[] | string,
  tagIndex?: number,
  lineHasNonSpace?: boolean,
];

/** A template's text and the partials it includes ({{> name}}) by name, as the template directory holds them. */
export interface Template {
  readonly text: string;
  readonly partials: Readonly<Record<string, string>>;
}

/** Check every name the template uses before rendering: exists in the view, and printed values are not empty. */
function checkNames(tokens: Token[], view: View, guarded: ReadonlySet<string>, inList: boolean): void {
  for (const token of tokens) {
    const type = token[0];
    const name = token[1];
    if (type === '&' || type === '{') {
      throw new DataError(`job template uses unescaped {{{${name}}}} or {{&${name}}}`, {
        hint: 'templates may only use {{name}}: every value is quoted',
      });
    }
    if (type === 'name') {
      if (name === '.' && inList) continue;
      if (!(name in view))
        throw new DataError(`job template variable "${name}" is missing from the view`, {
          hint: 'this is a bug in qsub-container',
        });
      const value = view[name];
      if ((value === null || value === false || value === '') && !guarded.has(name)) {
        throw new DataError(`job template variable "${name}" is empty`, {
          hint: 'wrap optional values in {{#name}}...{{/name}}',
        });
      }
    }
    if (type === '#' || type === '^') {
      if (!(name in view))
        throw new DataError(`job template section "${name}" is missing from the view`, {
          hint: 'this is a bug in qsub-container',
        });
      const list = Array.isArray(view[name]);
      checkNames(
        (token[4] as Token[] | undefined) ?? [],
        view,
        type === '#' ? new Set([...guarded, name]) : guarded,
        inList || list,
      );
    }
  }
}

/**
 * Parses made ahead of time, by exact template text: the build parses the shipped templates (templates/prebuilt.ts),
 * because parsing the job template costs a cold process ~4 ms of benchmark P1. Any other text is parsed here.
 */
const parsedAhead = new Map<string, Token[]>();

export function rememberParsedTemplate(template: string, tokens: unknown[]): void {
  parsedAhead.set(template, tokens as Token[]);
}

const tokensOf = (text: string): Token[] => parsedAhead.get(text) ?? mustache.parse(text);

/** The partials a template text includes, by name (templates/load.ts reads them). */
export function partialNames(text: string): string[] {
  const names: string[] = [];
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token[0] === '>') names.push(token[1]);
      if (Array.isArray(token[4])) walk(token[4]);
    }
  };
  walk(tokensOf(text));
  return [...new Set(names)];
}

/** mustache's own rule: a standalone partial tag's indentation prefixes every line of the partial. */
function indentPartial(text: string, indentation: string, lineHasNonSpace: boolean): string {
  const blanks = indentation.replace(/[^ \t]/g, '');
  return text
    .split('\n')
    .map((line, i) => (line.length && (i > 0 || !lineHasNonSpace) ? blanks + line : line))
    .join('\n');
}

/** Tokens with every {{> name}} replaced by the partial's tokens, so names are checked and rendered in one tree. */
function inlinePartials(tokens: Token[], partials: Template['partials'], including: readonly string[]): Token[] {
  return tokens.flatMap((token): Token[] => {
    const name = token[1];
    const children = token[4];
    if (token[0] === '>') {
      const text = partials[name];
      if (text === undefined || including.includes(name))
        throw new DataError(
          text === undefined
            ? `job template includes {{> ${name}}}, which the template directory does not hold`
            : `job template partial ${name} includes itself`,
          { hint: `restore job-templates/${name}.mustache as shipped` },
        );
      const indentation = token[4] as string | undefined;
      const indented = token[5] === 0 && indentation ? indentPartial(text, indentation, Boolean(token[6])) : text;
      return inlinePartials(tokensOf(indented), partials, [...including, name]);
    }
    if (!Array.isArray(children)) return [token];
    const copy = [...token] as Token;
    copy[4] = inlinePartials(children, partials, including);
    return [copy];
  });
}

/** Render a job template. Output is shell text in which every value is one quoted word. */
export function renderTemplate(template: string | Template, view: View): string {
  const { text, partials } = typeof template === 'string' ? { text: template, partials: {} } : template;
  const tokens = inlinePartials(tokensOf(text), partials, []);
  checkNames(tokens, view, new Set(), false);
  // Rendering the checked tokens themselves: mustache.render would parse the text again. (The typings say string[][];
  // the tokens are mustache.parse's own.)
  return new mustache.Writer().renderTokens(tokens as unknown as string[][], new mustache.Context(view), {}, text, {
    escape: escapeFor,
  });
}
