// ssh_config as OpenSSH reads it: Include (globs, order, depth, conditional), the system file, Match criteria evaluated or refused.
import { describe, expect, it } from 'vitest';
import { loadSshConfig, MAX_INCLUDE_DEPTH } from '../../../src/transport/ssh-config-load.js';
import { lookupSshConfig } from '../../../src/transport/ssh-config-lookup.js';
import { memoryFiles } from '../../support/memory-files.js';

const HOME = '/home/me';
const load = (files: Record<string, string>) => loadSshConfig(memoryFiles(files), { home: HOME });
const lookup = async (files: Record<string, string>, alias: string, extra: { user?: string } = {}) => {
  const notes: string[] = [];
  const options = lookupSshConfig(await load(files), {
    alias,
    localUser: 'me',
    preset: { user: extra.user },
    note: (n) => notes.push(n),
  });
  return { options, notes };
};

describe('Include', () => {
  it('reads a glob in lexical order, relative to ~/.ssh, first value winning across files; hidden files and directories are skipped', async () => {
    const io = memoryFiles({
      [`${HOME}/.ssh/config`]: 'Include config.d/*\nHost *\n  User fallback\n  IdentityFile ~/.ssh/id_default\n',
      [`${HOME}/.ssh/config.d/20-lab`]: 'Host cluster\n  User labuser\n  Port 2022\n',
      [`${HOME}/.ssh/config.d/10-cluster`]:
        'Host cluster\n  HostName 127.0.0.1\n  Port 2222\n  User hpcuser\n  IdentityFile /keys/cluster\n',
      [`${HOME}/.ssh/config.d/.10-swap`]: 'Host cluster\n  User editor-swap-file\n',
      [`${HOME}/.ssh/config.d/old/99`]: 'Host cluster\n  User in-a-subdirectory\n',
    });
    const files = await loadSshConfig(io, { home: HOME });
    expect(io.reads).toEqual([
      `${HOME}/.ssh/config`,
      `${HOME}/.ssh/config.d/10-cluster`,
      `${HOME}/.ssh/config.d/20-lab`,
      `${HOME}/.ssh/config.d/old`,
      '/etc/ssh/ssh_config',
    ]);
    expect(lookupSshConfig(files, { alias: 'cluster', localUser: 'me' })).toEqual({
      hostname: '127.0.0.1',
      port: '2222',
      user: 'hpcuser',
      identityfile: ['/keys/cluster', '~/.ssh/id_default'],
    });
  });

  it('takes several paths on one line, with ~, absolute paths, nested Includes; a missing file or directory is no error', async () => {
    const { options } = await lookup(
      {
        [`${HOME}/.ssh/config`]: 'Include ~/.ssh/missing /opt/site/ssh.conf nothing.d/* work.conf\n',
        '/opt/site/ssh.conf': 'Host quest\n  Include quest/*.conf\n',
        [`${HOME}/.ssh/quest/a.conf`]: 'HostName login.quest.example.edu\n',
        [`${HOME}/.ssh/quest/b.txt`]: 'HostName not-a-conf-file\n',
        [`${HOME}/.ssh/work.conf`]: 'Host quest\n  HostName second\n  User abc123\n',
      },
      'quest',
    );
    expect(options).toEqual({ hostname: 'login.quest.example.edu', user: 'abc123' });
  });

  it('makes an Include inside a Host block conditional, and restores the block state after the included file', async () => {
    const files = {
      [`${HOME}/.ssh/config`]: 'Host quest\n  Include quest.conf\n  User after-include\nHost *\n  Port 22\n',
      // The included file's own Host line ends its conditional part; the including block applies again after it.
      [`${HOME}/.ssh/quest.conf`]: 'HostName login.quest.example.edu\nHost nomatch\n  User inner\n',
    };
    expect((await lookup(files, 'quest')).options).toEqual({
      hostname: 'login.quest.example.edu',
      user: 'after-include',
      port: '22',
    });
    // For another host the included file is read but nothing in it applies, not even a Host * inside it.
    const other = {
      ...files,
      [`${HOME}/.ssh/quest.conf`]: 'HostName login.quest.example.edu\nHost *\n  User leaked\n',
    };
    expect((await lookup(other, 'bastion')).options).toEqual({ port: '22' });
  });

  it('reads /etc/ssh/ssh_config after the user file, its relative Includes under /etc/ssh', async () => {
    const { options } = await lookup(
      {
        [`${HOME}/.ssh/config`]: 'Host quest\n  User abc123\n',
        '/etc/ssh/ssh_config': 'Include ssh_config.d/*.conf\nHost *\n  User root-default\n  ConnectTimeout 5\n',
        '/etc/ssh/ssh_config.d/site.conf': 'Host quest\n  ServerAliveInterval 60\n  User site-user\n',
      },
      'quest',
    );
    expect(options).toEqual({ user: 'abc123', serveraliveinterval: '60', connecttimeout: '5' });
  });

  it('refuses ~ in a system file Include, and ~user paths', async () => {
    await expect(load({ '/etc/ssh/ssh_config': 'Include ~/x\n' })).rejects.toThrow(
      '/etc/ssh/ssh_config line 1: bad include path ~/x',
    );
    await expect(load({ [`${HOME}/.ssh/config`]: '\nInclude ~bob/x\n' })).rejects.toThrow(
      `${HOME}/.ssh/config line 2: Include ~bob/x: ~user paths are not supported`,
    );
  });

  it(`follows Includes ${MAX_INCLUDE_DEPTH} deep and refuses one more, as OpenSSH does`, async () => {
    const chain = (length: number) =>
      Object.fromEntries(
        Array.from({ length: length + 1 }, (_, i) => [
          i === 0 ? `${HOME}/.ssh/config` : `${HOME}/.ssh/f${i}`,
          i < length ? `Include f${i + 1}\n` : 'Host deep\n  User bottom\n',
        ]),
      );
    expect((await lookup(chain(MAX_INCLUDE_DEPTH), 'deep')).options).toEqual({ user: 'bottom' });
    await expect(load(chain(MAX_INCLUDE_DEPTH + 1))).rejects.toThrow(
      `${HOME}/.ssh/f16 line 1: Includes nested deeper than 16 files`,
    );
  });

  it('refuses a file it cannot read (other than missing) as a configuration error', async () => {
    const io = memoryFiles({ [`${HOME}/.ssh/config`]: 'Include secret.conf\n' });
    const denied = {
      ...io,
      readFile: async (path: string) =>
        path.endsWith('secret.conf') ? Promise.reject(new Error('EACCES: permission denied')) : io.readFile(path),
    };
    await expect(loadSshConfig(denied, { home: HOME })).rejects.toMatchObject({
      exitCode: 78,
      message: `cannot read ${HOME}/.ssh/secret.conf: EACCES: permission denied`,
    });
  });

  it('refuses a loop plainly, even inside a block that does not apply (OpenSSH reads those Includes too)', async () => {
    const files = {
      [`${HOME}/.ssh/config`]: 'Host never\n  Include a.conf\n',
      [`${HOME}/.ssh/a.conf`]: 'Include b.conf\n',
      [`${HOME}/.ssh/b.conf`]: 'Include a.conf\n',
    };
    await expect(load(files)).rejects.toThrow(
      `Include loop: ${HOME}/.ssh/config → ${HOME}/.ssh/a.conf → ${HOME}/.ssh/b.conf → ${HOME}/.ssh/a.conf`,
    );
  });
});

