// --host aliases found the way OpenSSH finds them: through ~/.ssh/config Includes and Match blocks, against the testbed's real sshds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acceptedLogins,
  BASTION_LOG,
  BASTION_PORT,
  CLIENT_KEY,
  clientHome,
  logWindow,
  remoteQsc,
  removeTempDirs,
  SSH_PORT,
  SSHD_LOG,
} from '../support/ssh.js';

afterAll(removeTempDirs);

/** A laptop whose ~/.ssh/config is only an Include; the hosts live in ~/.ssh/config.d (known_hosts as in ssh.test.ts). */
function includingHome(before = '', after = ''): string {
  const { home } = clientHome({ sshConfig: `${before}Include config.d/*\n${after}` });
  const dir = join(home, '.ssh', 'config.d');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(
    join(dir, '10-cluster'),
    `Host cluster cluster-jump\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User hpcuser\n  IdentityFile ${CLIENT_KEY}\n` +
      // Only for the name typed as cluster-jump, and only once HostName is known: both criteria are evaluated.
      'Match originalhost cluster-jump host 127.0.0.1\n  ProxyJump bastion\n',
  );
  writeFileSync(
    join(dir, '20-bastion'),
    `Host bastion\n  HostName 127.0.0.1\n  Port ${BASTION_PORT}\n  User hpcuser\n  IdentityFile ${CLIENT_KEY}\n`,
  );
  // Read after 10-cluster, so its values lose (first value wins across files).
  writeFileSync(join(dir, '30-defaults'), 'Host *\n  Port 1\n  User nobody\n');
  return home;
}

describe('qsub-container --host with ~/.ssh/config Includes', () => {
  it('finds an alias defined only in an included file and connects with it', async () => {
    const home = includingHome();
    const target = logWindow(SSHD_LOG);
    const bastion = logWindow(BASTION_LOG);
    const result = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu', '--refresh'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('gengpu: driver 580.159.04');
    expect(acceptedLogins(target()), target().join('\n')).toBe(1);
    expect(acceptedLogins(bastion())).toBe(0);
  });

  it('applies a Match originalhost/host block from an included file: ProxyJump through the bastion', async () => {
    const home = includingHome();
    const target = logWindow(SSHD_LOG);
    const bastion = logWindow(BASTION_LOG);
    const result = await remoteQsc(['detect', '--host', 'cluster-jump', '-p', 'gpu-legacy', '--refresh'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('gpu-legacy: driver 525.105.17');
    expect(acceptedLogins(bastion()), bastion().join('\n')).toBe(1);
    expect(acceptedLogins(target())).toBe(1);
  });

  it('skips a Match exec block that cannot change the result, saying so at debug level', async () => {
    // After the Include: User is already set for cluster, so whatever exec would answer, the result is the same.
    const home = includingHome('', 'Match exec "exit 1" originalhost cluster\n  User someone-else\n');
    const result = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu', '--log-level', 'debug'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${home}/.ssh/config line 2: Match exec exit 1: not evaluated; skipped`);
  });

  it('refuses (exit 78, before connecting) a Match exec block that would change the connection', async () => {
    const home = includingHome('Match exec "test -e /nonexistent"\n  ProxyJump bastion\n');
    const result = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `qsub-container: ${home}/.ssh/config line 1: Match exec test -e /nonexistent is not evaluated by qsub-container, and its block would set proxyjump for cluster (${home}/.ssh/config line 2). ` +
        'Hint: set that value in a Host block, or in a host profile in config.json (README: Remote submission)\n',
    );
  });
});
