// Walk the loaded ssh_config files for one host the way ssh(1) does: Host and Match in order, first value wins, Includes inline.
import { ConfigError } from '../errors.js';
import {
  hostPatternsMatch,
  patternListMatches,
  SSH_CONFIG_KEYS,
  type MatchCriterion,
  type SshConfigOptions,
} from './ssh-config.js';
import type { SshConfigFile } from './ssh-config-load.js';

/**
 * Match criteria evaluated exactly: all, host, originalhost, user, localuser. The rest (exec, canonical, final,
 * tagged, localnetwork, version, sessiontype, command) would need a shell command, DNS canonicalisation, a second
 * pass or state we do not have. We never guess them: such a block is "maybe". When a maybe block would set a value
 * we use and that is not set yet (so it would change the connection), the lookup is refused with the file, line
 * and criterion; otherwise it cannot matter, and the block is reported through `note` and skipped.
 */
const EVALUATED = ['all', 'host', 'originalhost', 'user', 'localuser'];

type Applies = { readonly state: 'yes' | 'no' } | { readonly state: 'maybe'; readonly why: string };
const YES: Applies = { state: 'yes' };
const NO: Applies = { state: 'no' };

/** Both must apply: no beats maybe beats yes. */
const both = (a: Applies, b: Applies): Applies =>
  a.state === 'no' || b.state === 'no' ? NO : a.state === 'maybe' ? a : b;

export interface LookupRequest {
  /** The name typed after --host: what Host and Match originalhost compare. */
  readonly alias: string;
  /** Values set before the files are read (user@ on the command line, a config.json host profile): they win, and Match sees them. */
  readonly preset?: { readonly hostname?: string | undefined; readonly user?: string | undefined };
  /** Keys whose file values would not be used (given by a host profile or host:port), so a maybe block setting them changes nothing. */
  readonly overridden?: readonly string[];
  readonly localUser: string;
  /** Told about a Match block skipped because its criterion is not evaluated (and cannot change the result). */
  readonly note?: (text: string) => void;
}

export function lookupSshConfig(files: readonly SshConfigFile[], request: LookupRequest): SshConfigOptions {
  const out: Record<string, string | string[]> = {};
  const current = (key: 'hostname' | 'user') => request.preset?.[key] ?? (out[key] as string | undefined);

  const criterion = (c: MatchCriterion, where: string): Applies => {
    if (!EVALUATED.includes(c.name))
      return {
        state: 'maybe',
        why: `${where}: Match ${c.negated ? '!' : ''}${c.name}${c.argument === undefined ? '' : ` ${c.argument}`}`,
      };
    let hit: boolean;
    if (c.name === 'all') hit = true;
    else if (c.name === 'originalhost') hit = patternListMatches(c.argument!, request.alias, true);
    else if (c.name === 'localuser') hit = patternListMatches(c.argument!, request.localUser, false);
    else if (c.name === 'user') hit = patternListMatches(c.argument!, current('user') ?? request.localUser, false);
    // As OpenSSH's first pass: the HostName obtained so far with %h expanded, else the name typed.
    else
      hit = patternListMatches(
        c.argument!,
        current('hostname')?.replace(/%h/g, request.alias).replace(/%%/g, '%') ?? request.alias,
        true,
      );
    return hit !== c.negated ? YES : NO;
  };

  const take = (key: string, value: string, applies: Applies, where: string) => {
    if (!SSH_CONFIG_KEYS.includes(key) || applies.state === 'no') return;
    if (applies.state === 'maybe') {
      const used =
        !request.overridden?.includes(key) &&
        (key === 'identityfile' ||
          (out[key] === undefined && (key === 'hostname' || key === 'user' ? current(key) === undefined : true)));
      if (used)
        throw new ConfigError(
          `${applies.why} is not evaluated by qsub-container, and its block would set ${key} for ${request.alias} (${where})`,
          {
            hint: 'set that value in a Host block, or in a host profile in config.json (README: Remote submission)',
          },
        );
      return;
    }
    if (key === 'identityfile') out[key] = [...((out[key] as string[] | undefined) ?? []), value];
    else if (out[key] === undefined) out[key] = value;
  };

  const skipped = new Set<string>();
  // `ceiling`: how far this file may apply at all (an Include inside a block that does not apply is read but never matches).
  const walk = (file: SshConfigFile, start: Applies, ceiling: Applies) => {
    let applies = start;
    for (const d of file.directives) {
      const where = `${file.path} line ${d.line}`;
      if (d.kind === 'host') applies = both(ceiling, hostPatternsMatch(d.patterns, request.alias) ? YES : NO);
      else if (d.kind === 'match')
        applies = both(
          ceiling,
          d.criteria.reduce((acc, c) => both(acc, criterion(c, where)), YES),
        );
      else if (d.kind === 'include') for (const included of d.files) walk(included, applies, applies);
      else take(d.key, d.value, applies, where);
      if (applies.state === 'maybe') skipped.add(applies.why);
    }
  };
  for (const file of files) walk(file, YES, YES);
  // Only now is it known that none of them mattered.
  for (const why of skipped)
    request.note?.(`${why}: not evaluated; skipped, as it sets nothing qsub-container reads that is not already set`);
  return out;
}
