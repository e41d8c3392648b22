// Registry auth in detail: token answers and lifetimes, retry delays, credential sources, auth files, the nvcr.io hints,
// and the client's token reuse / refresh / denial paths over a scripted fetch.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/types.js';
import { entryFor, parseAuthFile, withEntry, withoutEntry } from '../../../src/registry/auth-file.js';
import { parseChallenge, readTokenAnswer, realmProblem } from '../../../src/registry/auth.js';
import { retryDelayMs } from '../../../src/registry/backoff.js';
import { createRegistryClient } from '../../../src/registry/client.js';
import { environmentCredentials } from '../../../src/registry/credentials.js';
import { deniedAccess, refusedCredentials } from '../../../src/registry/hints.js';
import { parseImageReference } from '../../../src/registry/reference.js';
import { Secret } from '../../../src/secret.js';

describe('token answers', () => {
  it('reuses a token until a tenth of its lifetime (at most 10 s) before it expires', () => {
    expect(readTokenAnswer({ token: 'T', expires_in: 300 }, 1000)).toEqual({
      token: 'T',
      reuseUntil: 1000 + 300_000 - 10_000,
    });
    expect(readTokenAnswer({ access_token: 'A', expires_in: 3 }, 0)).toEqual({ token: 'A', reuseUntil: 2700 });
    expect(readTokenAnswer({ token: 'T' }, 0)?.reuseUntil).toBe(54_000); // the spec's 60 s default
    expect(readTokenAnswer({ expires_in: 60 }, 0)).toBeUndefined();
  });

  it('reads the RFC 6750 error of a Bearer challenge', () => {
    const header =
      'Bearer realm="http://127.0.0.1:5002/token",service="qsc-token-registry",scope="repository:nvidia/tensorflow:pull",error="insufficient_scope"';
    expect(parseChallenge(header)).toMatchObject({
      scheme: 'bearer',
      error: 'insufficient_scope',
      service: 'qsc-token-registry',
    });
  });
});

describe('token realms the credentials may go to', () => {
  it.each([
    ['https://authn.nvidia.com/token', 'https', undefined], // another host over https: how nvcr.io works
    ['https://127.0.0.1:5002/token', 'http', undefined],
    ['http://127.0.0.1:5002/token', 'http', undefined], // an http registry sends its credentials in clear anyway
    ['http://auth.example/token', 'https', 'is plain http for an https registry'],
    ['ftp://auth.example/token', 'https', 'uses ftp, not https'],
    ['https://u:p@auth.example/token', 'https', 'carries a user name or password of its own'],
    ['not a url', 'https', 'is not a URL'],
  ] as const)('%s for an %s registry: %s', (realm, scheme, problem) => {
    expect(realmProblem(realm, scheme)).toBe(problem);
  });

  it('the client refuses an http realm named by an https registry, and never asks it', async () => {
    const asked: string[] = [];
    const fetchFn = (async (input: string) => {
      asked.push(String(input));
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="s"' },
      });
    }) as typeof fetch;
    const client = createRegistryClient(
      { host: 'registry.example', scheme: 'https' },
      {
        fetch: fetchFn,
        credentials: { username: 'u', password: new Secret('p'), source: 'test' },
        blobCache: undefined,
        log: silentLogger,
      },
    );
    await expect(client.ping()).rejects.toMatchObject({ exitCode: ExitCode.auth });
    expect(asked).toEqual(['https://registry.example/v2/']);
  });
});

describe('retry delays', () => {
  it('grow exponentially with full jitter, capped', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, 1, null, 0))).toEqual([250, 500, 1000, 2000]);
    expect(retryDelayMs(2, 0.5, null, 0)).toBe(500);
    expect(retryDelayMs(10, 1, null, 0)).toBe(8000);
  });
  it('honour Retry-After in seconds or as a date', () => {
    expect(retryDelayMs(0, 0.1, '2', 0)).toBe(2000);
    expect(retryDelayMs(0, 0.1, new Date(5000).toUTCString(), 1000)).toBe(4000);
  });
});

