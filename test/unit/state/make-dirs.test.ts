// mkdir -p that ends: Node's recursive mkdir spins forever under /proc (a parent that exists but refuses children).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDirs, makeDirsSync } from '../../../src/state/make-dirs.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));
const fresh = () => (root = mkdtempSync(join(tmpdir(), 'qsc-make-dirs-')));

describe.each([
  ['makeDirsSync', async (path: string, mode?: number) => makeDirsSync(path, mode)],
  ['makeDirs', makeDirs],
])('%s', (_name, make) => {
  it('makes every missing directory with the mode asked, and is quiet when they exist', async () => {
    const deep = join(fresh(), 'a', 'b', 'c');
    await make(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    await make(deep, 0o700);
  });

  it('ends with ENOENT where a directory cannot be made under one that exists (/proc), not in a loop', async () => {
    await expect(make('/proc/qsc-nope/qsub-container/code-cache')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a file where a directory should be', async () => {
    const file = join(fresh(), 'f');
    writeFileSync(file, '');
    await expect(make(file)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(make(join(file, 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
