// WWW-Authenticate challenges (RFC 7235): which scheme the registry asks for, and with what parameters.

export type Challenge =
  | { readonly scheme: 'basic'; readonly realm: string | undefined }
  | {
      readonly scheme: 'bearer';
      readonly realm: string;
      readonly service: string | undefined;
      readonly scope: string | undefined;
    };

/** The first challenge we can answer (Bearer or Basic), or undefined. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  // scheme, then comma-separated key=value or key="quoted value"; a new scheme starts a new challenge.
  const token = /\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?/gy;
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  let m: RegExpExecArray | null;
  while ((m = token.exec(header)) !== null && m[0] !== '') {
    const [, name, quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      challenges.push({ scheme: name!.toLowerCase(), params: {} });
    } else if (challenges.length > 0) {
      challenges.at(-1)!.params[name!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
    }
  }
  for (const { scheme, params } of challenges) {
    if (scheme === 'bearer' && params.realm) {
      return { scheme: 'bearer', realm: params.realm, service: params.service, scope: params.scope };
    }
    if (scheme === 'basic') return { scheme: 'basic', realm: params.realm };
  }
  return undefined;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The scope a pull needs, used when the challenge names none (Distribution's token flow). */
export const pullScope = (repository: string) => `repository:${repository}:pull`;
