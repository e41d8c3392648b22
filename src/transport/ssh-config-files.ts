// The ssh_config loader's readers on the real filesystem (fs/promises), behaving as ssh(1) does for missing files and directories.
import { readdir, readFile } from 'node:fs/promises';
import type { SshConfigIo } from './ssh-config-load.js';

const skip = (codes: readonly string[]) => (e: NodeJS.ErrnoException) =>
  e.code !== undefined && codes.includes(e.code) ? undefined : Promise.reject(e);

/** A file an Include glob names but that is a directory reads as nothing (ssh skips it); a missing directory matches nothing. */
export const sshConfigFiles: SshConfigIo = {
  readFile: (path) => readFile(path, 'utf8').catch(skip(['ENOENT', 'EISDIR'])),
  listDir: (dir) => readdir(dir).catch(skip(['ENOENT', 'ENOTDIR'])),
};
