// Credentials never follow a redirect's challenge (issue 13, finding 3): the testbed registries behind a front that
// sends blob downloads to 127.0.0.2, whose 401 names a token realm on 127.0.0.3. Counted on those servers: no request
// with credentials reaches either, and nothing they say reaches the challenge cache. Then, over real TLS, a token realm
// on another host is followed (nvcr.io's shape) unless it is plain http for an https registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log/types.js';
import { createFileChallengeCache } from '../../src/registry/challenge-cache.js';
import { createRegistryClient } from '../../src/registry/client.js';
import type { FetchPort } from '../../src/registry/http.js';
import { httpFetch } from '../../src/registry/http-fetch.js';
import { Secret } from '../../src/secret.js';
import { CLI, REGISTRY, REGISTRY_USER, registryPassword, runAsUser } from '../support/cluster.js';
import { startRedirectingRegistry, type RedirectingRegistry } from '../support/redirecting-registry.js';
import { TOKEN_REGISTRY, TOKEN_SERVER, tokenPassword } from '../support/token-registry.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** How the storage server itself authenticates upstream to serve a blob: Basic, or a token it fetches. */
async function bearerFor(user: string, password: string): Promise<string> {
  const url = `http://${TOKEN_SERVER}/token?service=qsc-token-registry&scope=repository:nvidia/pytorch:pull`;
  const answer = await fetch(url, { headers: { authorization: basic(user, password) } });
  return `Bearer ${((await answer.json()) as { token: string }).token}`;
}
const upstreams = () => [
  {
    name: 'Basic registry :5000',
    upstream: REGISTRY,
    user: REGISTRY_USER,
    password: registryPassword(),
    storageAuth: async () => basic(REGISTRY_USER, registryPassword()),
  },
  {
    name: 'token registry :5001',
    upstream: TOKEN_REGISTRY,
    user: 'qsc',
    password: tokenPassword('qsc'),
    storageAuth: () => bearerFor('qsc', tokenPassword('qsc')),
  },
];

afterAll(() => removeUserTempDirs());

describe.each([
  ['node:http fetch (the CLI)', httpFetch],
  ['global fetch', globalThis.fetch],
] as Array<[string, FetchPort]>)('a blob redirected to another host, with %s', (_name, fetchPort) => {
  describe.each(upstreams())('$name', ({ upstream, user, password, storageAuth }) => {
    let front: RedirectingRegistry;
    const cacheDir = userTempDir('qsc-redirect');
    beforeAll(async () => {
      front = await startRedirectingRegistry(upstream, storageAuth);
    });
    afterAll(() => front.close());

    const clientFor = (cache: string) =>
      createRegistryClient(
        { host: front.host, scheme: 'http' },
        {
          fetch: fetchPort,
          credentials: { username: user, password: new Secret(password), source: 'test' },
          blobCache: undefined,
          challengeCache: createFileChallengeCache(cache, { host: front.host, scheme: 'http' }),
          log: silentLogger,
        },
      );
    const cacheFile = (cache: string) => join(cache, 'registry-auth', `http_${front.host.replace(':', '_')}.json`);
    const secretsIn = (text: string) =>
      [password, Buffer.from(`${user}:${password}`).toString('base64').replace(/=+$/, '')].filter((s) =>
        text.includes(s),
      );

    it("a 401 from the redirect target is not the registry's challenge: no credentials reach 127.0.0.2 or .3, nothing is remembered", async () => {
      front.seen.length = 0;
      front.storage = 'refuse';
      const client = clientFor(cacheDir);
      expect(await client.listTags('nvidia/pytorch')).toContain('25.10-py3');
      const { configDigest } = await client.resolveManifest('nvidia/pytorch', '25.10-py3');
      for (const read of [
        () => client.readConfig('nvidia/pytorch', configDigest),
        () => client.openBlob('nvidia/pytorch', configDigest),
      ]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toMatchObject({ exitCode: ExitCode.unavailable });
        expect((error as Error).message).toContain('127.0.0.2');
      }
      const storage = front.seen.filter((s) => s.server === 'storage');
      const realm = front.seen.filter((s) => s.server === 'realm');
      expect(storage.length).toBeGreaterThanOrEqual(2); // the download did go there, once per attempt
      expect(storage.filter((s) => s.authorization !== undefined)).toEqual([]);
      expect(storage.flatMap((s) => secretsIn(s.headers + s.body))).toEqual([]);
      expect(realm).toEqual([]); // the realm the storage named never heard from us
      // The registry's own challenge is remembered (Basic, or its own realm on :5002), never the storage's.
      const remembered = readFileSync(cacheFile(cacheDir), 'utf8');
      expect(remembered).not.toContain('127.0.0.3');
      expect(JSON.parse(remembered)).toMatchObject({ version: 2 });
    });

    it('the redirect itself still works: storage that serves the blob gets it downloaded, without credentials', async () => {
      front.seen.length = 0;
      front.storage = 'serve';
      const client = clientFor(cacheDir);
      const { configDigest } = await client.resolveManifest('nvidia/pytorch', '25.10-py3');
      expect((await client.readConfig('nvidia/pytorch', configDigest)).env).toMatchObject({
        CUDA_VERSION: '13.0.2.006',
      });
      const storage = front.seen.filter((s) => s.server === 'storage');
      expect(storage.length).toBe(1);
      expect(storage[0]!.authorization).toBeUndefined();
    });

    it('a realm remembered by an older version (no version stamp) is not trusted', async () => {
      const cache = userTempDir('qsc-redirect-old');
      mkdirSync(join(cache, 'registry-auth'), { recursive: true });
      writeFileSync(cacheFile(cache), JSON.stringify({ scheme: 'bearer', realm: `${front.realmOrigin}/token` }));
      front.seen.length = 0;
      expect(await clientFor(cache).listTags('nvidia/pytorch')).toContain('25.10-py3');
      expect(front.seen.filter((s) => s.server === 'realm')).toEqual([]);
    });
  });
});

