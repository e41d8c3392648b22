// The cache and warm command lines (pure parsing).
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/cli/build-cli.js';
import { ExitCode } from '../../../src/errors.js';

describe('cache and warm command lines', () => {
  it('parses cache prune with its policy flags', async () => {
    expect(
      await parseCommand([
        'cache',
        'prune',
        '--max-size',
        '500G',
        '--older-than',
        '30d',
        '--dry-run',
        '--cache-dir',
        '/c',
      ]),
    ).toMatchObject({
      name: 'cache',
      args: { action: 'prune', maxSize: '500G', olderThan: '30d', dryRun: true, cacheDir: '/c' },
    });
  });
  it('parses warm modes', async () => {
    expect(await parseCommand(['warm'])).toMatchObject({
      name: 'warm',
      args: { once: false, daemon: false, dryRun: false, refresh: false },
    });
    expect(await parseCommand(['warm', '--daemon'])).toMatchObject({ name: 'warm', args: { daemon: true } });
    expect(await parseCommand(['warm', '--once', '--dry-run', '--json'])).toMatchObject({
      name: 'warm',
      args: { once: true, dryRun: true, json: true },
    });
  });
  it.each([[['cache', 'rm']], [['cache']], [['warm', '--daemon', '--once']], [['warm', '--daemon', '--dry-run']]])(
    'refuses %j as usage (exit 2)',
    async (argv) => {
      await expect(parseCommand(argv)).rejects.toMatchObject({ exitCode: ExitCode.usage });
    },
  );
});