describe('credential sources', () => {
  it('takes APPTAINER_DOCKER_* first, then SINGULARITY_DOCKER_*, then NGC_API_KEY for nvcr.io only', () => {
    const all = {
      APPTAINER_DOCKER_USERNAME: 'a',
      APPTAINER_DOCKER_PASSWORD: 'pa',
      SINGULARITY_DOCKER_USERNAME: 's',
      SINGULARITY_DOCKER_PASSWORD: 'ps',
      NGC_API_KEY: 'k',
    };
    expect(environmentCredentials(all, 'nvcr.io')?.username).toBe('a');
    expect(
      environmentCredentials(
        { ...all, APPTAINER_DOCKER_USERNAME: undefined, APPTAINER_DOCKER_PASSWORD: undefined },
        'x',
        'x',
      )?.username,
    ).toBe('s');
    const ngc = environmentCredentials({ NGC_API_KEY: 'nvapi-k' }, 'nvcr.io');
    expect(ngc).toMatchObject({ username: '$oauthtoken', source: 'environment (NGC_API_KEY)', origin: 'elsewhere' });
    expect(ngc?.password.reveal()).toBe('nvapi-k');
    expect(environmentCredentials({ NGC_API_KEY: 'k' }, '127.0.0.1:5001')).toBeUndefined();
  });
  it('uses APPTAINER_/SINGULARITY_DOCKER_* for the configured registry only (nvcr.io when none is): never Docker Hub for someone/img', () => {
    const env = {
      APPTAINER_DOCKER_USERNAME: '$oauthtoken',
      APPTAINER_DOCKER_PASSWORD: 'nvapi-k',
      NGC_API_KEY: 'nvapi-k',
    };
    expect(environmentCredentials(env, 'registry-1.docker.io')).toBeUndefined();
    expect(environmentCredentials(env, 'registry-1.docker.io', '127.0.0.1:5000')).toBeUndefined();
    expect(environmentCredentials(env, '127.0.0.1:5000', '127.0.0.1:5000')?.source).toBe(
      'environment (APPTAINER_DOCKER_USERNAME/APPTAINER_DOCKER_PASSWORD, for the configured registry 127.0.0.1:5000)',
    );
    // With another registry configured, nvcr.io still gets the NGC key, from NGC_API_KEY only.
    expect(environmentCredentials(env, 'nvcr.io', '127.0.0.1:5000')?.source).toBe('environment (NGC_API_KEY)');
    // A half-set pair meant for the configured registry is not an error elsewhere: it is not read there.
    expect(environmentCredentials({ APPTAINER_DOCKER_PASSWORD: 'p' }, 'registry-1.docker.io')).toBeUndefined();
  });
  it('refuses half a pair, naming the missing variable and not the value', () => {
    expect(() => environmentCredentials({ APPTAINER_DOCKER_PASSWORD: 'secret-pw' }, 'nvcr.io')).toThrow(
      /APPTAINER_DOCKER_USERNAME is not set/,
    );
    try {
      environmentCredentials({ APPTAINER_DOCKER_PASSWORD: 'secret-pw' }, 'nvcr.io');
    } catch (error) {
      expect(`${(error as Error).message} ${(error as { hint: string }).hint}`).not.toContain('secret-pw');
    }
  });
});

