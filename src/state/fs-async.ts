// The few file calls the start-up path makes, behind promises but done in place. An asynchronous readFile is four
// thread-pool round trips (open, fstat, read, close) with the main thread waiting between them, and a dry run reads
// its small local files one after another: done in place, they cost microseconds instead of ~1 ms each on a busy
// machine (test/bench/startup.mjs). Nothing else runs at start-up for them to block. Not node:fs/promises either: it
// costs ~2.5 ms to load. Modules off that path (the cache, import, the warmer) keep using node:fs/promises.
import {
  lstatSync,
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

/** `work` done now, its result or error handed back as a promise (as the asynchronous call would). */
const inPlace = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()));

export const readFile = (path: PathLike, encoding: BufferEncoding): Promise<string> =>
  inPlace(() => readFileSync(path, encoding));
export const writeFile = (path: PathLike, data: string, options?: WriteFileOptions): Promise<void> =>
  inPlace(() => writeFileSync(path, data, options));
export const mkdir = (path: PathLike, options?: MakeDirectoryOptions): Promise<void> =>
  inPlace(() => void mkdirSync(path, options));
export const rename = (from: PathLike, to: PathLike): Promise<void> => inPlace(() => renameSync(from, to));
export const stat = (path: PathLike): Promise<Stats> => inPlace(() => statSync(path));
export const lstat = (path: PathLike): Promise<Stats> => inPlace(() => lstatSync(path));
export const unlink = (path: PathLike): Promise<void> => inPlace(() => unlinkSync(path));
