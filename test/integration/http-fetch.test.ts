// The node:http fetch port against real HTTP servers on loopback: redirects (credentials never cross origins), errors
// shaped as fetch's (so http.ts's retries and messages hold), and a process that exits with unread answers pending.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/registry/http-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const seen: Array<{
  server: string;
  method: string;
  url: string;
  authorization: string | undefined;
  userAgent: string | undefined;
}> = [];

async function serve(name: string, handler: Handler): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    seen.push({
      server: name,
      method: req.method!,
      url: req.url!,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
    });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let registry: { server: Server; origin: string };
let storage: { server: Server; origin: string };

beforeAll(async () => {
  storage = await serve('storage', (_req, res) => res.end('blob bytes'));
  registry = await serve('registry', (req, res) => {
    if (req.url === '/same') return void res.writeHead(307, { location: '/final' }).end();
    if (req.url === '/other') return void res.writeHead(302, { location: `${storage.origin}/blob` }).end('moved');
    if (req.url === '/see-other') return void res.writeHead(303, { location: '/final' }).end();
    if (req.url === '/post-away') return void res.writeHead(307, { location: `${storage.origin}/token` }).end();
    if (req.url === '/post-here') return void res.writeHead(307, { location: '/echo' }).end();
    if (req.url === '/echo') return void req.pipe(res);
    if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    if (req.url === '/json')
      return void res
        .writeHead(200, { 'content-type': 'application/json', 'docker-content-digest': 'sha256:abc' })
        .end('{"tags":["a"]}');
    res.writeHead(req.url === '/final' ? 200 : 404).end(`${req.method} ${req.url}`);
  });
});
afterAll(() => {
  registry.server.closeAllConnections();
  storage.server.closeAllConnections();
  registry.server.close();
  storage.server.close();
});

describe('node:http fetch port', () => {
  it('answers like fetch: status, ok, headers, json', async () => {
    const response = await httpFetch(`${registry.origin}/json`);
    expect([
      response.status,
      response.ok,
      response.headers.get('Docker-Content-Digest'),
      response.headers.get('x-none'),
    ]).toEqual([200, true, 'sha256:abc', null]);
    expect(await response.json()).toEqual({ tags: ['a'] });
    expect((await httpFetch(`${registry.origin}/nothing`)).ok).toBe(false);
  });

  it('follows a same-origin redirect with the credentials, and drops them when the redirect leaves the origin', async () => {
    seen.length = 0;
    const same = await httpFetch(`${registry.origin}/same`, { headers: { Authorization: 'Basic c2VjcmV0' } });
    expect(await same.text()).toBe('GET /final');
    const other = await httpFetch(`${registry.origin}/other`, {
      headers: { Authorization: 'Basic c2VjcmV0', accept: '*/*' },
    });
    expect(await other.text()).toBe('blob bytes');
    expect(seen.every((s) => s.userAgent === 'node')).toBe(true); // as Node's fetch says
    expect(seen.map((s) => [s.server, s.url, s.authorization])).toEqual([
      ['registry', '/same', 'Basic c2VjcmV0'],
      ['registry', '/final', 'Basic c2VjcmV0'],
      ['registry', '/other', 'Basic c2VjcmV0'],
      ['storage', '/blob', undefined],
    ]);
  });

  it('a request with a body (a refresh token) follows a same-origin redirect, never one to another origin', async () => {
    seen.length = 0;
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const here = await httpFetch(`${registry.origin}/post-here`, { ...form, body: 'refresh_token=R' });
    expect(await here.text()).toBe('refresh_token=R');
    const away = await httpFetch(`${registry.origin}/post-away`, { ...form, body: 'refresh_token=R' });
    expect([away.status, away.url]).toEqual([307, `${registry.origin}/post-away`]);
    expect(seen.map((s) => s.server)).toEqual(['registry', 'registry', 'registry']);
    const manual = await httpFetch(`${registry.origin}/same`, { redirect: 'manual' });
    expect(manual.status).toBe(307);
  });

  it('says which URL answered (Response.url), after redirects', async () => {
    expect((await httpFetch(`${registry.origin}/other`)).url).toBe(`${storage.origin}/blob`);
    expect((await httpFetch(`${registry.origin}/json`)).url).toBe(`${registry.origin}/json`);
  });

  it('turns a 303 into a GET, keeps HEAD a HEAD, and stops a redirect loop', async () => {
    expect(await (await httpFetch(`${registry.origin}/see-other`, { method: 'HEAD' })).text()).toBe('');
    expect(seen.at(-1)).toMatchObject({ method: 'HEAD', url: '/final' });
    await expect(httpFetch(`${registry.origin}/loop`)).rejects.toMatchObject({
      name: 'TypeError',
      cause: { message: 'redirect count exceeded' },
    });
  });

  it("fails as fetch does: a timeout with the signal's TimeoutError, a refused connection with its code as the cause", async () => {
    await expect(httpFetch(`${registry.origin}/slow`, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const closed = await serve('closed', () => undefined);
    closed.server.close();
    await expect(httpFetch(`${closed.origin}/`)).rejects.toMatchObject({
      name: 'TypeError',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('lets the process exit while answers are left unread or cancelled (error statuses, HEAD), as with fetch', async () => {
    const adapter = fileURLToPath(new URL('../../dist/registry/http-fetch.js', import.meta.url));
    const script = `const { httpFetch } = await import(${JSON.stringify(adapter)});
      await httpFetch('${registry.origin}/nothing'); await httpFetch('${registry.origin}/final', { method: 'HEAD' });
      await (await httpFetch('${registry.origin}/nothing', { method: 'HEAD' })).body?.cancel(); await (await httpFetch('${registry.origin}/nothing')).body?.cancel();
      const r = await httpFetch('${registry.origin}/json'); console.log(JSON.stringify(await r.json()));`;
    // Asynchronously: the servers live in this process.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { encoding: 'utf8', timeout: 10_000 },
        // ExecFileException is an Error at run time; its type (built with Omit) no longer says so.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(stdout.trim()).toBe('{"tags":["a"]}');
  });
});