describe('auth files', () => {
  it('adds an entry under the bare host, replacing other spellings, and removes it again', () => {
    const start = {
      auths: { 'https://nvcr.io/v2/': { auth: 'b2xk' }, 'other.io': { auth: 'eDp5' } },
      credsStore: 'desktop',
    };
    const added = withEntry(start, 'nvcr.io', '$oauthtoken', new Secret('nvapi-1'));
    expect(Object.keys(added.auths!)).toEqual(['other.io', 'nvcr.io']);
    expect(added.credsStore).toBe('desktop');
    expect(entryFor(added, 'nvcr.io', 'f')?.password.reveal()).toBe('nvapi-1');
    expect(withoutEntry(added, 'nvcr.io')).toEqual({
      json: { auths: { 'other.io': { auth: 'eDp5' } }, credsStore: 'desktop' },
      removed: true,
    });
  });
  it('refuses an entry without a password, and a file that is not JSON without quoting it', () => {
    expect(() => entryFor({ auths: { h: { auth: Buffer.from('user:').toString('base64') } } }, 'h', 'f')).toThrow(
      /without a user and password/,
    );
    expect(() => parseAuthFile('{"auths": secret-text', 'f')).toThrow(/^credential file f is not valid JSON$/);
  });
});

describe('hints for the usual traps', () => {
  const hintOf = (e: { hint?: string | undefined }) => e.hint ?? '';
  it('nvcr.io: an expanded $oauthtoken, another user name, a refused key, a key without access', () => {
    expect(hintOf(refusedCredentials({ host: 'nvcr.io', username: '', source: 's' }, 401))).toMatch(
      /unquoted \$oauthtoken was expanded/,
    );
    expect(hintOf(refusedCredentials({ host: 'nvcr.io', username: 'alice', source: 's' }, 401))).toMatch(
      /literal \$oauthtoken, not "alice"/,
    );
    expect(hintOf(refusedCredentials({ host: 'nvcr.io', username: '$oauthtoken', source: 's' }, 401))).toMatch(
      /NGC Catalog/,
    );
    expect(hintOf(deniedAccess({ host: 'nvcr.io', username: '$oauthtoken', source: 's' }, 'nvidia/private'))).toMatch(
      /NGC Catalog scope/,
    );
  });
  it('Docker Hub: a 401 for an NGC name points at nvcr.io', () => {
    expect(
      hintOf(deniedAccess({ host: 'registry-1.docker.io', username: undefined, source: undefined }, 'nvidia/pytorch')),
    ).toContain('nvcr.io/nvidia/pytorch');
  });
  it('reads the enroot/pyxis spelling REGISTRY#IMAGE as REGISTRY/IMAGE, with a note; other "#" uses are refused', () => {
    const read = parseImageReference('nvcr.io#nvidia/pytorch:24.10-py3');
    expect(read).toEqual({
      ...parseImageReference('nvcr.io/nvidia/pytorch:24.10-py3'),
      note: 'qsub-container: note: read "nvcr.io#nvidia/pytorch:24.10-py3" (the enroot/pyxis spelling) as nvcr.io/nvidia/pytorch:24.10-py3',
    });
    expect(parseImageReference('127.0.0.1:5001#nvidia/tensorflow')).toMatchObject({
      registry: { host: '127.0.0.1:5001', scheme: 'http' },
      repository: 'nvidia/tensorflow',
      tag: 'latest',
    });
    expect(parseImageReference('nvcr.io/nvidia/pytorch:24.10-py3').note).toBeUndefined();
    for (const bad of ['nvidia#pytorch', '$oauthtoken@nvcr.io#nvidia/pytorch', 'nvcr.io#a#b', 'nvcr.io/x#y'])
      expect(() => parseImageReference(bad), bad).toThrow(/enroot\/pyxis syntax/);
  });
});

