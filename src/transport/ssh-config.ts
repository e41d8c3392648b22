// ssh_config text → directives (Host, Match, Include, options) with their line numbers; OpenSSH's host patterns and path tokens.
import { ConfigError } from '../errors.js';
import { sshPatternMatches } from './ssh-glob.js';

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

/** The keys qsub-container reads; every other option is parsed and ignored. */
export const SSH_CONFIG_KEYS: readonly string[] = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'proxyjump',
  'connecttimeout',
  'serveraliveinterval',
  'identityagent',
  'userknownhostsfile',
];

/** One Match criterion: `host a,b`, `!exec "cmd"`, `all`. */
export interface MatchCriterion {
  readonly name: string;
  readonly negated: boolean;
  readonly argument: string | undefined;
}

export type ParsedDirective =
  | { readonly kind: 'host'; readonly line: number; readonly patterns: readonly string[] }
  | { readonly kind: 'match'; readonly line: number; readonly criteria: readonly MatchCriterion[] }
  | { readonly kind: 'include'; readonly line: number; readonly paths: readonly string[] }
  | { readonly kind: 'option'; readonly line: number; readonly key: string; readonly value: string };

/** Split one line into key and value: "Key value", "Key=value", values optionally double-quoted. */
function splitLine(line: string): [string, string[]] | undefined {
  const match = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
  if (!match) return undefined;
  const words = [...match[2]!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  return [match[1]!.toLowerCase(), words];
}

/** Criteria that take no argument (OpenSSH 9.x); every other criterion needs one. */
const BARE_CRITERIA = ['all', 'canonical', 'final'];
/** Every criterion some OpenSSH release knows (9.2 up to 10.x); anything else is refused, as OpenSSH refuses it. */
const KNOWN_CRITERIA = [
  ...BARE_CRITERIA,
  'exec',
  'host',
  'originalhost',
  'user',
  'localuser',
  'tagged',
  'localnetwork',
  'version',
  'sessiontype',
  'command',
];

function parseMatch(words: readonly string[], where: string): MatchCriterion[] {
  const criteria: MatchCriterion[] = [];
  for (let i = 0; i < words.length; i++) {
    const negated = words[i]!.startsWith('!');
    const name = words[i]!.slice(negated ? 1 : 0).toLowerCase();
    if (!KNOWN_CRITERIA.includes(name))
      throw new ConfigError(`${where}: unsupported Match criterion "${name}"`, {
        hint: `known: ${KNOWN_CRITERIA.join(', ')}`,
      });
    const argument = BARE_CRITERIA.includes(name) ? undefined : words[++i];
    if (!BARE_CRITERIA.includes(name) && argument === undefined)
      throw new ConfigError(`${where}: Match ${name} needs an argument`, {
        hint: 'fix ~/.ssh/config (man ssh_config: Match)',
      });
    criteria.push({ name, negated, argument });
  }
  // As OpenSSH: "all" stands alone or right after canonical/final.
  const allAt = criteria.findIndex((c) => c.name === 'all');
  if (
    criteria.length === 0 ||
    (allAt !== -1 &&
      (allAt !== criteria.length - 1 ||
        criteria.slice(0, allAt).some((c) => c.name !== 'canonical' && c.name !== 'final')))
  ) {
    throw new ConfigError(`${where}: bad Match condition`, {
      hint: '"Match all" stands alone (man ssh_config: Match)',
    });
  }
  return criteria;
}

/** Parse one file's text; `path` names it in errors. Unknown keywords are kept as options (and ignored later). */
export function parseSshConfig(text: string, path = 'ssh_config'): ParsedDirective[] {
  const directives: ParsedDirective[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const split = splitLine(trimmed);
    if (!split) return;
    const [key, words] = split;
    if (key === 'host') directives.push({ kind: 'host', line, patterns: words });
    else if (key === 'match')
      directives.push({ kind: 'match', line, criteria: parseMatch(words, `${path} line ${line}`) });
    else if (key === 'include') directives.push({ kind: 'include', line, paths: words });
    else if (words[0] !== undefined) directives.push({ kind: 'option', line, key, value: words.join(' ') });
  });
  return directives;
}

/** A Host line: some pattern matches and no negated one does. */
export function hostPatternsMatch(patterns: readonly string[], alias: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (sshPatternMatches(pattern.slice(1), alias)) return false;
    } else if (sshPatternMatches(pattern, alias)) matched = true;
  }
  return matched;
}

/** OpenSSH's match_pattern_list: comma-separated, `!` negates; true only when a positive pattern matches and no negated one does. */
export function patternListMatches(list: string, name: string, lowerCase: boolean): boolean {
  const subject = lowerCase ? name.toLowerCase() : name;
  return hostPatternsMatch(
    list
      .split(',')
      .filter(Boolean)
      .map((p) => (lowerCase ? p.toLowerCase() : p)),
    subject,
  );
}

/** OpenSSH's tokens in paths: ~ (home), %d (home), %h (host), %r (user), %p (port), %u (local user), %% (percent). */
export function expandSshPath(
  path: string,
  t: { home: string; host: string; user: string; port: number; localUser: string },
): string {
  const tilde = path === '~' || path.startsWith('~/') ? t.home + path.slice(1) : path;
  return tilde.replace(/%([%dhrpu])/g, (_, c: string) =>
    c === '%'
      ? '%'
      : c === 'd'
        ? t.home
        : c === 'h'
          ? t.host
          : c === 'r'
            ? t.user
            : c === 'p'
              ? String(t.port)
              : t.localUser,
  );
}
