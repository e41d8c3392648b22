// glob(7) for ssh_config Include paths: *, ? and [...] per path segment, through an injected directory lister, sorted like glob(3).

/** Lists a directory's entry names; undefined when it does not exist or is not a directory. */
export type ListDir = (dir: string) => Promise<readonly string[] | undefined>;

/**
 * OpenSSH's match_pattern (ssh_config Host patterns, known_hosts names): `*` and `?` only, no brackets; `ignoreCase`
 * for host names, which known_hosts compares without case.
 */
export const sshPatternMatches = (pattern: string, name: string, ignoreCase = false) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    ignoreCase ? 'is' : 's',
  ).test(name);

const hasWildcard = (segment: string) => /[*?[]/.test(segment);

/** One segment of a glob(7) pattern as a regular expression: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`; `\` quotes. */
function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) source += escape(segment[++i]!);
    else if (c === '[') {
      // A bracket expression runs to the next ']' that is not its first member; without one, '[' is literal.
      let end = i + 1;
      if (segment[end] === '!' || segment[end] === '^') end++;
      if (segment[end] === ']') end++;
      end = segment.indexOf(']', end);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += escape(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Whether `name` (one path segment) matches a glob(7) segment; a leading '.' must be matched literally, as glob(3) does. */
export function globSegmentMatches(segment: string, name: string): boolean {
  if (name.startsWith('.') && !segment.startsWith('.')) return false;
  return segmentRegExp(segment).test(name);
}

/**
 * The paths an absolute pattern names, in lexical (byte) order as glob(3) returns them. A pattern without wildcards
 * names itself whether or not it exists (the reader decides); wildcard segments list their directory.
 */
export async function expandGlob(pattern: string, listDir: ListDir): Promise<string[]> {
  if (!hasWildcard(pattern)) return [pattern];
  let prefixes = [''];
  for (const segment of pattern.split('/').slice(1)) {
    if (segment === '') continue;
    if (!hasWildcard(segment)) {
      prefixes = prefixes.map((p) => `${p}/${segment.replace(/\\(.)/g, '$1')}`);
      continue;
    }
    const next: string[] = [];
    for (const prefix of prefixes) {
      const names = (await listDir(prefix === '' ? '/' : prefix)) ?? [];
      for (const name of names) if (globSegmentMatches(segment, name)) next.push(`${prefix}/${name}`);
    }
    prefixes = next;
  }
  return prefixes.sort(byCodePoint);
}

/** strcmp order on UTF-8 is code point order (plain `<` compares UTF-16 units, which differs past U+FFFF). */
function byCodePoint(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
