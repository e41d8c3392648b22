// ~/.ssh/config, the part an existing alias needs: Host blocks and HostName, User, Port, IdentityFile, ProxyJump & co.

/** Options read from ssh_config, lower-cased keys; first value wins, as in OpenSSH (IdentityFile accumulates). */
export interface SshConfigOptions {
  readonly hostname?: string;
  readonly user?: string;
  readonly port?: string;
  readonly identityfile?: readonly string[];
  readonly proxyjump?: string;
  readonly connecttimeout?: string;
  readonly serveraliveinterval?: string;
  readonly identityagent?: string;
  readonly userknownhostsfile?: string;
}

const KEYS = ['hostname', 'user', 'port', 'identityfile', 'proxyjump', 'connecttimeout', 'serveraliveinterval', 'identityagent', 'userknownhostsfile'] as const;

interface Block {
  /** undefined: the options before the first Host line (apply to every host); null: a Match block (not evaluated). */
  readonly patterns: readonly string[] | undefined | null;
  readonly options: ReadonlyArray<readonly [string, string]>;
}

/** Split one line into key and value: "Key value", "Key=value", values optionally double-quoted. */
function splitLine(line: string): [string, string[]] | undefined {
  const match = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
  if (!match) return undefined;
  const words = [...match[2]!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  return [match[1]!.toLowerCase(), words];
}

export function parseSshConfig(text: string): Block[] {
  const blocks: Array<{ patterns: string[] | undefined | null; options: Array<[string, string]> }> = [{ patterns: undefined, options: [] }];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const split = splitLine(line);
    if (!split) continue;
    const [key, words] = split;
    if (key === 'host') blocks.push({ patterns: words, options: [] });
    else if (key === 'match') blocks.push({ patterns: null, options: [] });
    else if (words[0] !== undefined) blocks.at(-1)!.options.push([key, words.join(' ')]);
  }
  return blocks;
}

const globMatches = (pattern: string, name: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name);

function blockApplies(patterns: readonly string[] | undefined | null, alias: string): boolean {
  if (patterns === undefined) return true;
  if (patterns === null) return false;
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), alias)) return false;
    } else if (globMatches(pattern, alias)) matched = true;
  }
  return matched;
}

/** The options for `alias`, from every matching block in file order. */
export function lookupSshConfig(blocks: readonly Block[], alias: string): SshConfigOptions {
  const out: Record<string, string | string[]> = {};
  for (const block of blocks) {
    if (!blockApplies(block.patterns, alias)) continue;
    for (const [key, value] of block.options) {
      if (!(KEYS as readonly string[]).includes(key)) continue;
      if (key === 'identityfile') out[key] = [...((out[key] as string[] | undefined) ?? []), value];
      else if (out[key] === undefined) out[key] = value;
    }
  }
  return out as SshConfigOptions;
}

/** OpenSSH's tokens in paths: ~ (home), %d (home), %h (host), %r (user), %p (port), %u (local user), %% (percent). */
export function expandSshPath(path: string, t: { home: string; host: string; user: string; port: number; localUser: string }): string {
  const tilde = path === '~' || path.startsWith('~/') ? t.home + path.slice(1) : path;
  return tilde.replace(/%([%dhrpu])/g, (_, c: string) =>
    c === '%' ? '%' : c === 'd' ? t.home : c === 'h' ? t.host : c === 'r' ? t.user : c === 'p' ? String(t.port) : t.localUser,
  );
}
