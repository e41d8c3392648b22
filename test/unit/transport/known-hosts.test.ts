// known_hosts checks on files OpenSSH itself wrote (plain and ssh-keygen -H hashed), with the testbed's real host key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprintOf,
  hostMatches,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ssh/${name}`, import.meta.url), 'utf8');
const hostKey = Buffer.from(fixture('testbed-host-ed25519.pub').split(' ')[1]!, 'base64');
const otherKey = Buffer.from(hostKey.toString('base64').replace(/^(.{40})./, '$1A'), 'base64');

describe('known_hosts', () => {
  it('computes the fingerprint ssh-keygen prints', () => {
    expect(fingerprintOf(hostKey)).toBe(fixture('testbed-host-ed25519.fingerprint').split(' ')[1]);
    expect(keyTypeOf(hostKey)).toBe('ssh-ed25519');
  });

  it('names hosts as OpenSSH does: bare on port 22, [host]:port otherwise', () => {
    expect(knownHostsName('login.example.org', 22)).toBe('login.example.org');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it.each(['known_hosts.plain', 'known_hosts.hashed'])(
    '%s: knows the host on its port, under each listed name',
    (file) => {
      const entries = parseKnownHosts(fixture(file));
      expect(checkHostKey(entries, '[127.0.0.1]:2222', hostKey)).toEqual({ kind: 'known' });
      expect(checkHostKey(entries, 'login.example.org', hostKey)).toEqual({ kind: 'known' });
      expect(checkHostKey(entries, '10.0.0.5', hostKey)).toEqual({ kind: 'known' });
      // Port 22 of the same address is another host for OpenSSH.
      expect(checkHostKey(entries, '127.0.0.1', hostKey)).toEqual({ kind: 'unknown' });
      expect(checkHostKey(entries, '[127.0.0.1]:2223', hostKey)).toEqual({ kind: 'unknown' });
    },
  );

  it.each(['known_hosts.plain', 'known_hosts.hashed'])('%s: another key for a listed host is a changed key', (file) => {
    expect(checkHostKey(parseKnownHosts(fixture(file)), '[127.0.0.1]:2222', otherKey)).toEqual({
      kind: 'changed',
      knownTypes: ['ssh-ed25519'],
    });
  });

  it('honours wildcards, negation, comments and @revoked', () => {
    const b64 = hostKey.toString('base64');
    const entries = parseKnownHosts(
      `# comment\n*.example.org,!bad.example.org ssh-ed25519 ${b64}\n@revoked * ssh-ed25519 ${otherKey.toString('base64')}\n`,
    );
    expect(hostMatches('*.example.org,!bad.example.org', 'login.example.org')).toBe(true);
    expect(checkHostKey(entries, 'login.example.org', hostKey)).toEqual({ kind: 'known' });
    expect(checkHostKey(entries, 'bad.example.org', hostKey)).toEqual({ kind: 'unknown' });
    expect(checkHostKey(entries, 'login.example.org', otherKey)).toEqual({ kind: 'revoked' });
  });

  it('offers the known key types first and writes the line --accept-new-host-key appends', () => {
    expect(knownKeyTypes(parseKnownHosts(fixture('known_hosts.hashed')), '[127.0.0.1]:2222')).toEqual(['ssh-ed25519']);
    expect(knownHostsLine('[127.0.0.1]:2222', hostKey)).toBe(fixture('known_hosts.plain').split('\n')[0] + '\n');
  });
});
