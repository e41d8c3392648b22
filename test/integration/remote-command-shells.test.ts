// The SSH exec string, run the way sshd runs it ($SHELL -c STRING) by real sh, bash and tcsh: argv arrives byte for byte.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildRemoteCommand } from '../../src/transport/remote-command.js';
import { HOSTILE_WORDS } from '../support/hostile.js';

// Login shells found on clusters: POSIX sh, bash, and tcsh (installed by the testbed: deploy/testbed/lib/remote-ssh.sh).
const SHELLS = ['/bin/sh', '/bin/bash', '/usr/bin/tcsh'];

describe.each(SHELLS)('%s -c <exec string>', (shell) => {
  const run = (argv: string[]) =>
    spawnSync(shell, ['-c', buildRemoteCommand(argv)], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
    });

  it('passes each hostile word through unchanged, whichever form (quoted or encoded) it travels in', () => {
    for (const word of [...HOSTILE_WORDS, 'wow!', '!$', 'a\nb!c', '\'"`\\']) {
      const result = run(['printf', '%s\\0', word]);
      expect({ word, stdout: result.stdout, stderr: result.stderr, status: result.status }).toEqual({
        word,
        stdout: `${word}\0`,
        stderr: '',
        status: 0,
      });
    }
  });

  it('passes many words at once', () => {
    const result = run(['printf', '%s\\0', ...HOSTILE_WORDS]);
    expect(result.stdout).toBe(HOSTILE_WORDS.map((w) => `${w}\0`).join(''));
  });

  it('keeps the exit code and stderr of the command', () => {
    const result = spawnSync(shell, ['-c', buildRemoteCommand(['sh', '-c', 'echo oops >&2; exit 7'])], {
      encoding: 'utf8',
    });
    expect(result).toMatchObject({ status: 7, stderr: 'oops\n' });
  });
});
