// Read ~/.ssh/config then /etc/ssh/ssh_config with every Include expanded (globs, ~, relative dirs), through injected readers.
import { ConfigError } from '../errors.js';
import { parseSshConfig, type MatchCriterion } from './ssh-config.js';
import { expandGlob, type ListDir } from './ssh-glob.js';

/** A directive with its Includes read: the files a glob named, in the order OpenSSH reads them. */
export type SshDirective =
  | { readonly kind: 'host'; readonly line: number; readonly patterns: readonly string[] }
  | { readonly kind: 'match'; readonly line: number; readonly criteria: readonly MatchCriterion[] }
  | { readonly kind: 'include'; readonly line: number; readonly files: readonly SshConfigFile[] }
  | { readonly kind: 'option'; readonly line: number; readonly key: string; readonly value: string };

export interface SshConfigFile {
  readonly path: string;
  readonly directives: readonly SshDirective[];
}

export interface SshConfigIo {
  /** A file's text; undefined when it is missing or a directory (OpenSSH skips both). Other failures throw. */
  readonly readFile: (path: string) => Promise<string | undefined>;
  readonly listDir: ListDir;
}

/** OpenSSH's READCONF_MAX_DEPTH: the top file is depth 0, an Include may reach depth 16. */
export const MAX_INCLUDE_DEPTH = 16;

/** ssh(1) stops on a config file it cannot read (other than missing): so do we, as a configuration error. */
async function readText(io: SshConfigIo, path: string): Promise<string | undefined> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, {
      hint: 'fix its permissions or remove the Include naming it',
      cause: error,
    });
  }
}

type Scope = { readonly kind: 'user'; readonly home: string } | { readonly kind: 'system'; readonly dir: string };

/** Anchor one Include argument as OpenSSH does: relative → ~/.ssh (user) or /etc/ssh (system); ~ only in user files. */
function anchor(path: string, scope: Scope, where: string): string {
  if (path.startsWith('~')) {
    if (scope.kind === 'system')
      throw new ConfigError(`${where}: bad include path ${path} (~ is for user files only)`, {
        hint: 'use an absolute path',
      });
    if (path !== '~' && !path.startsWith('~/'))
      throw new ConfigError(`${where}: Include ${path}: ~user paths are not supported`, {
        hint: 'write the absolute path',
      });
    return scope.home + path.slice(1);
  }
  if (path.startsWith('/')) return path;
  return scope.kind === 'user' ? `${scope.home}/.ssh/${path}` : `${scope.dir}/${path}`;
}

async function readConfigFile(
  path: string,
  text: string,
  scope: Scope,
  io: SshConfigIo,
  chain: readonly string[],
): Promise<SshConfigFile> {
  const directives: SshDirective[] = [];
  for (const directive of parseSshConfig(text, path)) {
    if (directive.kind !== 'include') {
      directives.push(directive);
      continue;
    }
    const where = `${path} line ${directive.line}`;
    const files: SshConfigFile[] = [];
    for (const arg of directive.paths) {
      for (const included of await expandGlob(anchor(arg, scope, where), io.listDir)) {
        // OpenSSH reads Includes even inside blocks that do not apply, so a loop fails there too: say so plainly.
        if (chain.includes(included))
          throw new ConfigError(`${where}: Include loop: ${[...chain, included].join(' → ')}`, {
            hint: 'remove the Include that points back',
          });
        if (chain.length > MAX_INCLUDE_DEPTH)
          throw new ConfigError(`${where}: Includes nested deeper than ${MAX_INCLUDE_DEPTH} files`, {
            hint: 'flatten the Include chain',
          });
        const includedText = await readText(io, included);
        if (includedText !== undefined)
          files.push(await readConfigFile(included, includedText, scope, io, [...chain, included]));
      }
    }
    directives.push({ kind: 'include', line: directive.line, files });
  }
  return { path, directives };
}

/**
 * The user's file, then the system's, as ssh(1) reads them without -F. Missing files are empty; a file named twice by
 * different Includes is read twice, as OpenSSH does.
 */
export async function loadSshConfig(
  io: SshConfigIo,
  where: { home: string; userFile?: string; systemFile?: string },
): Promise<SshConfigFile[]> {
  const userFile = where.userFile ?? `${where.home}/.ssh/config`;
  const systemFile = where.systemFile ?? '/etc/ssh/ssh_config';
  const tops: Array<[string, Scope]> = [
    [userFile, { kind: 'user', home: where.home }],
    [systemFile, { kind: 'system', dir: systemFile.slice(0, systemFile.lastIndexOf('/')) || '/' }],
  ];
  const files: SshConfigFile[] = [];
  for (const [path, scope] of tops) {
    const text = await readText(io, path);
    if (text !== undefined) files.push(await readConfigFile(path, text, scope, io, [path]));
  }
  return files;
}
