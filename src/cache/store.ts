// Changes to a cache directory: tag links (atomic: temp link + rename), eviction, quarantine, SIF checks.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm, symlink } from 'node:fs/promises';
import { TemporaryError } from '../errors.js';
import { dirname, join } from 'node:path';
import {
  LOGS_DIR,
  lockName,
  submitLockName,
  QUARANTINE_DIR,
  SIF_MAGIC,
  SIF_MAGIC_OFFSET,
  tagLinkPath,
  tagLinkTarget,
} from './layout.js';
import { sidecarName, sifName } from '../image/names.js';
import { makeDirs } from '../state/make-dirs.js';

/** Point host/repo:tag at a digest; readers see the old or the new link, never none. */
export async function writeTagLink(cacheDir: string, ref: string, digest: string): Promise<void> {
  const path = join(cacheDir, tagLinkPath(ref));
  await makeDirs(dirname(path));
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await symlink(tagLinkTarget(ref, digest), temp);
  await rename(temp, path);
}

export async function removeTagLink(cacheDir: string, ref: string): Promise<void> {
  await rm(join(cacheDir, tagLinkPath(ref)), { force: true });
}

/**
 * The user's own directory under .logs, where a Slurm pull writes its output: .logs is shared (sticky where this user
 * made it), so the directory must be a real one of this user's, or a symlink planted at a predictable output name
 * would have slurmd write through it (the job ID is public).
 */
export async function makeOwnLogDir(cacheDir: string, user: string): Promise<string> {
  const logs = join(cacheDir, LOGS_DIR);
  await makeDirs(logs);
  // Group-writable so everyone can make their own directory, sticky so no one removes another's (where this user may).
  await chmod(logs, 0o1775).catch(() => {});
  const own = join(logs, user);
  await mkdir(own, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const info = await lstat(own);
  if (!info.isDirectory() || info.uid !== process.getuid?.()) {
    throw new TemporaryError(`${own} is not a directory of ${user}'s; not writing pull output there`, {
      hint: `ask its owner or your admins to remove it`,
    });
  }
  return own;
}

/** Remove an image: the SIF first (what jobs look for), then its sidecar and lock file. */
export async function removeImage(cacheDir: string, digest: string): Promise<void> {
  await rm(join(cacheDir, sifName(digest)), { force: true });
  await rm(join(cacheDir, sidecarName(digest)), { force: true });
  await rm(join(cacheDir, lockName(digest)), { force: true });
  await rm(join(cacheDir, submitLockName(digest)), { force: true });
}

/** A dead pull's private directory (or an older version's partial file); another user's is left to them. */
export async function removePartial(cacheDir: string, name: string): Promise<void> {
  await rm(join(cacheDir, name), { force: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EACCES' && error.code !== 'EPERM') throw error;
  });
}

/** Move a broken image aside, where jobs no longer find it and an admin can look at it. */
export async function quarantineImage(cacheDir: string, digest: string): Promise<string> {
  const dir = join(cacheDir, QUARANTINE_DIR);
  await makeDirs(dir);
  const target = join(dir, `${sifName(digest)}.${Date.now()}`);
  await rename(join(cacheDir, sifName(digest)), target);
  await rename(join(cacheDir, sidecarName(digest)), `${target}.json`).catch(() => {});
  return target;
}

/** Whether the file starts like a SIF (launch line, then the magic); the runtime's own check comes on top. */
export async function hasSifHeader(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return false;
  try {
    const buffer = Buffer.alloc(SIF_MAGIC.length);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, SIF_MAGIC_OFFSET);
    return bytesRead === buffer.length && buffer.toString('latin1') === SIF_MAGIC;
  } finally {
    await file.close();
  }
}
