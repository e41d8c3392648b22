// `mkdir -p` without Node's recursive mkdir, which loops forever, at full CPU, when a directory cannot be made although
// its parent exists (XDG_CACHE_HOME=/proc/nope: mkdir answers ENOENT, the parent is there, so it tries again). Here
// each missing ancestor is made once, top down, and the first error that is not EEXIST ends it.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The directories from `path` up that do not exist, deepest first, found with one mkdir each. */
function missingSync(path: string, mode: number | undefined): string[] {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      mkdirSync(dir, { mode });
      return missing;
    } catch (error) {
      if (code(error) === 'EEXIST') {
        if (missing.length === 0 && !statSync(dir).isDirectory()) throw error;
        return missing;
      }
      if (code(error) !== 'ENOENT' || dirname(dir) === dir) throw error;
      missing.push(dir);
    }
  }
}

export function makeDirsSync(path: string, mode?: number): void {
  for (const dir of missingSync(path, mode).reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
  }
}

/** makeDirsSync behind a promise, done in place as src/state/fs-async.ts does: a few mkdir calls, microseconds each. */
export const makeDirs = (path: string, mode?: number): Promise<void> =>
  new Promise((done) => done(makeDirsSync(path, mode)));
