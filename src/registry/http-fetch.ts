// The registry's fetch port over node:http/https (Node 20's fetch loads undici, ~25 ms): redirects dropping Authorization
// across origins, an abort signal, identity encoding and the Response members http.ts and client.ts read, as fetch does;
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY honoured (proxy.ts), the proxy's connections loaded only when one applies.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchInit, FetchPort, FetchResponse } from './http.js';
import { proxyConfigured, proxyFor, proxyAuthorization, readProxySettings, type ProxySettings } from './proxy.js';

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

type ProxyAgents = typeof import('./proxy-agent.js');

function exchange(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: string | undefined,
  signal: AbortSignal | undefined,
  proxy: { readonly url: URL; readonly agents: ProxyAgents } | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const onAnswer = (message: IncomingMessage) => {
      // An answer nobody reads (an error status, a HEAD) must not keep the process alive, as with fetch: the socket is
      // unref'd once the headers are in; reading the body holds the process open by a timer instead (see hold).
      message.socket?.unref();
      if (method === 'HEAD') message.resume();
      resolve(message);
    };
    const options = { method, headers, ...(signal ? { signal } : {}) };
    let req;
    if (!proxy) {
      const { request, agent } = transportFor(url.protocol);
      req = request(url, { ...options, agent }, onAnswer);
    } else if (url.protocol === 'http:') {
      // Plain http through a proxy: the request goes to the proxy, naming the absolute URI (RFC 9112 absolute-form).
      const authorization = proxyAuthorization(proxy.url);
      req = httpRequest(
        {
          ...options,
          host: proxy.url.hostname,
          port: proxy.url.port || 80,
          path: url.href,
          headers: { ...headers, host: url.host, ...(authorization ? { 'proxy-authorization': authorization } : {}) },
          agent: proxy.agents.proxyHttpAgent(),
        },
        onAnswer,
      );
    } else {
      const https = process.getBuiltinModule('node:https');
      req = https.request(url, { ...options, agent: proxy.agents.tunnelAgent(proxy.url) }, onAnswer);
    }
    // As fetch does: an abort rejects with the signal's reason (a TimeoutError for AbortSignal.timeout), anything else
    // with a TypeError whose cause carries the system error code (ECONNREFUSED, ...; EPROXY for the proxy's own).
    req.on('error', (error: NodeJS.ErrnoException) => {
      const cause =
        proxy && error.code !== 'EPROXY' && error.code !== undefined && !url.protocol.startsWith('https')
          ? proxy.agents.proxyError(proxy.url, `is unreachable (${error.code})`)
          : error;
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause }));
    });
    req.end(body);
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

function responseOf(message: IncomingMessage, url: URL, signal: AbortSignal | undefined): FetchResponse {
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
    url: url.href,
    headers: {
      get(name: string) {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    /** A web stream only when asked for (blob downloads, cancel): most answers are read whole. */
    get body() {
      if (!web) {
        // Held only while bytes are still on their way: a complete answer reads from memory. A proxy that closes the
        // connection after each answer (tinyproxy) leaves a cancelled message that never emits 'close'.
        if (!message.closed && !message.complete && !message.socket?.destroyed) {
          const release = hold();
          for (const event of ['close', 'end', 'error']) message.once(event, release);
          message.socket?.once('close', release);
        }
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

/**
 * fetch(url, { method, headers, body, redirect, signal }), following redirects like fetch's default "follow". Stricter
 * than fetch in one way: a request with a body (a token request's refresh token) never follows a redirect to another
 * origin; the redirect is answered as it is. Proxies come from `env` (read on the first request).
 */
export function createHttpFetch({ env }: { env: Readonly<Record<string, string | undefined>> }): FetchPort {
  let settings: ProxySettings | undefined | null = null;
  let agents: Promise<ProxyAgents> | undefined;
  const proxyOf = async (url: URL) => {
    settings ??= proxyConfigured(env) ? readProxySettings(env) : undefined;
    const proxy = settings && proxyFor(url, settings);
    return proxy ? { url: proxy, agents: await (agents ??= import('./proxy-agent.js')) } : undefined;
  };
  return (input, init) => fetchVia(proxyOf, input, init);
}

/** The CLI's fetch port, with the process's own proxy variables. */
export const httpFetch: FetchPort = createHttpFetch({ env: process.env });

async function fetchVia(
  proxyOf: (url: URL) => Promise<Parameters<typeof exchange>[5]>,
  input: string,
  init: FetchInit = {},
): Promise<FetchResponse> {
  let url = new URL(input);
  let method = init.method ?? 'GET';
  let body = init.body;
  // Node's fetch says "user-agent: node": registries, proxies and the tests' proxy (test/support/warm.ts) see no change.
  let headers: Record<string, string> = {
    'user-agent': 'node',
    ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  for (let hop = 0; ; hop++) {
    const message = await exchange(url, method, headers, body, init.signal, await proxyOf(url));
    const location = message.headers.location;
    const next = location === undefined ? undefined : new URL(location, url);
    const follow =
      REDIRECTS.has(message.statusCode ?? 0) &&
      next !== undefined &&
      init.redirect !== 'manual' &&
      (body === undefined || next.origin === url.origin);
    if (!follow) return responseOf(message, url, init.signal);
    message.resume(); // discard the redirect's body so the socket goes back to the pool
    if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    // Credentials never follow a redirect to another origin (a registry sends blobs to a storage host).
    if (next.origin !== url.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    if (message.statusCode === 303 && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
      const { 'content-length': _length, 'content-type': _type, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}
