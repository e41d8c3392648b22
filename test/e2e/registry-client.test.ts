// The registry client against the testbed's real Distribution registry (htpasswd auth, plain HTTP on loopback).
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log/types.js';
import { createRegistryClient, type BlobCache } from '../../src/registry/client.js';
import type { FetchPort } from '../../src/registry/http.js';
import { httpFetch } from '../../src/registry/http-fetch.js';
import { Secret } from '../../src/secret.js';
import { REGISTRY, REGISTRY_USER, registryPassword } from '../support/cluster.js';

const endpoint = { host: REGISTRY, scheme: 'http' as const };

// The CLI's node:http adapter and the global fetch behave alike on every exchange.
describe.each([
  ['node:http fetch (the CLI)', httpFetch],
  ['global fetch', globalThis.fetch],
] as Array<[string, FetchPort]>)('with %s', (_name, fetchPort) => {
  const clientWith = (password: string, blobCache?: BlobCache) =>
    createRegistryClient(endpoint, {
      fetch: fetchPort,
      credentials: { username: REGISTRY_USER, password: new Secret(password), source: 'test' },
      blobCache,
      log: silentLogger,
    });

  describe('registry client on the testbed registry', () => {
    it('lists the seeded NGC-shaped tags', async () => {
      const tags = await clientWith(registryPassword()).listTags('nvidia/tensorflow');
      expect(tags).toEqual(
        expect.arrayContaining(['21.12-tf2-py3', '22.10-tf2-py3', '23.01-tf2-py3', '25.02-tf2-py3', '23.01-tf1-py3']),
      );
    });

    it('reads CUDA env from an image config, and reads each config blob once', async () => {
      const store = new Map<string, string>();
      const cache: BlobCache = { get: async (d) => store.get(d), put: async (d, c) => void store.set(d, c) };
      const client = clientWith(registryPassword(), cache);
      const manifest = await client.resolveManifest('nvidia/pytorch', '25.10-py3');
      expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const { env } = await client.readConfig('nvidia/pytorch', manifest.configDigest);
      expect(env).toMatchObject({
        CUDA_VERSION: '13.0.2.006',
        CUDA_DRIVER_VERSION: '580.95.05',
        NVIDIA_PYTORCH_VERSION: '25.10',
      });
      expect([...store.keys()]).toEqual([manifest.configDigest]);
    });

    it('refuses a wrong password with exit 77, without echoing it', async () => {
      const error = await clientWith('wrong-password-123')
        .listTags('nvidia/tensorflow')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: ExitCode.auth });
      expect(`${(error as Error).message} ${(error as { hint?: string }).hint}`).not.toContain('wrong-password-123');
    });

    it('says what is missing when no credentials exist', async () => {
      const client = createRegistryClient(endpoint, {
        fetch: fetchPort,
        credentials: undefined,
        blobCache: undefined,
        log: silentLogger,
      });
      await expect(client.listTags('nvidia/tensorflow')).rejects.toMatchObject({
        exitCode: ExitCode.auth,
        message: expect.stringContaining('requires credentials'),
      });
    });

    it('reports a missing repository as not found', async () => {
      await expect(clientWith(registryPassword()).listTags('nvidia/nonexistent')).rejects.toMatchObject({
        exitCode: ExitCode.refused,
      });
    });
  });
});
