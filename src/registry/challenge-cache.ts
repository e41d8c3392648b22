// The auth scheme each registry asked for (Basic, or Bearer with its token realm), remembered in the tool cache so
// the next run authenticates up front instead of paying a 401 round trip. Never a secret: no credential, no token.
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../state/json-file.js';
import type { Challenge } from './auth.js';
import type { ChallengeCache } from './client.js';
import type { RegistryEndpoint } from './reference.js';

/** Only what a later run needs to authenticate up front; anything else in the file means "not cached". */
export function readRememberedChallenge(value: unknown): Challenge | undefined {
  const v = (value ?? {}) as Record<string, unknown>;
  const optional = (x: unknown) => (typeof x === 'string' ? x : undefined);
  if (v.scheme === 'basic') return { scheme: 'basic', realm: optional(v.realm) };
  if (v.scheme === 'bearer' && typeof v.realm === 'string' && /^https?:\/\//.test(v.realm)) {
    return { scheme: 'bearer', realm: v.realm, service: optional(v.service), scope: undefined, error: undefined };
  }
  return undefined;
}

export function createFileChallengeCache(cacheDir: string, endpoint: RegistryEndpoint): ChallengeCache {
  const file = join(
    cacheDir,
    'registry-auth',
    `${endpoint.scheme}_${endpoint.host.replace(/[^A-Za-z0-9.-]/g, '_')}.json`,
  );
  return {
    get: async () => readRememberedChallenge(await readJsonFile(file)),
    put: async (challenge) => {
      const kept =
        challenge.scheme === 'basic'
          ? { scheme: 'basic', realm: challenge.realm }
          : { scheme: 'bearer', realm: challenge.realm, service: challenge.service };
      await writeFileAtomic(file, `${JSON.stringify(kept)}\n`, 0o600);
    },
  };
}