/** A scripted registry with a token service; the clock is ours. */
function tokenRegistry(options: { lifetime: number; tokenFor?: (auth: string | undefined) => string | undefined }) {
  const log: string[] = [];
  let issued = 0;
  const valid = new Set<string>();
  const fetchFn = (async (input: string | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const auth = (init.headers as Record<string, string> | undefined)?.authorization;
    log.push(`${init.method ?? 'GET'} ${url.pathname}${auth ? ` ${auth.split(' ')[0]}` : ''}`);
    if (url.pathname === '/token') {
      const token = options.tokenFor ? options.tokenFor(auth) : `T${++issued}`;
      if (!token) return new Response('', { status: 401 });
      valid.add(token);
      return Response.json({ token, expires_in: options.lifetime });
    }
    const challenge = (error?: string) =>
      new Response('', {
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="https://r.example/token",service="r"${error ? `,error="${error}"` : ''}`,
        },
      });
    if (!auth) return challenge();
    if (!valid.has(auth.slice(7))) return challenge('invalid_token');
    if (auth === 'Bearer NOACCESS') return challenge('insufficient_scope');
    return Response.json({ tags: ['1'] });
  }) as typeof fetch;
  return { fetchFn, log, expire: (token: string) => valid.delete(token) };
}

describe('registry client token handling', () => {
  const credentials = { username: 'u', password: new Secret('pw'), source: 'test' };
  const client = (fetchFn: typeof fetch, now: () => number) =>
    createRegistryClient(
      { host: 'r.example', scheme: 'https' },
      { fetch: fetchFn, credentials, blobCache: undefined, log: silentLogger, now, sleep: async () => {} },
    );

  it('reuses a token until it expires, then fetches a new one before asking', async () => {
    const registry = tokenRegistry({ lifetime: 60 });
    let clock = 0;
    const c = client(registry.fetchFn, () => clock);
    await c.listTags('a/b');
    clock = 30_000;
    await c.listTags('a/b');
    clock = 55_000; // past the reuse window (60 s minus 6 s)
    await c.listTags('a/b');
    expect(registry.log).toEqual([
      'GET /v2/a/b/tags/list',
      'GET /token Basic',
      'GET /v2/a/b/tags/list Bearer',
      'GET /v2/a/b/tags/list Bearer',
      'GET /token Basic',
      'GET /v2/a/b/tags/list Bearer',
    ]);
  });

  it('refreshes a token the registry calls invalid (expired early, clock skew) once, and carries on', async () => {
    const registry = tokenRegistry({ lifetime: 60 });
    const c = client(registry.fetchFn, () => 0);
    await c.listTags('a/b');
    registry.expire('T1');
    expect(await c.listTags('a/b')).toEqual(['1']);
    expect(registry.log.slice(3)).toEqual([
      'GET /v2/a/b/tags/list Bearer',
      'GET /token Basic',
      'GET /v2/a/b/tags/list Bearer',
    ]);
  });

  it('says "not allowed to pull" (77) when a fresh token lacks the scope, and "refused" (77) when the token service rejects the password', async () => {
    const noAccess = tokenRegistry({ lifetime: 60, tokenFor: () => 'NOACCESS' });
    await expect(client(noAccess.fetchFn, () => 0).listTags('a/b')).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringMatching(/does not let user "u" \(test\) pull a\/b/),
    });
    const wrong = tokenRegistry({ lifetime: 60, tokenFor: () => undefined });
    await expect(client(wrong.fetchFn, () => 0).listTags('a/b')).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('refused the credentials from test'),
    });
  });

  it('retries 503 and 429 with backoff, then gives up with 69', async () => {
    const statuses = [503, 429, 200];
    const delays: number[] = [];
    const fetchFn = (async () => {
      const status = statuses.shift() ?? 503;
      return status === 200
        ? Response.json({ tags: ['x'] })
        : new Response('', { status, headers: status === 429 ? { 'retry-after': '1' } : {} });
    }) as typeof fetch;
    const deps = {
      fetch: fetchFn,
      credentials: undefined,
      blobCache: undefined,
      log: silentLogger,
      random: () => 0.5,
      sleep: async (ms: number) => void delays.push(ms),
    };
    expect(await createRegistryClient({ host: 'r', scheme: 'http' }, deps).listTags('a')).toEqual(['x']);
    expect(delays).toEqual([125, 1000]);
    await expect(createRegistryClient({ host: 'r', scheme: 'http' }, deps).listTags('a')).rejects.toMatchObject({
      exitCode: ExitCode.unavailable,
      message: expect.stringContaining('HTTP 503 4 times'),
    });
  });
});
