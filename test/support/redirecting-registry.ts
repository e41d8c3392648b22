// A registry front on loopback that sends blob downloads elsewhere, as registries send them to object storage: it
// relays everything to a testbed registry but answers blob GETs with a 307 to a "storage" server on 127.0.0.2, which
// (when hostile) answers 401 naming a token realm on 127.0.0.3. Every request each server receives is recorded.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly server: 'front' | 'storage' | 'realm';
  readonly method: string;
  readonly url: string;
  /** Every header as received, joined: what a scan for secrets reads. */
  readonly headers: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

async function listen(
  name: SeenRequest['server'],
  address: string,
  seen: SeenRequest[],
  handler: Handler,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({
        server: name,
        method: req.method!,
        url: req.url!,
        headers: req.rawHeaders.join('\n'),
        authorization: req.headers.authorization,
        body: body.toString('utf8'),
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { server, origin: `http://${address}:${(server.address() as AddressInfo).port}` };
}

/** Relay one request to `upstream` (host:port) as it came, with `authorization` replaced when given. */
function relay(upstream: string, req: IncomingMessage, res: ServerResponse, body: Buffer, authorization?: string) {
  const [host, port] = upstream.split(':');
  const headers = { ...req.headers, host: upstream, ...(authorization ? { authorization } : {}) };
  const out = request({ host, port: Number(port), method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  out.end(body);
}

export interface RedirectingRegistry {
  /** host:port of the front, the registry the tool is pointed at. */
  readonly host: string;
  readonly storageOrigin: string;
  readonly realmOrigin: string;
  readonly seen: SeenRequest[];
  /** 'refuse': storage answers 401 naming the realm on 127.0.0.3; 'serve': it serves the blob (fetched upstream with `storageAuthorization`). */
  storage: 'refuse' | 'serve';
  close(): void;
}

export async function startRedirectingRegistry(
  upstream: string,
  storageAuthorization: () => Promise<string>,
): Promise<RedirectingRegistry> {
  const seen: SeenRequest[] = [];
  const realm = await listen('realm', '127.0.0.3', seen, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"realm-token","expires_in":300}'),
  );
  const state = { storage: 'refuse' as 'refuse' | 'serve' };
  const storage = await listen('storage', '127.0.0.2', seen, (req, res, body) => {
    if (state.storage === 'serve')
      return void storageAuthorization().then((authorization) => relay(upstream, req, res, body, authorization));
    res
      .writeHead(401, { 'www-authenticate': `Bearer realm="${realm.origin}/token",service="storage"` })
      .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  const front = await listen('front', '127.0.0.1', seen, (req, res, body) => {
    if (req.method === 'GET' && /\/blobs\/sha256:[0-9a-f]{64}$/.test(req.url ?? ''))
      return void res.writeHead(307, { location: `${storage.origin}${req.url}` }).end();
    relay(upstream, req, res, body);
  });
  const servers = [front, storage, realm];
  return {
    host: front.origin.slice('http://'.length),
    storageOrigin: storage.origin,
    realmOrigin: realm.origin,
    seen,
    get storage() {
      return state.storage;
    },
    set storage(mode) {
      state.storage = mode;
    },
    close() {
      for (const s of servers) {
        s.server.closeAllConnections();
        s.server.close();
      }
    },
  };
}