describe('Match', () => {
  it('evaluates all, host (against the HostName obtained so far), originalhost, user, localuser and negation, in file order', async () => {
    const config = [
      'Host quest',
      '  HostName login.quest.example.edu',
      'Match host *.quest.example.edu !originalhost quest-nojump',
      '  ProxyJump bastion',
      'Match originalhost QUEST,other user abc123',
      '  Port 2200',
      'Match localuser me !user root',
      '  ConnectTimeout 7',
      'Match host login.*',
      '  User abc123',
      'Match all',
      '  ServerAliveInterval 15',
    ].join('\n');
    const files = { [`${HOME}/.ssh/config`]: config };
    // Match user sees "abc123" only after the last-but-one block: the Port block (earlier) does not apply yet.
    expect((await lookup(files, 'quest')).options).toEqual({
      hostname: 'login.quest.example.edu',
      proxyjump: 'bastion',
      connecttimeout: '7',
      user: 'abc123',
      serveraliveinterval: '15',
    });
    // A user given before the files (user@ or a host profile) is what Match user sees.
    expect((await lookup(files, 'quest', { user: 'abc123' })).options).toMatchObject({ port: '2200', user: 'abc123' });
    expect((await lookup(files, 'quest', { user: 'root' })).options).not.toHaveProperty('connecttimeout');
    // Without a HostName, Match host compares the name typed.
    expect((await lookup(files, 'login.other')).options).toEqual({
      connecttimeout: '7',
      user: 'abc123',
      serveraliveinterval: '15',
    });
  });

  it('skips a block whose criterion is not evaluated (exec, final, tagged...) when it cannot change the result, and says so', async () => {
    const config =
      'Host quest\n  User abc123\n  HostName login\nMatch exec "nc -z vpn 22" host login\n  User vpnuser\nMatch host other exec false\n  Port 1\n';
    const { options, notes } = await lookup({ [`${HOME}/.ssh/config`]: config }, 'quest');
    expect(options).toEqual({ user: 'abc123', hostname: 'login' });
    // The second block is decided by its host criterion, so only the first is reported.
    expect(notes).toEqual([
      `${HOME}/.ssh/config line 4: Match exec nc -z vpn 22: not evaluated; skipped, as it sets nothing qsub-container reads that is not already set`,
    ]);
  });

  it('refuses a block whose criterion is not evaluated when it would set something not yet set, naming the criterion', async () => {
    for (const match of ['exec "on-vpn"', 'final', 'canonical all', '!tagged work']) {
      const files = {
        [`${HOME}/.ssh/config`]: `Match ${match}\n  ProxyJump bastion\nHost *\n  User me\n`,
        [`${HOME}/.ssh/x`]: '',
      };
      await expect(lookup(files, 'quest')).rejects.toThrow(
        new RegExp(
          `^${HOME}/.ssh/config line 1: Match ${match.replace(/"/g, '').replace(/ all$/, '').replace('!', '!')}.* is not evaluated by qsub-container, and its block would set proxyjump for quest \\(${HOME}/.ssh/config line 2\\)$`,
        ),
      );
    }
    // Through an Include inside the block too: the included file's options are as conditional as the block.
    const viaInclude = {
      [`${HOME}/.ssh/config`]: 'Match exec true\n  Include extra\n',
      [`${HOME}/.ssh/extra`]: 'IdentityFile ~/.ssh/k\n',
    };
    await expect(lookup(viaInclude, 'quest')).rejects.toThrow(
      `would set identityfile for quest (${HOME}/.ssh/extra line 1)`,
    );
  });

  it.each([
    ['Match all host x', /line 1: bad Match condition/],
    ['Match host', /line 1: Match host needs an argument/],
    ['Match colour blue', /line 1: unsupported Match criterion "colour"/],
  ])('refuses %j as OpenSSH does', async (line, error) => {
    await expect(load({ [`${HOME}/.ssh/config`]: line })).rejects.toThrow(error);
  });
});
