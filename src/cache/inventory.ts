// What a cache directory holds, as plain data the planners read (pure types and helpers; read-inventory.ts fills them).
import type { Sidecar } from './layout.js';

export interface CachedImage {
  readonly digest: string;
  readonly size: number;
  /** Epoch ms of last use: jobs touch the SIF when they use it, so this is its mtime. */
  readonly lastUsed: number;
  readonly sidecar: Sidecar | undefined;
  /** host/repository:tag references whose link points at this image. */
  readonly tags: readonly string[];
}

export interface TagLink {
  readonly ref: string;
  /** undefined when the link points at no SIF of this cache (dangling or foreign). */
  readonly digest: string | undefined;
}

export interface PartialFile {
  readonly name: string;
  readonly digest: string;
  readonly host: string;
  readonly pid: number;
  readonly modifiedAt: number;
}

export interface Inventory {
  readonly images: readonly CachedImage[];
  readonly links: readonly TagLink[];
  readonly partials: readonly PartialFile[];
}

export const totalBytes = (images: readonly CachedImage[]) => images.reduce((sum, i) => sum + i.size, 0);

/** Whether a pin ("host/repo:tag", "sha256:...", or a "host/repo:tag@sha256:..." reference) names this image. */
export function isPinned(image: CachedImage, pins: readonly string[]): boolean {
  return pins.some((pin) => {
    const at = pin.lastIndexOf('@');
    if (at >= 0) return pin.slice(at + 1) === image.digest;
    return pin === image.digest || image.tags.includes(pin) || image.sidecar?.source === pin;
  });
}
