// The connections a proxied registry request uses, loaded only when a proxy variable applies: plain http goes to the
// proxy with the absolute URI; https goes through a CONNECT tunnel, with TLS to the registry end to end.
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { describeProxy, proxyAuthorization } from './proxy.js';

/** A connection error that names the proxy (never its credentials), so "unreachable" does not blame the registry. */
export function proxyError(proxy: URL, what: string): Error {
  return Object.assign(new Error(`proxy ${describeProxy(proxy)} ${what}`), { code: 'EPROXY' });
}

/**
 * Connections to a proxy for plain-http registries (requests carry the absolute URI): one per request. Proxies close
 * idle client connections at will (tinyproxy after every answer), and a request sent on one that is closing hangs or
 * fails; a CONNECT tunnel (below) is a plain pipe, kept alive like a direct connection.
 */
let httpAgent: HttpAgent | undefined;
export const proxyHttpAgent = (): HttpAgent => (httpAgent ??= new HttpAgent({ keepAlive: false }));

const tunnelAgents = new Map<string, unknown>();
/** An https agent whose connections are CONNECT tunnels through `proxy`; TLS (and its certificate check) is end to end. */
export function tunnelAgent(proxy: URL) {
  const https = process.getBuiltinModule('node:https');
  const tls = process.getBuiltinModule('node:tls');
  const known = tunnelAgents.get(proxy.href) as InstanceType<typeof https.Agent> | undefined;
  if (known) return known;
  const authorization = proxyAuthorization(proxy);
  class TunnelAgent extends https.Agent {
    // Node's Agent takes an asynchronous createConnection through its callback.
    override createConnection(
      options: RequestOptions,
      callback?: (error: Error | null, stream: Duplex) => void,
    ): undefined {
      const done = callback!;
      const target = `${options.host}:${options.port ?? 443}`;
      const connect = httpRequest({
        host: proxy.hostname,
        port: proxy.port || 80,
        method: 'CONNECT',
        path: target,
        headers: { host: target, ...(authorization ? { 'proxy-authorization': authorization } : {}) },
        agent: false,
      });
      connect.once('connect', (answer, socket) => {
        if (answer.statusCode !== 200) {
          socket.destroy();
          done(proxyError(proxy, `refused to tunnel to ${target} (HTTP ${answer.statusCode})`), socket);
          return;
        }
        // options carry the servername the https agent worked out (none for an IP address), and the CA settings.
        done(null, tls.connect({ ...(options as object), socket }));
      });
      connect.once('error', (error: NodeJS.ErrnoException) =>
        done(proxyError(proxy, `is unreachable (${error.code ?? error.message})`), connect.socket as Duplex),
      );
      connect.end();
      return undefined;
    }
  }
  const agent = new TunnelAgent({ keepAlive: true });
  tunnelAgents.set(proxy.href, agent);
  return agent;
}
