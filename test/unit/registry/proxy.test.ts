// Which requests go through a proxy: the variables as curl reads them, NO_PROXY as curl matches it (plus host:port),
// and proxy credentials that never appear where the proxy is named.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import {
  bypassesProxy,
  describeProxy,
  proxyAuthorization,
  proxyConfigured,
  proxyFor,
  readProxySettings,
} from '../../../src/registry/proxy.js';

describe('proxy variables', () => {
  it('nothing is configured without a proxy variable (NO_PROXY alone is not one)', () => {
    expect(proxyConfigured({ NO_PROXY: '*', PATH: '/bin' })).toBe(false);
    expect(proxyConfigured({ https_proxy: ' ' })).toBe(false);
    expect(proxyConfigured({ HTTPS_PROXY: 'http://p:3128' })).toBe(true);
  });

  it('lower case first, as curl; ALL_PROXY last; no scheme means http://', () => {
    const s = readProxySettings({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'lower:2', ALL_PROXY: 'http://all:3' });
    expect([s.https?.href, s.http?.href]).toEqual(['http://lower:2/', 'http://all:3/']);
  });

  it('refuses proxies it cannot speak to (78), without echoing credentials', () => {
    for (const value of ['socks5://u:secret@p:1080', 'https://u:secret@p:3128']) {
      let error: (Error & { exitCode: number; hint?: string }) | undefined;
      try {
        readProxySettings({ HTTPS_PROXY: value });
      } catch (e) {
        error = e as typeof error;
      }
      expect(error?.exitCode).toBe(ExitCode.config);
      expect(`${error?.message} ${error?.hint}`).not.toContain('secret');
    }
  });

  it('picks the proxy by the request scheme and honours NO_PROXY', () => {
    const s = readProxySettings({ HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://q:2', NO_PROXY: 'nvcr.io' });
    expect(proxyFor(new URL('http://registry.example/v2/'), s)?.host).toBe('p:1');
    expect(proxyFor(new URL('https://registry.example/v2/'), s)?.host).toBe('q:2');
    expect(proxyFor(new URL('https://nvcr.io/v2/'), s)).toBeUndefined();
    // Loopback is not bypassed unless listed: curl does not either.
    expect(proxyFor(new URL('http://127.0.0.1:5000/v2/'), s)?.host).toBe('p:1');
  });

  it('names a proxy by its origin only; its credentials go in Proxy-Authorization', () => {
    const proxy = new URL('http://us%40er:p%3Ass@proxy.example:3128');
    expect(describeProxy(proxy)).toBe('http://proxy.example:3128');
    expect(proxyAuthorization(proxy)).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(proxyAuthorization(new URL('http://proxy.example:3128'))).toBeUndefined();
  });
});

describe('NO_PROXY matching (curl rules)', () => {
  it.each([
    ['*', 'anything.example', '443', true],
    ['example.com', 'example.com', '443', true],
    ['example.com', 'www.example.com', '443', true],
    ['.example.com', 'www.example.com', '443', true],
    ['.example.com', 'example.com', '443', true],
    ['example.com', 'notexample.com', '443', false],
    ['example.com', 'example.com.org', '443', false],
    ['a.example, b.example', 'b.example', '443', true],
    ['a.example b.example', 'b.example', '443', true],
    ['EXAMPLE.com', 'www.example.COM', '443', true],
    ['example.com:5000', 'example.com', '5000', true], // host:port: that port only (Go and Node do this; curl does not)
    ['example.com:5000', 'example.com', '443', false],
    ['127.0.0.1', '127.0.0.1', '5000', true],
    ['127.0.0.1', '127.0.0.2', '5000', false],
    ['127.0.0.0/8', '127.0.0.5', '5005', true],
    ['10.0.0.0/8', '127.0.0.5', '5005', false],
    ['::1', '[::1]', '5000', true],
    ['[::1]:5000', '[::1]', '5000', true],
    ['fd00::/8', '[fd12::1]', '443', true],
    ['localhost', '127.0.0.1', '5000', false], // no name resolution: loopback only when listed as written
    ['', 'example.com', '443', false],
    ['*,example.org', 'example.com', '443', false], // "*" counts only alone
  ])('NO_PROXY=%j, host %s:%s → bypass %s', (noProxy, host, port, bypass) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(bypass);
  });
});
