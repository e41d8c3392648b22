// The OpenSSH client's argv, `ssh -G` reading and exit-255 classification, on stderr captured from OpenSSH 9.2 against the testbed.
import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, ExitCode, UnavailableError } from '../../../src/errors.js';
import { classifySshExit, openSshArgv, parseSshG, splitSshNotices } from '../../../src/transport/openssh-args.js';
import { chooseSshClient } from '../../../src/transport/ssh-client-choice.js';

const base = { command: ['ssh'], interactive: false, acceptNewHostKey: false };

// Captured: ssh -T -o BatchMode=yes ... with a key known_hosts does not have, and with a different key listed.
const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:6kSYlIZby0HplFxSLyq+467hBPiv+IR1YxfEevjrUfE.
Please contact your system administrator.
Add correct host key in /tmp/empty_kh to get rid of this message.
Offending ED25519 key in /tmp/empty_kh:1
  remove with:
  ssh-keygen -f "/tmp/empty_kh" -R "[127.0.0.1]:2222"
Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.
Host key verification failed.
`;

describe('openSshArgv', () => {
  it('runs ssh without a pty, in BatchMode without a terminal, the destination after "--"', () => {
    expect(openSshArgv('quest', undefined, base)).toEqual({
      argv: ['ssh', '-T', '-o', 'BatchMode=yes', '--', 'quest'],
    });
  });

  it('leaves prompts possible with a terminal, and maps --accept-new-host-key to accept-new', () => {
    expect(openSshArgv('quest', undefined, { ...base, interactive: true, acceptNewHostKey: true })).toEqual({
      argv: ['ssh', '-T', '-o', 'StrictHostKeyChecking=accept-new', '--', 'quest'],
    });
  });

  it('turns user@host:port and a host profile into options that beat ssh_config', () => {
    const profile = {
      hostname: 'login.example.edu',
      user: 'abc123',
      port: 2200,
      identityFiles: ['~/.ssh/quest'],
      agent: false,
      proxyJump: 'gw',
      connectTimeoutSeconds: 5,
      keepaliveSeconds: 20,
    };
    const { argv } = openSshArgv('me@quest:2222', profile, { ...base, command: ['ssh', '-F', '/h/.ssh/config'] }) as {
      argv: string[];
    };
    expect(argv).toEqual([
      'ssh',
      '-F',
      '/h/.ssh/config',
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'HostName=login.example.edu',
      '-o',
      'User=abc123',
      '-o',
      'Port=2200',
      '-o',
      'IdentityFile=~/.ssh/quest',
      '-o',
      'IdentityAgent=none',
      '-o',
      'ProxyJump=gw',
      '-o',
      'ConnectTimeout=5',
      '-o',
      'ServerAliveInterval=20',
      '-l',
      'me',
      '-p',
      '2222',
      '--',
      'quest',
    ]);
  });

  it('refuses a host that ssh would read as an option', () => {
    expect(openSshArgv('-oProxyCommand=x', undefined, base)).toEqual({ error: 'malformed host "-oProxyCommand=x"' });
  });
});

describe('parseSshG', () => {
  it('reads user, hostname and port from ssh -G', () => {
    expect(parseSshG('user hpcuser\nhostname 127.0.0.1\nport 2222\ncontrolpath /tmp/cm.sock\n')).toEqual({
      user: 'hpcuser',
      hostname: '127.0.0.1',
      port: '2222',
    });
    expect(parseSshG('')).toBeUndefined();
  });
});

describe('splitSshNotices', () => {
  it("takes ssh's accept-new notice out of the remote command's stderr", () => {
    const split = splitSshNotices(
      "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\r\nsbatch: error: x\n",
    );
    expect(split).toEqual({
      notices: ["Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts."],
      rest: 'sbatch: error: x\n',
    });
  });
});

describe('classifySshExit', () => {
  it('maps an unreachable host to 69 with the one line ssh printed', () => {
    for (const stderr of [
      'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n',
      'ssh: Could not resolve hostname nosuchhost.invalid: Name or service not known\r\n',
    ]) {
      const error = classifySshExit('quest', stderr);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).exitCode).toBe(ExitCode.unavailable);
      expect((error as Error).message).toBe(`cannot reach quest with ssh: ${stderr.slice(5).trim()}`);
    }
  });

  it('maps refused keys and unknown or changed host keys to 77', () => {
    const denied = classifySshExit('quest', 'nobody@127.0.0.1: Permission denied (publickey).\r\n') as AuthError;
    expect(denied).toBeInstanceOf(AuthError);
    expect(denied.message).toBe('ssh quest: nobody@127.0.0.1: Permission denied (publickey)');
    expect(denied.hint).toContain('BatchMode=yes');
    const unknown = classifySshExit('quest', 'Host key verification failed.\r\n') as AuthError;
    expect(unknown.exitCode).toBe(ExitCode.auth);
    expect(unknown.hint).toContain('--accept-new-host-key');
    const changed = classifySshExit('quest', CHANGED) as AuthError;
    expect(changed.message).toBe(
      'ssh quest: Host key for [127.0.0.1]:2222 has changed and you have requested strict checking (it now offers SHA256:6kSYlIZby0HplFxSLyq+467hBPiv+IR1YxfEevjrUfE); refused (someone may be intercepting the connection)',
    );
    expect(changed.hint).toContain('ssh-keygen -f "/tmp/empty_kh" -R "[127.0.0.1]:2222"');
  });

  it('maps a bad ssh config to 78', () => {
    expect(classifySshExit('quest', '/root/.ssh/config: line 3: Bad configuration option: nosuch\r\n')).toBeInstanceOf(
      ConfigError,
    );
  });

  it("leaves the remote command's own exit 255 as data", () => {
    expect(classifySshExit('quest', 'err\n')).toBeUndefined();
    expect(classifySshExit('quest', '')).toBeUndefined();
  });

  it('reads "Killed by signal" as an interrupted command', () => {
    expect(classifySshExit('quest', 'Killed by signal 2.\r\n')).toBe('interrupted');
  });
});

describe('chooseSshClient', () => {
  const never = async () => {
    throw new Error('checked a master although the client was chosen');
  };
  it('takes the flag, then the host profile, then config.json, without asking ssh', async () => {
    expect(
      await chooseSshClient({ flag: 'ssh2', profile: 'openssh', configured: 'openssh', masterIsLive: never }),
    ).toEqual({ client: 'ssh2', why: '--ssh-client' });
    expect(
      (await chooseSshClient({ flag: undefined, profile: 'openssh', configured: 'ssh2', masterIsLive: never })).client,
    ).toBe('openssh');
    expect(
      (await chooseSshClient({ flag: undefined, profile: undefined, configured: 'openssh', masterIsLive: never }))
        .client,
    ).toBe('openssh');
  });

  it('otherwise uses OpenSSH only when a master connection is live', async () => {
    expect(
      (
        await chooseSshClient({
          flag: undefined,
          profile: undefined,
          configured: undefined,
          masterIsLive: async () => true,
        })
      ).client,
    ).toBe('openssh');
    expect(
      (
        await chooseSshClient({
          flag: undefined,
          profile: undefined,
          configured: undefined,
          masterIsLive: async () => false,
        })
      ).client,
    ).toBe('ssh2');
  });
});
