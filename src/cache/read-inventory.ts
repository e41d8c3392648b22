// Read a cache directory into an Inventory: SIFs with their sidecars and last use, tag links, partial files.
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { CachedImage, Inventory, PartialFile, TagLink } from './inventory.js';
import { parsePartialName, parseSidecar, refOfTagLink, TAGS_DIR } from './layout.js';
import { digestOfSif, sidecarName } from '../image/names.js';

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function readLinks(cacheDir: string): Promise<TagLink[]> {
  const links: TagLink[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (missing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const ref = refOfTagLink(relative(cacheDir, path));
        if (!ref) continue;
        const target = basename(await readlink(path));
        const exists = await stat(path).then(
          () => true,
          () => false,
        );
        links.push({ ref, digest: exists ? digestOfSif(target) : undefined });
      }
    }
  }
  await walk(join(cacheDir, TAGS_DIR));
  return links.sort((a, b) => a.ref.localeCompare(b.ref));
}

/**
 * `missingIsEmpty`: a cache not made yet holds nothing (the warmer's first tick); false (cache ls, verify, prune): the
 * directory was named to be read, and a missing one is the caller's to report (its ENOENT, with the path, goes up).
 */
export async function readInventory(cacheDir: string, options: { missingIsEmpty?: boolean } = {}): Promise<Inventory> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch (error) {
    if (missing(error) && options.missingIsEmpty !== false) return { images: [], links: [], partials: [] };
    throw error;
  }
  const links = await readLinks(cacheDir);
  const images: CachedImage[] = [];
  const partials: PartialFile[] = [];
  for (const name of names.sort()) {
    const digest = digestOfSif(name);
    const partial = parsePartialName(name);
    if (digest) {
      const info = await lstat(join(cacheDir, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      const sidecar = parseSidecar(await readFile(join(cacheDir, sidecarName(digest)), 'utf8').catch(() => ''));
      const tags = links.filter((l) => l.digest === digest).map((l) => l.ref);
      // Read-only files are not touched by jobs: a run's read moves atime (relatime: at most daily), publishing mtime.
      images.push({ digest, size: info.size, lastUsed: Math.max(info.atimeMs, info.mtimeMs), sidecar, tags });
    } else if (partial) {
      const info = await lstat(join(cacheDir, name)).catch(() => undefined);
      if (info) partials.push({ name, ...partial, modifiedAt: info.mtimeMs });
    }
  }
  return { images, links, partials };
}
