// WWW-Authenticate challenges (RFC 7235) and token answers: which scheme the registry asks for, what a token is worth.

export type Challenge =
  | { readonly scheme: 'basic'; readonly realm: string | undefined }
  | {
      readonly scheme: 'bearer';
      readonly realm: string;
      readonly service: string | undefined;
      readonly scope: string | undefined;
      /** RFC 6750 error: "insufficient_scope" (authenticated, not allowed) or "invalid_token" (expired, revoked). */
      readonly error: string | undefined;
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
      return {
        scheme: 'bearer',
        realm: params.realm,
        service: params.service,
        scope: params.scope,
        error: params.error,
      };
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

/** Tokens without `expires_in` live 60 s (the token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;

export interface IssuedToken {
  readonly token: string;
  /** Epoch ms after which the token is not used again (a little before the server's expiry). */
  readonly reuseUntil: number;
}

/** A token server's JSON answer → the token and how long to reuse it; undefined when it holds no token. */
export function readTokenAnswer(body: unknown, nowMs: number): IssuedToken | undefined {
  const b = (body ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token =
    typeof b.token === 'string' && b.token
      ? b.token
      : typeof b.access_token === 'string' && b.access_token
        ? b.access_token
        : undefined;
  if (!token) return undefined;
  const seconds = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : DEFAULT_TOKEN_SECONDS;
  // Stop reusing a tenth of the lifetime early (at most 10 s) so a request never leaves with a dying token.
  const margin = Math.min(seconds * 100, 10_000);
  return { token, reuseUntil: nowMs + seconds * 1000 - margin };
}

/**
 * Why the credentials may not go to a token realm, or undefined when they may. A realm on another host is normal
 * (nvcr.io's is authn.nvidia.com, Docker Hub's auth.docker.io; Docker and containerd follow them too) and is accepted,
 * because the caller takes a challenge only from the registry's own origin, never from a host a redirect led to. What
 * is refused is a downgrade: a plain-http realm for an https registry would put the credentials on the wire in clear.
 * An http realm is accepted for an http registry (loopback, or http:// chosen by the user), which sends them in clear
 * anyway.
 */
export function realmProblem(realm: string, registryScheme: 'http' | 'https'): string | undefined {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `uses ${url.protocol.slice(0, -1)}, not https`;
  if (url.username || url.password) return 'carries a user name or password of its own';
  if (url.protocol === 'http:' && registryScheme === 'https') return 'is plain http for an https registry';
  return undefined;
}
