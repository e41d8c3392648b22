// The remembered auth scheme on the testbed's registries: the second run authenticates up front (no 401), a stale
// memory (another scheme, a dead token realm) costs one round trip and never a wrong verdict.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log/types.js';
import { createFileChallengeCache } from '../../src/registry/challenge-cache.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { httpFetch } from '../../src/registry/http-fetch.js';
import { Secret } from '../../src/secret.js';
import { REGISTRY, REGISTRY_USER, registryPassword } from '../support/cluster.js';
import { observedFetch, TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'qsc-challenge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clientFor(host: string, username: string, password: string, cacheDir: string) {
  const endpoint = { host, scheme: 'http' as const };
  const observed = observedFetch(httpFetch);
  const client = createRegistryClient(endpoint, {
    fetch: observed.fetchFn,
    credentials: { username, password: new Secret(password), source: 'test' },
    blobCache: undefined,
    challengeCache: createFileChallengeCache(cacheDir, endpoint),
    log: silentLogger,
  });
  return { client, statuses: () => observed.seen.map((s) => s.status), seen: observed.seen };
}

describe('remembered registry auth scheme', () => {
  it('Basic registry: the first run learns it from a 401, the next sends credentials up front', async () => {
    const cache = join(dir, 'basic');
    const first = clientFor(REGISTRY, REGISTRY_USER, registryPassword(), cache);
    await first.client.listTags('nvidia/tensorflow');
    expect(first.statuses()).toEqual([401, 200]);
    const file = join(cache, 'registry-auth', 'http_127.0.0.1_5000.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 2, scheme: 'basic', realm: expect.any(String) });
    expect(readFileSync(file, 'utf8')).not.toContain(registryPassword());
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = clientFor(REGISTRY, REGISTRY_USER, registryPassword(), cache);
    await second.client.listTags('nvidia/tensorflow');
    expect(second.statuses()).toEqual([200]);
  });

  it('a wrong password with a remembered Basic scheme is still refused with 77', async () => {
    const wrong = clientFor(REGISTRY, REGISTRY_USER, 'wrong-password-123', join(dir, 'basic'));
    await expect(wrong.client.listTags('nvidia/tensorflow')).rejects.toMatchObject({ exitCode: ExitCode.auth });
  });

  it('Bearer registry: the next run fetches its token up front; a remembered Basic there is corrected', async () => {
    const cache = join(dir, 'bearer');
    mkdirSync(join(cache, 'registry-auth'), { recursive: true });
    writeFileSync(join(cache, 'registry-auth', 'http_127.0.0.1_5001.json'), '{"version":2,"scheme":"basic"}\n');
    const first = clientFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'), cache);
    await first.client.listTags('nvidia/tensorflow');
    expect(first.statuses()).toEqual([401, 200, 200]); // Basic refused with a Bearer challenge, token, tags
    const second = clientFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'), cache);
    await second.client.listTags('nvidia/tensorflow');
    expect(second.statuses()).toEqual([200, 200]); // token, tags
  });

  it('a remembered token realm that no longer answers is forgotten, and the registry asked afresh', async () => {
    const cache = join(dir, 'stale');
    mkdirSync(join(cache, 'registry-auth'), { recursive: true });
    writeFileSync(
      join(cache, 'registry-auth', 'http_127.0.0.1_5001.json'),
      '{"version":2,"scheme":"bearer","realm":"http://127.0.0.1:9/token"}\n',
    );
    const stale = clientFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'), cache);
    expect(await stale.client.listTags('nvidia/tensorflow')).toContain('25.02-tf2-py3');
    expect(stale.statuses()).toEqual([401, 200, 200]);
  });
});
