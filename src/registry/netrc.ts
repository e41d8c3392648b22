// enroot's credentials file (netrc format: `machine nvcr.io login $oauthtoken password KEY`): the entry for a registry.

export interface NetrcEntry {
  readonly machine: string;
  readonly login: string | undefined;
  readonly password: string | undefined;
}

/**
 * Machines in netrc order. `default` is dropped: it would hand one password to every host, and credentials here go
 * only to the registry they name. `macdef` bodies (up to a blank line) and `#` comment lines are skipped, as curl does.
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const lines = text.split('\n');
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    const words = line.split(/\s+/).filter(Boolean);
    const macdef = words.indexOf('macdef');
    if (macdef >= 0) {
      tokens.push(...words.slice(0, macdef));
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
      continue;
    }
    tokens.push(...words);
  }
  const entries: Array<{ machine: string | undefined; login?: string; password?: string }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (word === 'machine') entries.push({ machine: tokens[++i] });
    else if (word === 'default') entries.push({ machine: undefined });
    else if ((word === 'login' || word === 'password' || word === 'account') && entries.length > 0) {
      const value = tokens[++i];
      if (word !== 'account') entries.at(-1)![word] = value;
    }
  }
  return entries
    .filter((e): e is { machine: string; login?: string; password?: string } => e.machine !== undefined)
    .map((e) => ({ machine: e.machine, login: e.login, password: e.password }));
}

/** Machine names that stand for a registry in enroot's file: the host itself, or its token service's host. */
export function machinesFor(host: string): string[] {
  const bare = host.replace(/:\d+$/, ''); // enroot matches ${registry%:*}
  if (bare === 'nvcr.io') return ['nvcr.io', 'authn.nvidia.com'];
  if (bare === 'registry-1.docker.io')
    return ['registry-1.docker.io', 'docker.io', 'index.docker.io', 'auth.docker.io'];
  return [bare];
}

/**
 * The login and password for `host`, or undefined. A password written `$NAME` or `${NAME}` is read from the
 * environment, as enroot does (it evaluates the field in a shell; here only a variable name is looked up).
 */
export function netrcCredentialsFor(
  entries: readonly NetrcEntry[],
  host: string,
  env: Readonly<Record<string, string | undefined>>,
): { username: string; password: string; machine: string } | undefined {
  for (const machine of machinesFor(host)) {
    const entry = entries.find((e) => e.machine === machine && e.login !== undefined && e.password !== undefined);
    if (!entry) continue;
    const variable = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(entry.password!);
    const password = variable ? env[(variable[1] ?? variable[2])!] : entry.password;
    if (password) return { username: entry.login!, password, machine };
  }
  return undefined;
}
