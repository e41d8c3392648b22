// Small JSON files written atomically (temp name in the same directory, then rename), so readers never see half a file.
import { dirname, join } from 'node:path';
import { readFile, rename, writeFile } from './fs-async.js';
import { makeDirs } from './make-dirs.js';

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || error instanceof SyntaxError) return undefined; // a cache: missing or torn means "not cached"
    throw error;
  }
}

let tempCounter = 0;

export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  await makeDirs(dirname(path));
  // Unique per process and call; 'wx' (O_EXCL) refuses a name that exists, so a planted file or symlink is never
  // written through. Not node:crypto's randomBytes: loading crypto costs ~2.7 ms of a dry run (test/bench/startup.mjs).
  const temp = join(
    dirname(path),
    `.${process.pid}-${(tempCounter++).toString(36)}-${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  await writeFile(temp, content, { mode, flag: 'wx' });
  await rename(temp, path);
}
