// What a remembered auth scheme may hold: the scheme and where tokens come from, nothing else, and junk is no memory.
import { describe, expect, it } from 'vitest';
import { readRememberedChallenge } from '../../../src/registry/challenge-cache.js';

describe('remembered auth scheme', () => {
  it('reads Basic and Bearer (realm over http/https) and drops per-request fields', () => {
    expect(readRememberedChallenge({ scheme: 'basic', realm: 'Registry' })).toEqual({
      scheme: 'basic',
      realm: 'Registry',
    });
    expect(
      readRememberedChallenge({
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
    { scheme: 'bearer', realm: 'file:///etc/passwd' },
  ])('treats %j as not remembered', (value) => {
    expect(readRememberedChallenge(value)).toBeUndefined();
  });
});
