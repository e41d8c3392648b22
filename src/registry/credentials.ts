// Registry credentials from a Docker config.json-format auth file, refused when others could read it.
import { readFile, stat } from 'node:fs/promises';
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';
import type { RegistryCredentials } from './client.js';

interface AuthFileJson {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

/** Keys Docker and Apptainer write for one registry: bare host, with scheme, with a /v1/ or /v2/ path. */
function keysFor(host: string): string[] {
  const hosts = host === 'registry-1.docker.io' ? [host, 'index.docker.io', 'docker.io'] : [host];
  return hosts.flatMap((h) => [h, `https://${h}`, `http://${h}`, `https://${h}/v1/`, `https://${h}/v2/`]);
}

/**
 * Credentials for `host` from the auth file, or undefined when the file or its entry does not exist.
 * A file readable by group or others is refused (exit 77) before its content is read.
 */
export async function readCredentials(authFile: string, host: string): Promise<RegistryCredentials | undefined> {
  let mode: number;
  try {
    mode = (await stat(authFile)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new AuthError(`credential file ${authFile} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`, {
      hint: `chmod 600 ${authFile}`,
    });
  }
  let parsed: AuthFileJson;
  try {
    parsed = JSON.parse(await readFile(authFile, 'utf8')) as AuthFileJson;
  } catch {
    // Say nothing about the content: it may hold a secret.
    throw new AuthError(`credential file ${authFile} is not valid JSON`, {
      hint: 'it must be Docker config.json format: {"auths":{"HOST":{"auth":"<base64 user:password>"}}}',
    });
  }
  const entry = keysFor(host).map((k) => parsed.auths?.[k]).find((e) => e !== undefined);
  if (!entry) return undefined;
  const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
  const colon = decoded?.indexOf(':') ?? -1;
  const username = decoded && colon > 0 ? decoded.slice(0, colon) : entry.username;
  const password = decoded && colon > 0 ? decoded.slice(colon + 1) : entry.password;
  if (!username || password === undefined) {
    throw new AuthError(`credential file ${authFile} has an entry for ${host} without a user and password`, {
      hint: 'the "auth" field must be base64 of user:password',
    });
  }
  return { username, password: new Secret(password), source: authFile };
}