/** A self-signed certificate for 127.0.0.1 and 127.0.0.3, readable by the cluster user (NODE_EXTRA_CA_CERTS). */
function makeCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const key = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=qsc-redirect-test', '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.3',
    '-keyout', key, '-out', certFile,
  ], { stdio: 'pipe' }); // prettier-ignore
  execFileSync('chmod', ['0644', certFile]);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

describe('token realms over TLS (the CLI as the cluster user)', () => {
  const dir = userTempDir('qsc-tls');
  const { key, cert, certFile } = makeCertificate(dir);
  const USER = 'tls-user';
  const PASSWORD = `tls-${process.pid}-secret`;
  const realmRequests: Array<{ scheme: string; authorization: string | undefined }> = [];
  const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
  let httpsRealm = '';
  let httpRealm = '';
  let registryFor: (realm: string) => Promise<string>;

  const realmHandler = (scheme: string) => (req: IncomingMessage, res: ServerResponse) => {
    realmRequests.push({ scheme, authorization: req.headers.authorization });
    if (req.headers.authorization !== basic(USER, PASSWORD)) return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"tls-token"}');
  };
  const listen = async (server: ReturnType<typeof createHttpServer>, address: string, scheme: string) => {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, address, r));
    return `${scheme}://${address}:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    httpsRealm = `${await listen(createHttpsServer({ key, cert }, realmHandler('https')), '127.0.0.3', 'https')}/token`;
    httpRealm = `${await listen(createHttpServer(realmHandler('http')), '127.0.0.3', 'http')}/token`;
    registryFor = (realm) =>
      listen(
        createHttpsServer({ key, cert }, (req, res) => {
          if (req.headers.authorization === 'Bearer tls-token') return void res.writeHead(200).end('{}');
          res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="tls-registry"` }).end();
        }),
        '127.0.0.1',
        'https',
      );
  });
  afterAll(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const login = (registry: string) =>
    runAsUser(
      [CLI, 'login', registry, '-u', USER, '--password-stdin'],
      { NODE_EXTRA_CA_CERTS: certFile, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') },
      PASSWORD,
    );

  it('an https registry whose realm is https on another host (as nvcr.io → authn.nvidia.com): credentials go there', async () => {
    realmRequests.length = 0;
    const result = await login(await registryFor(httpsRealm));
    expect(result.code, result.stderr).toBe(0);
    expect(realmRequests).toEqual([{ scheme: 'https', authorization: basic(USER, PASSWORD) }]);
  });

  it('an https registry whose realm is plain http: refused (77), the realm never contacted', async () => {
    realmRequests.length = 0;
    const registry = await registryFor(httpRealm);
    const result = await login(registry);
    expect(result.code).toBe(ExitCode.auth);
    expect(result.stderr).toContain('is plain http for an https registry');
    expect(result.stderr).not.toContain(PASSWORD);
    expect(realmRequests).toEqual([]);
    const cache = join(dir, 'cache', 'qsub-container', 'registry-auth');
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });
});
