// The tag each kind of request chose last time, in the tool cache: only a guess to prefetch (choose-image.ts), never
// an answer. A wrong or stale guess costs one wasted request; the choice is always made from the registry's answers now.
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../state/json-file.js';
import type { ChoiceHints } from './choose-image.js';

/** Enough for every framework × partition a user submits to; the oldest entries go first. */
const MAX_ENTRIES = 64;

export function createFileChoiceHints(cacheDir: string): ChoiceHints {
  const file = join(cacheDir, 'choice-hints.json');
  const read = async () => {
    const all = await readJsonFile<unknown>(file);
    return all && typeof all === 'object' && !Array.isArray(all) ? (all as Record<string, unknown>) : {};
  };
  return {
    async get(key) {
      const tag = (await read())[key];
      return typeof tag === 'string' ? tag : undefined;
    },
    async put(key, tag) {
      const { [key]: _old, ...rest } = await read();
      const kept = Object.entries(rest).slice(-(MAX_ENTRIES - 1));
      await writeFileAtomic(file, `${JSON.stringify(Object.fromEntries([...kept, [key, tag]]))}\n`);
    },
  };
}
