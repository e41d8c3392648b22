// glob(7) for Include paths: bracket expressions, hidden files, wildcard directories, byte order.
import { describe, expect, it } from 'vitest';
import { expandGlob, globSegmentMatches } from '../../../src/transport/ssh-glob.js';
import { memoryFiles } from '../../support/memory-files.js';

describe('Include globs', () => {
  it.each([
    ['*.conf', 'a.conf', true],
    ['*.conf', '.a.conf', false],
    ['.*', '.hidden', true],
    ['?0-*', '10-cluster', true],
    ['[0-4]*', '5-late', false],
    ['[!a]x', 'bx', true],
    ['[!a]x', 'ax', false],
    ['[]]', ']', true],
    ['a[', 'a[', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(globSegmentMatches(pattern, name)).toBe(expected);
  });

  it('expands wildcards in directory segments too, sorted as bytes', async () => {
    const io = memoryFiles({
      '/e/b/ssh.conf': '',
      '/e/a/ssh.conf': '',
      '/e/a/other': '',
      '/e/B/ssh.conf': '',
      '/e/é/ssh.conf': '',
    });
    expect(await expandGlob('/e/*/ssh.conf', io.listDir)).toEqual([
      '/e/B/ssh.conf',
      '/e/a/ssh.conf',
      '/e/b/ssh.conf',
      '/e/é/ssh.conf',
    ]);
  });
});
