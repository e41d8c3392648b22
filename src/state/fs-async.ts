// The few file calls the start-up path makes, behind promises but done synchronously. An asynchronous readFile is four
// thread-pool round trips (open, fstat, read, close) with the main thread waiting between them, and a dry run reads
// its small local files one after another: done in place, they cost microseconds instead of ~1 ms each on a busy
// machine (test/bench/startup.mjs). Nothing else runs at start-up for them to block. Not node:fs/promises either: it
// costs ~2.5 ms to load. Modules off that path (the cache, import, the warmer) keep using node:fs/promises.
import {
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type MakeDirectoryOptions,
  type PathLike,
  type Stats,
  type WriteFileOptions,
} from 'node:fs';

export const readFile = async (path: PathLike, encoding: BufferEncoding): Promise<string> =>
  readFileSync(path, encoding);
export const writeFile = async (path: PathLike, data: string, options?: WriteFileOptions): Promise<void> =>
  writeFileSync(path, data, options);
export const mkdir = async (path: PathLike, options?: MakeDirectoryOptions): Promise<void> => {
  mkdirSync(path, options);
};
export const rename = async (from: PathLike, to: PathLike): Promise<void> => renameSync(from, to);
export const stat = async (path: PathLike): Promise<Stats> => statSync(path);
export const unlink = async (path: PathLike): Promise<void> => unlinkSync(path);
