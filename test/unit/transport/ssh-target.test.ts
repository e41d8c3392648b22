// --host resolution: user@host:port, config host profiles and ~/.ssh/config aliases, as OpenSSH would combine them.
import { describe, expect, it } from 'vitest';
import { loadSshConfig } from '../../../src/transport/ssh-config-load.js';
import { lookupSshConfig } from '../../../src/transport/ssh-config-lookup.js';
import { memoryFiles } from '../../support/memory-files.js';
import { resolveSshTarget, validateHostProfiles, type HostProfile } from '../../../src/transport/ssh-target.js';

const SSH_CONFIG = `
# a typical laptop config
Host quest
    HostName login.quest.northwestern.edu
    User abc123
    IdentityFile ~/.ssh/quest_ed25519
Host quest-*
    HostName %h.example.org
    ProxyJump bastion
Host bastion
    HostName=bastion.example.org
    Port 2200
    IdentityFile "~/.ssh/id bastion"
Match host foo
    User ignored
Host *
    User fallback
    ServerAliveInterval 15
    IdentityFile ~/.ssh/id_rsa
`;

const sshConfig = await loadSshConfig(memoryFiles({ '/home/me/.ssh/config': SSH_CONFIG }), { home: '/home/me' });

const env = (profiles: Record<string, HostProfile> = {}, agentSocket: string | undefined = '/tmp/agent.sock') => ({
  home: '/home/me',
  localUser: 'me',
  agentSocket,
  profiles,
  sshConfig,
});

describe('ssh_config', () => {
  it('takes the first value per key and accumulates IdentityFile, skipping Match blocks that do not apply', () => {
    expect(lookupSshConfig(sshConfig, { alias: 'quest', localUser: 'me' })).toEqual({
      hostname: 'login.quest.northwestern.edu',
      user: 'abc123',
      identityfile: ['~/.ssh/quest_ed25519', '~/.ssh/id_rsa'],
      serveraliveinterval: '15',
    });
  });
});

describe('resolveSshTarget', () => {
  it('resolves an alias with its keys, the agent and keepalive', () => {
    const result = resolveSshTarget('quest', env());
    expect(result).toEqual({
      target: expect.objectContaining({
        host: 'login.quest.northwestern.edu',
        port: 22,
        user: 'abc123',
        identityFiles: ['/home/me/.ssh/quest_ed25519', '/home/me/.ssh/id_rsa'],
        defaultIdentities: false,
        agent: '/tmp/agent.sock',
        jump: undefined,
        connectTimeoutMs: 10_000,
        keepaliveMs: 15_000,
        knownHostsFiles: ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2', '/etc/ssh/ssh_known_hosts'],
      }),
    });
  });

  it('lets user@host:port override the alias, and falls back to OpenSSH defaults for unknown names', () => {
    expect(resolveSshTarget('other@quest:2022', env())).toMatchObject({
      target: { host: 'login.quest.northwestern.edu', user: 'other', port: 2022 },
    });
    expect(resolveSshTarget('[::1]:2222', { ...env(), sshConfig: [] })).toMatchObject({
      target: {
        host: '::1',
        port: 2222,
        user: 'me',
        defaultIdentities: true,
        identityFiles: ['/home/me/.ssh/id_ed25519', '/home/me/.ssh/id_ecdsa', '/home/me/.ssh/id_rsa'],
      },
    });
  });

  it('follows one ProxyJump hop, resolving the bastion alias too', () => {
    const result = resolveSshTarget('quest-gpu', env());
    expect(result).toMatchObject({
      target: {
        host: 'quest-gpu.example.org',
        jump: {
          host: 'bastion.example.org',
          port: 2200,
          user: 'fallback',
          identityFiles: ['/home/me/.ssh/id bastion', '/home/me/.ssh/id_rsa'],
        },
      },
    });
  });

  it('prefers a config host profile over ~/.ssh/config, and can turn the agent off', () => {
    const result = resolveSshTarget(
      'quest',
      env({ quest: { port: 2222, agent: false, identityFiles: ['/keys/a'], connectTimeoutSeconds: 3 } }),
    );
    expect(result).toMatchObject({
      target: {
        host: 'login.quest.northwestern.edu',
        port: 2222,
        agent: undefined,
        identityFiles: ['/keys/a'],
        connectTimeoutMs: 3000,
      },
    });
  });

  it.each([
    ['-oProxyCommand=touch /tmp/x', /malformed host/],
    ['a b', /malformed host/],
    ['host:99999', /bad port/],
  ])('refuses %j', (arg, error) => {
    expect(resolveSshTarget(arg, env())).toEqual({ error: expect.stringMatching(error) });
  });

  it('lets a Match exec block pass when a host profile or host:port already gives what it would set', async () => {
    const files = await loadSshConfig(
      memoryFiles({ '/home/me/.ssh/config': 'Match exec "on-vpn"\n  Port 2200\n  IdentityFile ~/.ssh/vpn\n' }),
      { home: '/home/me' },
    );
    const withFiles = (profiles: Record<string, HostProfile>) => ({ ...env(profiles), sshConfig: files });
    expect(() => resolveSshTarget('quest', withFiles({}))).toThrow('would set port for quest');
    expect(() => resolveSshTarget('quest:22', withFiles({}))).toThrow('would set identityfile for quest');
    expect(resolveSshTarget('quest:22', withFiles({ quest: { identityFiles: ['/keys/a'] } }))).toMatchObject({
      target: { port: 22, identityFiles: ['/keys/a'] },
    });
  });

  it('refuses more than one hop', () => {
    expect(resolveSshTarget('x', env({ x: { proxyJump: 'a,b' } }))).toEqual({
      error: expect.stringContaining('one bastion is supported'),
    });
  });
});

describe('validateHostProfiles', () => {
  it('reports every problem at once', () => {
    const { errors, profiles } = validateHostProfiles(
      { ok: { hostname: 'h', port: 22 }, bad: { port: '22', colour: 'red' }, worse: 3 },
      'config.json',
    );
    expect(Object.keys(profiles)).toEqual(['ok']);
    expect(errors).toEqual([
      'config.json: hosts.bad.port has the wrong type',
      expect.stringContaining('config.json: hosts.bad: unknown key "colour"'),
      'config.json: hosts.worse must be an object',
    ]);
  });

  it('accepts "sshClient" only as openssh or ssh2', () => {
    const { errors, profiles } = validateHostProfiles(
      { quest: { sshClient: 'openssh' }, other: { sshClient: 'putty' } },
      'config.json',
    );
    expect(profiles).toEqual({ quest: { sshClient: 'openssh' } });
    expect(errors).toEqual(['config.json: hosts.other.sshClient must be "openssh" or "ssh2"']);
  });
});
