// The warm plan (pure): from the images the targets want and what the cache holds, what to pull, link, clean and evict.
import type { PullableImage } from '../image/names.js';
import type { Inventory } from './inventory.js';
import { planPrune, type PrunePlan, type PrunePolicy } from './plan-prune.js';

/** One image a target wants now: the selected tag of a framework for a partition, or an explicit reference. */
export interface DesiredImage extends PullableImage {
  /** Which targets want it, e.g. "tensorflow@gengpu", for logs. */
  readonly wantedBy: readonly string[];
}

export interface WarmPolicy {
  /** undefined: do not prune in this tick. */
  readonly prune: PrunePolicy | undefined;
  readonly inUse: ReadonlySet<string>;
  readonly pins: readonly string[];
  /** A partial file untouched this long belongs to a pull that died without cleaning up (node crash). */
  readonly stalePartialMs: number;
}

export interface WarmPlan {
  /** One per digest, whatever number of refs and targets want it. */
  readonly pulls: readonly DesiredImage[];
  /** Tag links to create or re-point (after the pulls). */
  readonly links: readonly { readonly ref: string; readonly digest: string }[];
  readonly cached: readonly DesiredImage[];
  readonly stalePartials: readonly string[];
  readonly prune: PrunePlan | undefined;
}

export function planWarm(
  desired: readonly DesiredImage[],
  inventory: Inventory,
  now: number,
  policy: WarmPolicy,
): WarmPlan {
  const present = new Set(inventory.images.filter((i) => i.size > 0).map((i) => i.digest));
  const linkOf = new Map(inventory.links.map((l) => [l.ref, l.digest]));
  const byDigest = new Map<string, DesiredImage>();
  for (const want of desired) {
    const seen = byDigest.get(want.digest);
    byDigest.set(want.digest, seen ? { ...seen, wantedBy: [...new Set([...seen.wantedBy, ...want.wantedBy])] } : want);
  }
  const pulls = [...byDigest.values()].filter((d) => !present.has(d.digest));
  const cached = [...byDigest.values()].filter((d) => present.has(d.digest));
  const links = [
    ...new Map(
      desired
        .filter((d) => linkOf.get(d.displayRef) !== d.digest)
        .map((d) => [d.displayRef, { ref: d.displayRef, digest: d.digest }]),
    ).values(),
  ];
  const stalePartials = inventory.partials.filter((p) => now - p.modifiedAt > policy.stalePartialMs).map((p) => p.name);
  const prune = policy.prune
    ? planPrune(
        inventory,
        { inUse: policy.inUse, pins: policy.pins, wanted: new Set(byDigest.keys()) },
        policy.prune,
        now,
      )
    : undefined;
  return { pulls, links, cached, stalePartials, prune };
}
