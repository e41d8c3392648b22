// The auth scheme each registry asked for (Basic, or Bearer with its token realm), remembered in the tool cache so
// the next run authenticates up front instead of paying a 401 round trip. Never a secret: no credential, no token.
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../state/json-file.js';
import { realmProblem, type Challenge } from './auth.js';
import type { ChallengeCache } from './client.js';
import type { RegistryEndpoint } from './reference.js';

/**
 * Entries are stamped with this version. Files from before it are not trusted: versions before 2 could remember a
 * realm a redirect target had named (a host that then received the credentials on every run).
 */
const VERSION = 2;

/** Only what a later run needs to authenticate up front; anything else in the file means "not cached". */
export function readRememberedChallenge(value: unknown, registryScheme?: 'http' | 'https'): Challenge | undefined {
  const v = (value ?? {}) as Record<string, unknown>;
  if (v.version !== VERSION) return undefined;
  const optional = (x: unknown) => (typeof x === 'string' ? x : undefined);
  if (v.scheme === 'basic') return { scheme: 'basic', realm: optional(v.realm) };
  if (v.scheme === 'bearer' && typeof v.realm === 'string' && /^https?:\/\//.test(v.realm)) {
    if (registryScheme && realmProblem(v.realm, registryScheme)) return undefined;
    return { scheme: 'bearer', realm: v.realm, service: optional(v.service), scope: undefined, error: undefined };
  }
  return undefined;
}

/** What put writes for a challenge (pure, for tests and the reader above). */
export function rememberedForm(challenge: Challenge): Record<string, unknown> {
  return challenge.scheme === 'basic'
    ? { version: VERSION, scheme: 'basic', realm: challenge.realm }
    : { version: VERSION, scheme: 'bearer', realm: challenge.realm, service: challenge.service };
}

export function createFileChallengeCache(cacheDir: string, endpoint: RegistryEndpoint): ChallengeCache {
  const file = join(
    cacheDir,
    'registry-auth',
    `${endpoint.scheme}_${endpoint.host.replace(/[^A-Za-z0-9.-]/g, '_')}.json`,
  );
  return {
    get: async () => readRememberedChallenge(await readJsonFile(file), endpoint.scheme),
    put: async (challenge) => {
      await writeFileAtomic(file, `${JSON.stringify(rememberedForm(challenge))}\n`, 0o600);
    },
  };
}
