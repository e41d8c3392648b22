// Docker config.json-format credential files ({"auths": {HOST: {"auth": base64(user:password)}}}, also podman's and
// Apptainer's): read an entry (password or identity token), name the credential helper for a host, add, remove.
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';

export interface AuthFileJson {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

export interface FileEntry {
  readonly username: string;
  /** The password, or for kind 'identity-token' the OAuth2 refresh token Docker stores as "identitytoken". */
  readonly password: Secret;
  readonly kind?: 'password' | 'identity-token';
}

/** Keys Docker and Apptainer write for one registry: bare host, with scheme, with a /v1/ or /v2/ path. */
export function keysFor(host: string): string[] {
  const hosts = host === 'registry-1.docker.io' ? [host, 'index.docker.io', 'docker.io'] : [host];
  return hosts.flatMap((h) => [h, `https://${h}`, `http://${h}`, `https://${h}/v1/`, `https://${h}/v2/`]);
}

/** Parse the file's text; the message never quotes the content, which may hold a secret. */
export function parseAuthFile(text: string, file: string): AuthFileJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthError(`credential file ${file} is not valid JSON`, {
      hint: 'it must be Docker config.json format: {"auths":{"HOST":{"auth":"<base64 user:password>"}}}',
    });
  }
  return parsed as AuthFileJson;
}

/** The raw entry for `host` under any of its spellings, or undefined. */
const rawEntry = (json: AuthFileJson, host: string) =>
  keysFor(host)
    .map((k) => json.auths?.[k])
    .find((e) => e !== undefined);

/** True when the file has an entry for `host`, even an empty one (Docker writes `{}` beside a credsStore). */
export const hasEntry = (json: AuthFileJson, host: string) => rawEntry(json, host) !== undefined;

/**
 * The entry for `host`: undefined when absent or empty (`{}`: the secret is in a credential store, or nowhere); an
 * error when it has a user but no password. An `identitytoken` (what `docker login` keeps for registries that issue
 * OAuth2 refresh tokens, with "user:" and no password in `auth`) is an identity-token entry.
 */
export function entryFor(json: AuthFileJson, host: string, file: string): FileEntry | undefined {
  const entry = rawEntry(json, host);
  if (!entry) return undefined;
  const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
  const colon = decoded?.indexOf(':') ?? -1;
  const username = decoded !== undefined && colon >= 0 ? decoded.slice(0, colon) : entry.username;
  const password = decoded !== undefined && colon >= 0 ? decoded.slice(colon + 1) : entry.password;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { username: username || '<token>', password: new Secret(entry.identitytoken), kind: 'identity-token' };
  }
  if (!entry.auth && entry.username === undefined && entry.password === undefined) return undefined;
  if (username === undefined || password === undefined || password === '') {
    throw new AuthError(`credential file ${file} has an entry for ${host} without a user and password`, {
      hint: `the "auth" field must be base64 of user:password; rewrite it with: qsub-container login ${host}`,
    });
  }
  return { username, password: new Secret(password) };
}

/**
 * The credential helper Docker would ask for `host`: credHelpers' entry for it (named), else the file's credsStore.
 * Names are program suffixes (docker-credential-NAME); anything that could name a path is refused.
 */
export function helperFor(
  json: AuthFileJson,
  host: string,
  file: string,
): { readonly name: string; readonly named: boolean } | undefined {
  const named = keysFor(host)
    .map((k) => json.credHelpers?.[k])
    .find((n) => n !== undefined);
  const name = named ?? json.credsStore;
  if (name === undefined || name === '') return undefined;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new AuthError(`credential file ${file} names a credential helper that is not a program suffix`, {
      hint: 'credsStore and credHelpers values are suffixes of docker-credential-NAME programs on PATH, e.g. "pass"',
    });
  }
  return { name, named: named !== undefined };
}

/** The file with `host`'s entry replaced (every spelling of the host removed first, so one entry remains). */
export function withEntry(
  json: AuthFileJson,
  host: string,
  username: string,
  password: Secret,
  kind: FileEntry['kind'] = 'password',
): AuthFileJson {
  const auths = { ...withoutEntry(json, host).json.auths };
  auths[host] =
    kind === 'identity-token'
      ? { auth: Buffer.from(`${username}:`, 'utf8').toString('base64'), identitytoken: password.reveal() }
      : { auth: Buffer.from(`${username}:${password.reveal()}`, 'utf8').toString('base64') };
  return { ...json, auths };
}

export function withoutEntry(json: AuthFileJson, host: string): { json: AuthFileJson; removed: boolean } {
  const keys = new Set(keysFor(host));
  const entries = Object.entries(json.auths ?? {});
  const kept = entries.filter(([k]) => !keys.has(k));
  return { json: { ...json, auths: Object.fromEntries(kept) }, removed: kept.length !== entries.length };
}

/** The only text form of a file holding secrets; callers write it with mode 0600 and never log it. */
export const formatAuthFile = (json: AuthFileJson) => `${JSON.stringify(json, null, 2)}\n`;
