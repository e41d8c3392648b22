// The registry's fetch port over node:http/https (Node 20's fetch loads undici, ~25 ms): redirects dropping Authorization
// across origins, an abort signal, identity encoding and the Response members http.ts and client.ts read, as fetch does.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchInit, FetchPort, FetchResponse } from './http.js';

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Keep-alive agents (idle sockets are unref'd by Node, so they never hold the process open); https is loaded only when used. */
const agents: { http?: HttpAgent; https?: HttpAgent } = {};
function transportFor(protocol: string) {
  if (protocol === 'http:')
    return { request: httpRequest, agent: (agents.http ??= new HttpAgent({ keepAlive: true })) };
  if (protocol !== 'https:') throw new TypeError(`fetch failed: unsupported protocol ${protocol}`);
  const https = process.getBuiltinModule('node:https');
  return { request: https.request, agent: (agents.https ??= new https.Agent({ keepAlive: true })) };
}

function exchange(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const { request, agent } = transportFor(url.protocol);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent, ...(signal ? { signal } : {}) }, (message) => {
      // An answer nobody reads (an error status, a HEAD) must not keep the process alive, as with fetch: the socket is
      // unref'd once the headers are in; reading the body holds the process open by a timer instead (see hold).
      message.socket?.unref();
      if (method === 'HEAD') message.resume();
      resolve(message);
    });
    // As fetch does: an abort rejects with the signal's reason (a TimeoutError for AbortSignal.timeout), anything else
    // with a TypeError whose cause carries the system error code (ECONNREFUSED, ...).
    req.on('error', (error) =>
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })),
    );
    req.end();
    req.once('finish', loadCryptoWhileWaiting);
  });
}

/**
 * Registry answers are digest-checked with node:crypto (client.ts), ~2-3 ms to load: loaded once the first request is
 * on the wire, while the registry answers, rather than before it is sent or after the answer is in.
 */
let cryptoLoading = false;
function loadCryptoWhileWaiting() {
  if (cryptoLoading) return;
  cryptoLoading = true;
  setImmediate(() => process.getBuiltinModule('node:crypto'));
}

/** Keeps the event loop alive while a body is being read (its socket is unref'd); call the result to let go. */
function hold(): () => void {
  const timer = setInterval(() => {}, 1 << 30);
  return () => clearInterval(timer);
}

function responseOf(message: IncomingMessage, signal: AbortSignal | undefined): FetchResponse {
  let web: ReadableStream<Uint8Array> | undefined;
  const bytes = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    const release = hold();
    try {
      for await (const chunk of message) chunks.push(chunk as Buffer);
    } catch (error) {
      throw signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error });
    } finally {
      release();
    }
    return Buffer.concat(chunks);
  };
  const status = message.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string) {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    /** A web stream only when asked for (blob downloads, cancel): most answers are read whole. */
    get body() {
      if (!web) {
        // Held until the answer closes; one already closed (a HEAD's, drained on arrival) holds nothing.
        if (!message.closed) message.once('close', hold());
        web = Readable.toWeb(message) as unknown as ReadableStream<Uint8Array>;
      }
      return web;
    },
    arrayBuffer: async () => {
      const b = await bytes();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    text: async () => (await bytes()).toString('utf8'),
    json: async () => JSON.parse((await bytes()).toString('utf8')) as unknown,
  };
}

/** fetch(url, { method, headers, signal }) for GET and HEAD, following redirects like fetch's default "follow". */
export const httpFetch: FetchPort = async (input: string, init: FetchInit = {}) => {
  let url = new URL(input);
  let method = init.method ?? 'GET';
  // Node's fetch says "user-agent: node": registries, proxies and the tests' proxy (test/support/warm.ts) see no change.
  let headers: Record<string, string> = {
    'user-agent': 'node',
    ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  for (let hop = 0; ; hop++) {
    const message = await exchange(url, method, headers, init.signal);
    const location = message.headers.location;
    if (!REDIRECTS.has(message.statusCode ?? 0) || location === undefined) return responseOf(message, init.signal);
    message.resume(); // discard the redirect's body so the socket goes back to the pool
    if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    const next = new URL(location, url);
    // Credentials never follow a redirect to another origin (a registry sends blobs to a storage host).
    if (next.origin !== url.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    if (message.statusCode === 303 && method !== 'HEAD') method = 'GET';
    url = next;
  }
};
