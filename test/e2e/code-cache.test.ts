// The installed CLI compiles its chunks from V8 code caches in the user's tool cache (src/cli/code-cache.ts):
// written on the first run, 0600 in a 0700 directory, used as they are after, rewritten when V8 rejects one (and an
// earlier release's old caches removed then), never read from a directory others may write; the dry run's output is
// the same every time.
import { chmodSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { qsc } from '../support/cluster.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

const DRY_RUN = ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--driver', '580.159.04', '--', 'true'];

afterAll(removeUserTempDirs);

async function dryRun(cacheHome: string) {
  const result = await qsc(DRY_RUN, { XDG_CACHE_HOME: cacheHome });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain('#SBATCH');
  return result.stdout;
}

const cacheFiles = (dir: string) => readdirSync(dir).sort();

describe('V8 code caches for the bundle', () => {
  it('are written by the first run and used, unchanged, by the next; the output is the same', async () => {
    const home = userTempDir('qsc-code-cache');
    const dir = join(home, 'qsub-container', 'code-cache');
    const first = await dryRun(home);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = cacheFiles(dir);
    // The chunk a command run loads (deploy/bundle-cli.mjs), with the code of submit.
    expect(files).toContainEqual(expect.stringMatching(/^command-.*\.cjs\.v8$/));
    // Only chunks named by their content: V8 would take a cache for a changed file of the same length (the entry's).
    for (const file of files) expect(file).toMatch(/^[\w-]+-[\w-]{8}\.cjs\.v8$/);
    for (const file of files) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const written = Object.fromEntries(files.map((f) => [f, statSync(join(dir, f)).mtimeMs]));

    expect(await dryRun(home)).toBe(first);
    expect(cacheFiles(dir)).toEqual(files);
    expect(Object.fromEntries(files.map((f) => [f, statSync(join(dir, f)).mtimeMs]))).toEqual(written);
  });

  it('rewrites a cache V8 rejects, and the run still answers the same', async () => {
    const home = userTempDir('qsc-code-cache');
    const dir = join(home, 'qsub-container', 'code-cache');
    const first = await dryRun(home);
    const command = join(
      dir,
      cacheFiles(dir).find((f) => f.startsWith('command-'))!,
    );
    writeFileSync(command, 'not a code cache');
    expect(await dryRun(home)).toBe(first);
    expect(readFileSync(command).length).toBeGreaterThan(1000);
  });

  it("removes an earlier release's caches two weeks old when it writes its own, and keeps newer ones", async () => {
    const home = userTempDir('qsc-code-cache');
    const dir = join(home, 'qsub-container', 'code-cache');
    await dryRun(home);
    const old = join(dir, 'command-0ldRe1ea.cjs.v8');
    const recent = join(dir, 'command-rEcent00.cjs.v8');
    const other = join(dir, 'notes.txt');
    for (const file of [old, recent, other]) writeFileSync(file, 'a cache of a chunk this bundle does not have');
    const monthAgo = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
    utimesSync(old, monthAgo, monthAgo);
    utimesSync(other, monthAgo, monthAgo);
    // A run that writes nothing leaves them be; one that writes a cache (here: one V8 rejects) removes the old one.
    await dryRun(home);
    expect(cacheFiles(dir)).toContain('command-0ldRe1ea.cjs.v8');
    writeFileSync(
      join(
        dir,
        cacheFiles(dir).find(
          (f) => /^command-.*\.cjs\.v8$/.test(f) && !f.includes('0ldRe1ea') && !f.includes('rEcent00'),
        )!,
      ),
      'x',
    );
    await dryRun(home);
    const files = cacheFiles(dir);
    expect(files).not.toContain('command-0ldRe1ea.cjs.v8');
    expect(files).toContain('command-rEcent00.cjs.v8');
    expect(files).toContain('notes.txt');
  });

  it('does not use a directory others may write', async () => {
    const home = userTempDir('qsc-code-cache');
    const dir = join(home, 'qsub-container', 'code-cache');
    const first = await dryRun(home);
    for (const file of cacheFiles(dir)) writeFileSync(join(dir, file), 'planted');
    chmodSync(dir, 0o777);
    expect(await dryRun(home)).toBe(first);
    for (const file of cacheFiles(dir)) expect(readFileSync(join(dir, file), 'utf8')).toBe('planted');
  });
});
