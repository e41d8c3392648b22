// What a remembered auth scheme may hold: the scheme and where tokens come from, nothing else, and junk is no memory.
import { describe, expect, it } from 'vitest';
import { readRememberedChallenge, rememberedForm } from '../../../src/registry/challenge-cache.js';

describe('remembered auth scheme', () => {
  it('reads Basic and Bearer (realm over http/https) and drops per-request fields', () => {
    expect(readRememberedChallenge({ version: 2, scheme: 'basic', realm: 'Registry' })).toEqual({
      scheme: 'basic',
      realm: 'Registry',
    });
    expect(
      readRememberedChallenge({
        version: 2,
        scheme: 'bearer',
        realm: 'https://nvcr.io/proxy_auth',
        service: 'ngc',
        scope: 'x',
        error: 'invalid_token',
      }),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://nvcr.io/proxy_auth',
      service: 'ngc',
      scope: undefined,
      error: undefined,
    });
  });

  it.each([
    undefined,
    null,
    'basic',
    {},
    { scheme: 'digest' },
    { scheme: 'bearer' },
    { version: 2, scheme: 'bearer', realm: 'file:///etc/passwd' },
    // Written before version 2, when a redirect target's realm could be remembered: not trusted.
    { scheme: 'basic' },
    { scheme: 'bearer', realm: 'https://nvcr.io/proxy_auth' },
    { version: 1, scheme: 'bearer', realm: 'https://nvcr.io/proxy_auth' },
  ])('treats %j as not remembered', (value) => {
    expect(readRememberedChallenge(value)).toBeUndefined();
  });

  it('refuses a remembered plain-http realm for an https registry, and keeps it for an http one', () => {
    const http = { version: 2, scheme: 'bearer', realm: 'http://auth.example/token' };
    expect(readRememberedChallenge(http, 'https')).toBeUndefined();
    expect(readRememberedChallenge(http, 'http')).toMatchObject({ realm: 'http://auth.example/token' });
    // Another host over https is how nvcr.io works (authn.nvidia.com).
    const other = { version: 2, scheme: 'bearer', realm: 'https://authn.nvidia.com/token' };
    expect(readRememberedChallenge(other, 'https')).toMatchObject({ realm: 'https://authn.nvidia.com/token' });
  });

  it('writes what it reads back, stamped with its version', () => {
    for (const c of [
      { scheme: 'basic' as const, realm: 'r' },
      { scheme: 'bearer' as const, realm: 'https://a/t', service: 's', scope: undefined, error: undefined },
    ])
      expect(readRememberedChallenge(JSON.parse(JSON.stringify(rememberedForm(c))), 'https')).toEqual(c);
  });
});
