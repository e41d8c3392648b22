// The exec string: argv quoted once for /bin/sh, with a form csh-family login shells read as-is when it has newlines or "!".
import { describe, expect, it } from 'vitest';
import { buildRemoteCommand } from '../../../src/transport/remote-command.js';
import { parseClusterSnapshot } from '../../../src/config/cluster-snapshot.js';
import { HOSTILE_WORDS } from '../../support/hostile.js';

describe('buildRemoteCommand', () => {
  it('runs plain commands under /bin/sh -c', () => {
    expect(buildRemoteCommand(['sbatch', '--parsable'])).toBe("/bin/sh -c 'sbatch --parsable'");
    expect(buildRemoteCommand(['scontrol', 'show', 'job', '-o', '42'])).toBe("/bin/sh -c 'scontrol show job -o 42'");
  });

  it('encodes a command line with a newline or "!" so no login shell can misread it', () => {
    const command = buildRemoteCommand(['printf', '%s', 'a\nb', 'wow!']);
    expect(command).toMatch(/^\/bin\/sh -c 'eval "\$\(printf %s [A-Za-z0-9+/=]+ \| base64 -d\)"'$/);
    const encoded = /printf %s (\S+) \|/.exec(command)![1]!;
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe("printf %s 'a\nb' 'wow!'");
  });

  it('never leaves a hostile word outside quotes or encoding', () => {
    for (const word of HOSTILE_WORDS) {
      const command = buildRemoteCommand(['echo', word]);
      // Either one single-quoted word after -c, or the base64 form: nothing else reaches the login shell.
      expect(command).toMatch(/^\/bin\/sh -c '([^']|'\\'')*'$/);
    }
  });
});

describe('parseClusterSnapshot', () => {
  it('reads NUL-terminated records: variables, files with any content, missing files, the auth file mode', () => {
    const stdout = [
      'env:HOME=/home/hpcuser',
      'env:SBATCH_ACCOUNT=a=b\nc',
      'missing:/etc/qsub-container/config.json',
      'file:/home/hpcuser/.config/qsub-container/config.json',
      '{"gpuPartition":"gengpu"}\n',
      'authmode:600:/home/hpcuser/.config/qsub-container/auth.json',
      '',
    ].join('\0');
    expect(parseClusterSnapshot(stdout)).toEqual({
      env: { HOME: '/home/hpcuser', SBATCH_ACCOUNT: 'a=b\nc' },
      files: [
        { path: '/etc/qsub-container/config.json', text: undefined },
        { path: '/home/hpcuser/.config/qsub-container/config.json', text: '{"gpuPartition":"gengpu"}\n' },
      ],
      authMode: { mode: '600', path: '/home/hpcuser/.config/qsub-container/auth.json' },
    });
  });
});
