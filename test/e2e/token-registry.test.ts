// The registry client against the testbed's token-auth registry: the real Bearer flow, token reuse, expiry, denial.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log/types.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { httpFetch } from '../../src/registry/http-fetch.js';
import { Secret } from '../../src/secret.js';
import {
  observedFetch,
  TOKEN_REGISTRY,
  TOKEN_SERVER,
  tokenPassword,
  type TokenUser,
} from '../support/token-registry.js';

const endpoint = { host: TOKEN_REGISTRY, scheme: 'http' as const };
function clientAs(user: TokenUser | undefined, options: { password?: string; now?: () => number } = {}) {
  const observed = observedFetch(httpFetch); // the CLI's fetch port
  const credentials = user
    ? { username: user, password: new Secret(options.password ?? tokenPassword(user)), source: 'test' }
    : undefined;
  const client = createRegistryClient(endpoint, {
    fetch: observed.fetchFn,
    credentials,
    blobCache: undefined,
    log: silentLogger,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    client,
    seen: observed.seen,
    tokenFetches: () => observed.seen.filter((s) => s.url === `${TOKEN_SERVER}/token`).length,
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('registry client on the token-auth registry', () => {
  it('lists tags and reads CUDA env through Bearer tokens, reusing one token per repository', async () => {
    const { client, tokenFetches, seen } = clientAs('qsc');
    expect(await client.listTags('nvidia/tensorflow')).toEqual(
      expect.arrayContaining(['21.12-tf2-py3', '25.02-tf2-py3', '23.01-tf1-py3']),
    );
    const manifest = await client.resolveManifest('nvidia/pytorch', '25.10-py3');
    const { env } = await client.readConfig('nvidia/pytorch', manifest.configDigest);
    expect(env).toMatchObject({ CUDA_VERSION: '13.0.2.006', CUDA_DRIVER_VERSION: '580.95.05' });
    const head = await client.headManifest('nvidia/pytorch', '25.10-py3');
    expect(head.digest).toBe(manifest.digest);
    await client.listTags('nvidia/tensorflow');
    // One 401 to learn the scheme, then one token per repository scope, reused for every later request.
    expect(tokenFetches()).toBe(2);
    expect(seen.filter((s) => s.status === 401)).toHaveLength(1);
  });

  it('fetches a new token once the old one has expired (3-second tokens, real clock)', async () => {
    const { client, tokenFetches, seen } = clientAs('brief');
    await client.listTags('nvidia/tensorflow');
    await sleep(3200);
    await client.listTags('nvidia/tensorflow');
    expect(tokenFetches()).toBe(2);
    expect(seen.filter((s) => s.status === 401)).toHaveLength(1); // only the first contact: the refresh came before asking
  });

  it('refreshes when the registry rejects a token the client still thought valid (clock behind), and carries on', async () => {
    const { client, tokenFetches, seen } = clientAs('brief', { now: () => 0 });
    await client.listTags('nvidia/tensorflow');
    await sleep(3200);
    expect(await client.listTags('nvidia/tensorflow')).toContain('25.02-tf2-py3');
    expect(tokenFetches()).toBe(2);
    expect(seen.filter((s) => s.status === 401)).toHaveLength(2); // first contact, then the expired token
  });

  it('wrong password → 77 "refused", without echoing it', async () => {
    const error = await clientAs('qsc', { password: 'Wrong-Token-Pw-7' })
      .client.listTags('nvidia/tensorflow')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('refused the credentials'),
    });
    expect(`${(error as Error).message} ${(error as { hint?: string }).hint}`).not.toContain('Wrong-Token-Pw-7');
  });

  it('valid user without access to the repository → 77 "does not let ... pull"', async () => {
    await expect(
      clientAs('outsider').client.resolveManifest('nvidia/tensorflow', '25.02-tf2-py3'),
    ).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('does not let user "outsider" (test) pull nvidia/tensorflow'),
    });
  });

  it('anonymous → 77 naming the missing credentials', async () => {
    await expect(clientAs(undefined).client.listTags('nvidia/tensorflow')).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('requires credentials'),
    });
  });

  it('a missing repository → 1 (not found), with access to its name', async () => {
    await expect(clientAs('qsc').client.listTags('nvidia/nonexistent')).rejects.toMatchObject({
      exitCode: ExitCode.refused,
    });
  });
});
