// Registry blobs (image configs) cached on disk by digest: content-addressed, so never stale.
import { readFile } from '../state/fs-async.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/json-file.js';
import type { BlobCache } from './client.js';

export function createFileBlobCache(dir: string): BlobCache {
  const pathOf = (digest: string) => join(dir, digest.replace(':', '-'));
  return {
    async get(digest) {
      try {
        return await readFile(pathOf(digest), 'utf8');
      } catch {
        return undefined;
      }
    },
    async put(digest, content) {
      await writeFileAtomic(pathOf(digest), content);
    },
  };
}
