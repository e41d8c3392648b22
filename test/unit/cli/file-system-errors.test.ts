// A file-system error on a path the person named is theirs to fix: its exit code, its path and a hint, never 70.
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor, formatErrorLine, fromFileSystemError } from '../../../src/errors.js';

const fsError = (code: string, syscall: string, path: string, dest?: string) =>
  Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, syscall, path, dest });

describe('file-system errors', () => {
  it.each([
    ['EACCES', 'scandir', '/root', ExitCode.auth, 'cannot read the directory /root: permission denied'],
    ['EPERM', 'open', '/srv/x.lock', ExitCode.auth, 'cannot open /srv/x.lock: operation not permitted'],
    ['ENOENT', 'scandir', '/nonexistent', ExitCode.noInput, 'cannot read the directory /nonexistent: no such file'],
    ['ENOTDIR', 'open', '/etc/hosts/x', ExitCode.noInput, '/etc/hosts/x: a part of the path is not a directory'],
    ['EISDIR', 'open', '/tmp', ExitCode.noInput, 'cannot open /tmp: it is a directory'],
    [
      'EROFS',
      'mkdir',
      '/ro/cache',
      ExitCode.cantCreate,
      'cannot create the directory /ro/cache: read-only file system',
    ],
  ])('%s on %s: exit %i, one line naming the path, with a hint', (code, syscall, path, exit, words) => {
    const error = fsError(code, syscall, path);
    expect(exitCodeFor(error)).toBe(exit);
    const line = formatErrorLine(error);
    expect(line).toContain(words);
    expect(line).toMatch(/\. Hint: check the path/);
    expect(line).not.toMatch(/internal error|\n/);
  });

  it('a rename names both paths', () => {
    expect(fromFileSystemError(fsError('EACCES', 'rename', '/a/x.partial', '/a/x.sif'))?.message).toBe(
      'cannot rename /a/x.partial to /a/x.sif: permission denied',
    );
  });

  it('an error without a path, or with another code, is still a bug (70)', () => {
    expect(exitCodeFor(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(ExitCode.internal);
    expect(exitCodeFor(fsError('EMFILE', 'open', '/x'))).toBe(ExitCode.internal);
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(ExitCode.internal);
  });
});
