// Docker config.json-format credential files ({"auths": {HOST: {"auth": base64(user:password)}}}): read, add, remove.
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
  readonly password: Secret;
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

/** The entry for `host`: undefined when absent, an error when present but without a user and password. */
export function entryFor(json: AuthFileJson, host: string, file: string): FileEntry | undefined {
  const entry = keysFor(host)
    .map((k) => json.auths?.[k])
    .find((e) => e !== undefined);
  if (!entry) return undefined;
  const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
  const colon = decoded?.indexOf(':') ?? -1;
  const username = decoded !== undefined && colon >= 0 ? decoded.slice(0, colon) : entry.username;
  const password = decoded !== undefined && colon >= 0 ? decoded.slice(colon + 1) : entry.password;
  if (username === undefined || password === undefined || password === '') {
    throw new AuthError(`credential file ${file} has an entry for ${host} without a user and password`, {
      hint: `the "auth" field must be base64 of user:password; rewrite it with: qsub-container login ${host}`,
    });
  }
  return { username, password: new Secret(password) };
}

/** The file with `host`'s entry replaced (every spelling of the host removed first, so one entry remains). */
export function withEntry(json: AuthFileJson, host: string, username: string, password: Secret): AuthFileJson {
  const auths = { ...withoutEntry(json, host).json.auths };
  auths[host] = { auth: Buffer.from(`${username}:${password.reveal()}`, 'utf8').toString('base64') };
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
