// The testbed's second registry (Distribution token auth on :5001, project token server on :5002) and its users.
import { readFileSync } from 'node:fs';
import type { FetchPort } from '../../src/registry/http.js';

export const TOKEN_REGISTRY = '127.0.0.1:5001';
export const TOKEN_SERVER = '127.0.0.1:5002';
export const TOKEN_USERS_FILE = '/var/lib/qsc-testbed/token-registry-users.json';

/** Users made by lib/token-registry.sh: qsc (pull nvidia/*), brief (3-second tokens), outsider (no nvidia/*), seeder. */
export type TokenUser = 'qsc' | 'brief' | 'outsider' | 'seeder';

export function tokenPassword(user: TokenUser): string {
  const password = (JSON.parse(readFileSync(TOKEN_USERS_FILE, 'utf8')) as Record<string, string>)[user];
  if (!password)
    throw new Error(`no password for ${user} in ${TOKEN_USERS_FILE}: bring the testbed up with deploy/testbed/up.sh`);
  return password;
}

/** A Docker config.json-format auth file body for one registry. */
export const authFileFor = (registry: string, user: string, password: string) =>
  JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } });

/** A fetch port (the global fetch unless given), unchanged, recording each request's method and URL path: to count token fetches and registry round trips. */
export function observedFetch(inner: FetchPort = globalThis.fetch) {
  const seen: Array<{ method: string; url: string; status: number }> = [];
  const fetchFn: FetchPort = async (input, init) => {
    const response = await inner(input, init);
    const url = new URL(String(input));
    seen.push({ method: init?.method ?? 'GET', url: `${url.host}${url.pathname}`, status: response.status });
    return response;
  };
  return { fetchFn, seen };
}
