// The few file calls the start-up path makes, promisified from node:fs. node:fs/promises costs ~2.5 ms to load (it
// pulls in streams and readline), a tenth of benchmark P1's budget; node:fs and node:util are loaded with Node itself.
// Modules off that path (the cache, import, the warmer) keep using node:fs/promises.
import {
  mkdir as mkdirCb,
  readFile as readFileCb,
  rename as renameCb,
  stat as statCb,
  unlink as unlinkCb,
  writeFile as writeFileCb,
} from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(readFileCb);
export const writeFile = promisify(writeFileCb);
export const mkdir = promisify(mkdirCb);
export const rename = promisify(renameCb);
export const stat = promisify(statCb);
export const unlink = promisify(unlinkCb);
