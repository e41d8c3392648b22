// Which images to evict (pure): least recently used first, never one a queued/running job needs, a pin names, or the warmer wants.
import { isPinned, totalBytes, type CachedImage, type Inventory } from './inventory.js';

export interface PrunePolicy {
  /** Evict least recently used images until the cache is at most this size. */
  readonly maxSizeBytes: number | undefined;
  /** Evict images unused for longer than this. */
  readonly olderThanMs: number | undefined;
}

export interface Protection {
  /** Digests referenced by queued or running jobs. */
  readonly inUse: ReadonlySet<string>;
  readonly pins: readonly string[];
  /** Digests the warmer currently selects for a target. */
  readonly wanted: ReadonlySet<string>;
}

export type KeepReason = 'in-use' | 'pinned' | 'wanted' | 'within-policy';

export interface PrunePlan {
  readonly remove: readonly { readonly image: CachedImage; readonly reason: string }[];
  readonly keep: readonly { readonly image: CachedImage; readonly reason: KeepReason }[];
  /** Links that point at no image: removed with the plan. */
  readonly danglingLinks: readonly string[];
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Bytes still over maxSize because every remaining image is protected. */
  readonly overBy: number;
}

function protectionOf(image: CachedImage, p: Protection): KeepReason | undefined {
  if (p.inUse.has(image.digest)) return 'in-use';
  if (isPinned(image, p.pins)) return 'pinned';
  if (p.wanted.has(image.digest)) return 'wanted';
  return undefined;
}

export function planPrune(inventory: Inventory, protection: Protection, policy: PrunePolicy, now: number): PrunePlan {
  const keep: { image: CachedImage; reason: KeepReason }[] = [];
  const candidates: CachedImage[] = [];
  for (const image of inventory.images) {
    const reason = protectionOf(image, protection);
    if (reason) keep.push({ image, reason });
    else candidates.push(image);
  }
  // Oldest use first; ties by digest so the plan is the same on every run.
  candidates.sort((a, b) => a.lastUsed - b.lastUsed || a.digest.localeCompare(b.digest));
  const remove: { image: CachedImage; reason: string }[] = [];
  const survivors: CachedImage[] = [];
  for (const image of candidates) {
    if (policy.olderThanMs !== undefined && now - image.lastUsed > policy.olderThanMs) {
      remove.push({ image, reason: `unused for more than ${Math.round(policy.olderThanMs / 86_400_000)}d` });
    } else survivors.push(image);
  }
  const bytesBefore = totalBytes(inventory.images);
  let bytes = bytesBefore - totalBytes(remove.map((r) => r.image));
  for (const image of survivors) {
    if (policy.maxSizeBytes !== undefined && bytes > policy.maxSizeBytes) {
      remove.push({ image, reason: 'least recently used while the cache is over its size limit' });
      bytes -= image.size;
    } else keep.push({ image, reason: 'within-policy' });
  }
  const removed = new Set(remove.map((r) => r.image.digest));
  const danglingLinks = inventory.links
    .filter((l) => l.digest === undefined || removed.has(l.digest))
    .map((l) => l.ref);
  return {
    remove,
    keep,
    danglingLinks,
    bytesBefore,
    bytesAfter: bytes,
    overBy: policy.maxSizeBytes !== undefined ? Math.max(0, bytes - policy.maxSizeBytes) : 0,
  };
}
