// Which proxy, if any, a registry request goes through: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower case), read as
// curl reads them (curl's CURLOPT_NOPROXY and noproxy.c). Pure: the environment is passed in.
import { ConfigError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ProxySettings {
  readonly http: URL | undefined;
  readonly https: URL | undefined;
  readonly noProxy: string;
}

/** The names, lower case first as curl prefers them; http_proxy in upper case too (curl skips it, Go and Apptainer read it). */
const NAMES = {
  http: ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'],
  https: ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'],
  noProxy: ['no_proxy', 'NO_PROXY'],
} as const;

/** True when any proxy variable is set: only then is anything about proxies loaded. */
export const proxyConfigured = (env: Env) =>
  [...NAMES.http, ...NAMES.https].some((name) => (env[name] ?? '').trim() !== '');

const first = (env: Env, names: readonly string[]) =>
  names.map((n) => env[n]?.trim()).find((v): v is string => v !== undefined && v !== '');

/** A proxy URL as curl takes it (no scheme means http://); only plain-http proxies are spoken to. */
export function parseProxyUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ConfigError(`${variable} is not a proxy URL`, { hint: 'write it as http://[user:password@]host:port' });
  }
  if (url.protocol !== 'http:') {
    throw new ConfigError(
      `${variable} names a ${url.protocol.slice(0, -1)} proxy; only http:// proxies are supported`,
      {
        hint: 'https registries are still reached through an http:// proxy (CONNECT tunnel); write http://host:port',
      },
    );
  }
  return url;
}

export function readProxySettings(env: Env): ProxySettings {
  const named = (names: readonly string[]) => {
    const name = names.find((n) => (env[n] ?? '').trim() !== '');
    return name === undefined ? undefined : parseProxyUrl(first(env, [name])!, name);
  };
  return { http: named(NAMES.http), https: named(NAMES.https), noProxy: first(env, NAMES.noProxy) ?? '' };
}

/** The proxy for `url`, or undefined when none is set for its scheme or NO_PROXY matches it. */
export function proxyFor(url: URL, settings: ProxySettings): URL | undefined {
  const proxy = url.protocol === 'https:' ? settings.https : settings.http;
  if (!proxy) return undefined;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return bypassesProxy(url.hostname, port, settings.noProxy) ? undefined : proxy;
}

/**
 * NO_PROXY as curl matches it: comma (or space) separated; `*` alone bypasses every host; a name matches itself and
 * its subdomains, a leading dot ignored (`example.com` and `.example.com` both match www.example.com, not
 * notexample.com); IP addresses match exactly or by CIDR (`10.0.0.0/8`), IPv6 without brackets. One addition curl
 * lacks (Go and Node have it): `host:port` matches that port only. Loopback is not bypassed unless listed (curl does not
 * either): a registry on 127.0.0.1 goes through the proxy unless NO_PROXY says `127.0.0.1` or `localhost`.
 */
export function bypassesProxy(hostname: string, port: string, noProxy: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const entries = noProxy
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return true;
  const hostIp = parseIp(host);
  for (const raw of entries) {
    let entry = raw;
    let entryPort: string | undefined;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort) [entry, entryPort] = [withPort[1]!, withPort[2]];
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, '');
    const [address, bits] = entry.split('/');
    const entryIp = parseIp(address!);
    if (entryIp || bits !== undefined) {
      if (hostIp && entryIp && cidrMatch(hostIp, entryIp, bits)) return true;
      continue;
    }
    const name = entry.replace(/^\./, '').replace(/\.$/, '');
    if (name !== '' && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** An IPv4 or IPv6 literal as bytes, or undefined. */
function parseIp(text: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? bytes : undefined;
  }
  if (!text.includes(':') || !/^[0-9a-f:.]+$/.test(text)) return undefined;
  const [head, tail] = text.split('::');
  if (text.split('::').length > 2) return undefined;
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 0) return undefined;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

function cidrMatch(host: number[], net: number[], bits: string | undefined): boolean {
  if (host.length !== net.length) return false;
  const prefix = bits === undefined ? host.length * 8 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > host.length * 8) return false;
  for (let i = 0; i < prefix; i++) {
    const bit = (b: number[]) => (b[i >> 3]! >> (7 - (i & 7))) & 1;
    if (bit(host) !== bit(net)) return false;
  }
  return true;
}

/** The proxy as it may appear in a message or log: its origin, never the user and password in it. */
export const describeProxy = (proxy: URL) => `${proxy.protocol}//${proxy.host}`;

/** The Proxy-Authorization header for credentials in the proxy URL, or undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}
