// Registry pieces: challenges, references, pagination, the auth flow (over a scripted fetch), credential files.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/types.js';
import { parseChallenge } from '../../../src/registry/auth.js';
import { createRegistryClient, nextLink } from '../../../src/registry/client.js';
import { readCredentials } from '../../../src/registry/credentials.js';
import { formatReference, parseImageReference, parseRegistry } from '../../../src/registry/reference.js';
import { Secret } from '../../../src/secret.js';

describe('parseChallenge', () => {
  it('reads nvcr.io-style Bearer challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://nvcr.io/proxy_auth?scope=repository:nvidia/tensorflow:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://nvcr.io/proxy_auth?scope=repository:nvidia/tensorflow:pull,push',
      service: undefined,
      scope: undefined,
    });
  });
  it('reads Distribution token challenges with service and scope', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      ),
    ).toMatchObject({
      service: 'registry.example',
      scope: 'repository:a/b:pull',
    });
  });
  it('reads Basic challenges and ignores schemes it cannot answer', () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', realm: 'Registry Realm' });
    expect(parseChallenge('Negotiate, Basic realm="x"')).toEqual({ scheme: 'basic', realm: 'x' });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('references', () => {
  it.each([
    ['127.0.0.1:5000', '127.0.0.1:5000', 'http'],
    ['localhost:5000', 'localhost:5000', 'http'],
    ['nvcr.io', 'nvcr.io', 'https'],
    ['http://registry.local:5000/', 'registry.local:5000', 'http'],
    ['https://127.0.0.1:5000', '127.0.0.1:5000', 'https'],
  ])('--registry %s → %s over %s', (value, host, scheme) => {
    expect(parseRegistry(value)).toEqual({ host, scheme });
  });

  it('refuses a registry that is not a host', () => {
    expect(() => parseRegistry('not a host')).toThrow(/not a registry/);
  });

  it('parses image references by Docker’s rules', () => {
    expect(parseImageReference('nvcr.io/nvidia/pytorch:24.10-py3')).toMatchObject({
      registry: { host: 'nvcr.io' },
      repository: 'nvidia/pytorch',
      tag: '24.10-py3',
    });
    expect(parseImageReference('127.0.0.1:5000/nvidia/tensorflow@sha256:' + 'a'.repeat(64))).toMatchObject({
      tag: undefined,
      digest: 'sha256:' + 'a'.repeat(64),
    });
    expect(parseImageReference('ubuntu')).toMatchObject({
      registry: { host: 'registry-1.docker.io' },
      repository: 'library/ubuntu',
      tag: 'latest',
    });
    expect(formatReference(parseImageReference('127.0.0.1:5000/nvidia/pytorch:25.10-py3'))).toBe(
      '127.0.0.1:5000/nvidia/pytorch:25.10-py3',
    );
    expect(() => parseImageReference('nvcr.io/Bad Name:x')).toThrow(/not an image reference/);
  });

  it('follows Link headers to the next page', () => {
    expect(nextLink('</v2/nvidia/pytorch/tags/list?n=2&last=b>; rel="next"')).toBe(
      '/v2/nvidia/pytorch/tags/list?n=2&last=b',
    );
    expect(nextLink(null)).toBeUndefined();
  });
});

/** A scripted registry: answers by URL, records what was asked and with which Authorization. */
function scriptedFetch(routes: Record<string, (init: RequestInit) => Response>) {
  const calls: Array<{ url: string; authorization: string | undefined }> = [];
  const fetchFn = (async (input: string | URL, init: RequestInit = {}) => {
    const url = String(input);
    const authorization = (init.headers as Record<string, string> | undefined)?.authorization;
    calls.push({ url, authorization });
    const route = Object.keys(routes).find((prefix) => url.startsWith(prefix));
    return route ? routes[route]!(init) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { fetchFn, calls };
}

const auth = (init: RequestInit) => (init.headers as Record<string, string>).authorization;

describe('registry client auth flow', () => {
  const credentials = { username: '$oauthtoken', password: new Secret('nvapi-secret'), source: 'test' };

  it('answers a Bearer challenge with a token fetched using Basic credentials, then reuses it', async () => {
    const { fetchFn, calls } = scriptedFetch({
      'https://reg.example/token': (init) =>
        auth(init) === `Basic ${Buffer.from('$oauthtoken:nvapi-secret').toString('base64')}`
          ? Response.json({ token: 'T1' })
          : new Response('', { status: 401 }),
      'https://reg.example/v2/nvidia/pytorch/tags/list': (init) =>
        auth(init) === 'Bearer T1'
          ? Response.json({ tags: ['25.10-py3'] })
          : new Response('', {
              status: 401,
              headers: { 'www-authenticate': 'Bearer realm="https://reg.example/token",service="reg.example"' },
            }),
    });
    const client = createRegistryClient(
      { host: 'reg.example', scheme: 'https' },
      { fetch: fetchFn, credentials, blobCache: undefined, log: silentLogger },
    );
    expect(await client.listTags('nvidia/pytorch')).toEqual(['25.10-py3']);
    expect(await client.listTags('nvidia/pytorch')).toEqual(['25.10-py3']);
    expect(calls.map((c) => c.url.replace(/\?.*/, ''))).toEqual([
      'https://reg.example/v2/nvidia/pytorch/tags/list',
      'https://reg.example/token',
      'https://reg.example/v2/nvidia/pytorch/tags/list',
      'https://reg.example/v2/nvidia/pytorch/tags/list',
    ]);
    expect(calls[1]!.url).toContain('scope=repository%3Anvidia%2Fpytorch%3Apull');
  });

  it('maps refused credentials to exit 77 with the nvcr.io hint and without the secret', async () => {
    const { fetchFn } = scriptedFetch({
      'https://nvcr.io/proxy_auth': () => new Response('', { status: 401 }),
      'https://nvcr.io/v2/': () =>
        new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://nvcr.io/proxy_auth"' } }),
    });
    const client = createRegistryClient(
      { host: 'nvcr.io', scheme: 'https' },
      { fetch: fetchFn, credentials, blobCache: undefined, log: silentLogger },
    );
    const error = await client.listTags('nvidia/pytorch').catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: ExitCode.auth });
    expect(String((error as Error).message) + (error as { hint: string }).hint).toContain('$oauthtoken');
    expect(JSON.stringify(error) + String(error) + (error as { hint: string }).hint).not.toContain('nvapi-secret');
  });

  it('maps an unreachable registry to exit 69 after retrying', async () => {
    const fetchFn = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const client = createRegistryClient(
      { host: '127.0.0.1:9', scheme: 'http' },
      { fetch: fetchFn, credentials: undefined, blobCache: undefined, log: silentLogger, sleep: async () => {} },
    );
    await expect(client.listTags('nvidia/pytorch')).rejects.toMatchObject({
      exitCode: ExitCode.unavailable,
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('picks linux/amd64 from an image index and verifies digests', async () => {
    const image = JSON.stringify({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { digest: 'sha256:cfg' },
    });
    const { createHash } = await import('node:crypto');
    const imageDigest = `sha256:${createHash('sha256').update(image).digest('hex')}`;
    const index = JSON.stringify({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64' } },
        { digest: imageDigest, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    const { fetchFn } = scriptedFetch({
      [`http://r/v2/nvidia/pytorch/manifests/${imageDigest}`]: () => new Response(image),
      'http://r/v2/nvidia/pytorch/manifests/25.10-py3': () => new Response(index),
    });
    const client = createRegistryClient(
      { host: 'r', scheme: 'http' },
      { fetch: fetchFn, credentials: undefined, blobCache: undefined, log: silentLogger },
    );
    expect(await client.resolveManifest('nvidia/pytorch', '25.10-py3')).toEqual({
      digest: imageDigest,
      configDigest: 'sha256:cfg',
    });
  });
});

describe('credential files', () => {
  const write = (mode: number, content: object) => {
    const file = join(mkdtempSync(join(tmpdir(), 'qsc-cred-')), 'auth.json');
    writeFileSync(file, JSON.stringify(content));
    chmodSync(file, mode);
    return file;
  };
  const entry = { auths: { '127.0.0.1:5000': { auth: Buffer.from('qsc:pa:ss').toString('base64') } } };

  it('reads base64 user:password for the host, keeping the password secret', async () => {
    const creds = await readCredentials(write(0o600, entry), '127.0.0.1:5000');
    expect(creds?.username).toBe('qsc');
    expect(creds?.password.reveal()).toBe('pa:ss');
    expect(JSON.stringify(creds)).not.toContain('pa:ss');
  });

  it('refuses a file others can read, with the chmod hint, before reading it', async () => {
    const file = write(0o644, entry);
    await expect(readCredentials(file, '127.0.0.1:5000')).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      hint: `chmod 600 ${file}`,
    });
  });

  it('returns nothing for a missing file or host', async () => {
    expect(await readCredentials('/nonexistent/auth.json', 'x')).toBeUndefined();
    expect(await readCredentials(write(0o600, entry), 'nvcr.io')).toBeUndefined();
  });
});
