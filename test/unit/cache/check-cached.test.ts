// The cache check's answer when the image is not cached and its directory cannot take it (issue 16): which exit code
// the shell's error means, and that the sentence names the directory and where it came from.
import { describe, expect, it } from 'vitest';
import { parseCacheState, unwritableCacheError } from '../../../src/cache/check-cached.js';
import { ExitCode, formatErrorLine } from '../../../src/errors.js';

describe('an unwritable image cache, found before queueing', () => {
  it('reads the check\'s "unwritable" line', () => {
    expect(parseCacheState('unwritable sh: 3: cannot create /c/.qsc-write-check.h.1: Permission denied\n')).toEqual({
      kind: 'unwritable',
      problem: 'sh: 3: cannot create /c/.qsc-write-check.h.1: Permission denied',
    });
  });

  it.each<[string, string, number, string]>([
    [
      "mkdir: cannot create directory '/ro/c': Read-only file system",
      'read-only',
      ExitCode.cantCreate,
      'read-only file system',
    ],
    [
      'sh: 3: cannot create /c/.qsc-write-check.h.1: Permission denied',
      'permission',
      ExitCode.auth,
      'permission denied',
    ],
    [
      "mkdir: cannot create directory '/proc/x': No such file or directory",
      'missing',
      ExitCode.noInput,
      'does not exist',
    ],
    ["mkdir: cannot create directory '/etc/passwd': File exists", 'a file', ExitCode.noInput, 'not a directory'],
    ['sh: 3: cannot create /c/x: Disk quota exceeded', 'anything else', ExitCode.cantCreate, 'Disk quota exceeded'],
  ])('%s (%s) → exit %i', (problem, _what, code, words) => {
    const error = unwritableCacheError(problem, '/srv/cache', '/etc/qsub-container/config.json');
    expect(error.exitCode).toBe(code);
    const line = formatErrorLine(error);
    expect(line).toContain('/srv/cache (from /etc/qsub-container/config.json)');
    expect(line).toContain(words);
    expect(line).toMatch(/nothing was queued\. Hint: give a directory you can write with --cache-dir/);
    expect(line.split('\n')).toHaveLength(1);
  });

  it('names the default directory as the default', () => {
    expect(unwritableCacheError('Permission denied', undefined, undefined).message).toMatch(
      /^the image cache \$\{XDG_CACHE_HOME:-\$HOME\/\.cache\}\/qsub-container\/images \(from the default\)/,
    );
  });
});
