// Our ssh_config lookup against OpenSSH's own: the same files on disk, read by sshConfigFiles and by the real `ssh -G`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sshConfigFiles } from '../../src/transport/ssh-config-files.js';
import { loadSshConfig } from '../../src/transport/ssh-config-load.js';
import { lookupSshConfig } from '../../src/transport/ssh-config-lookup.js';
import { removeTempDirs, tempDir } from '../support/ssh.js';

afterAll(removeTempDirs);

/** A home holding ~/.ssh/config (IdentityFile paths absolute: ssh expands ~ from the passwd entry, not $HOME). */
const CONFIG: Record<string, string> = {
  '.ssh/config': [
    'Include config.d/*',
    // Match user sees -l (as our user@ or a host profile's user); without it, the local user.
    'Match originalhost QUEST-GPU,lab user abc123',
    '  Port 2200',
    'Host quest quest-*',
    '  Include quest.d/*.conf',
    // Against the HostName obtained so far (set in the included file above), not the name typed.
    'Match host *.cluster.example.org !originalhost direct',
    '  ProxyJump bastion',
    'Match exec "exit 0" host never.example',
    '  User never',
    'Host *',
    '  ServerAliveInterval 30',
    '  IdentityFile /keys/default',
  ].join('\n'),
  '.ssh/quest.d/10-login.conf': 'HostName login.cluster.example.org\nUser abc123\nHost quest-gpu\n  User gpu-user\n',
  '.ssh/quest.d/20-keys.conf': 'IdentityFile /keys/quest\nPort 2022\n',
  '.ssh/quest.d/notes.txt': 'User not-a-conf-file\n',
  '.ssh/config.d/10-direct': 'Host direct lab\n  HostName %h.cluster.example.org\n  ConnectTimeout 4\n',
  '.ssh/config.d/20-lab': 'Host lab\n  User labuser\nMatch host lab.*\n  Port 2300\n',
  '.ssh/config.d/.hidden': 'Host *\n  User hidden\n',
};

function home(): string {
  const dir = tempDir('sshg');
  for (const [path, text] of Object.entries(CONFIG)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${text}\n`);
  }
  return dir;
}

const KEYS = ['hostname', 'user', 'port', 'proxyjump', 'connecttimeout', 'serveraliveinterval', 'identityfile'];

/** `ssh -G` for -F file: only the user file is read, as with systemFile missing below. */
function openssh(dir: string, alias: string, user: string | undefined): Record<string, string | string[]> {
  const out = execFileSync('ssh', ['-G', '-F', join(dir, '.ssh/config'), ...(user ? ['-l', user] : []), alias], {
    env: { HOME: dir, PATH: process.env.PATH },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: Record<string, string | string[]> = {};
  for (const line of out.split('\n')) {
    const [key, ...rest] = line.split(' ');
    if (!KEYS.includes(key!)) continue;
    if (key === 'identityfile') seen[key] = [...((seen[key] as string[] | undefined) ?? []), rest.join(' ')];
    else seen[key!] = rest.join(' ');
  }
  return seen;
}

/** Ours, with OpenSSH's defaults filled in where nothing was obtained, so the two print alike. */
async function ours(dir: string, alias: string, user: string | undefined): Promise<Record<string, string | string[]>> {
  const files = await loadSshConfig(sshConfigFiles, { home: dir, systemFile: join(dir, 'no-system-file') });
  const localUser = userInfo().username;
  const found = lookupSshConfig(files, { alias, localUser, preset: { user } });
  const result: Record<string, string | string[]> = {
    hostname: (found.hostname?.replace(/%h/g, alias) ?? alias).toLowerCase(),
    user: user ?? found.user ?? localUser,
    port: found.port ?? '22',
    connecttimeout: found.connecttimeout ?? 'none',
    serveraliveinterval: found.serveraliveinterval ?? '0',
  };
  if (found.proxyjump) result.proxyjump = found.proxyjump;
  if (found.identityfile) result.identityfile = [...found.identityfile];
  return result;
}

describe('ssh_config lookup agrees with OpenSSH (ssh -G)', () => {
  const dir = home();
  it.each([
    ['quest', undefined],
    ['quest-gpu', undefined],
    ['quest-gpu', 'abc123'],
    ['direct', undefined],
    ['lab', undefined],
    ['lab', 'abc123'],
    ['elsewhere', undefined],
  ])('%s (user %s)', async (alias, user) => {
    const expected = openssh(dir, alias, user);
    expect(expected.hostname).toBeDefined();
    expect(await ours(dir, alias, user)).toEqual(expected);
  });
});
