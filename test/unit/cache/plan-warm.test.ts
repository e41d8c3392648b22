// The warm and prune planners over many inventories (pure): what to pull, link, keep and evict.
import { describe, expect, it } from 'vitest';
import type { CachedImage, Inventory } from '../../../src/cache/inventory.js';
import { planPrune } from '../../../src/cache/plan-prune.js';
import { planWarm, type DesiredImage, type WarmPolicy } from '../../../src/cache/plan-warm.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27);
const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const ref = (tag: string) => `nvcr.io/nvidia/tensorflow:${tag}`;

const want = (n: number, tag: string, by = `tensorflow@p${n}`): DesiredImage => ({
  displayRef: ref(tag),
  digest: d(n),
  pullRef: `docker://nvcr.io/nvidia/tensorflow@${d(n)}`,
  noHttps: false,
  authFile: undefined,
  cudaVersion: '12.8.0.038',
  cudaDriverVersion: '570.86.10',
  wantedBy: [by],
});

const img = (n: number, tags: string[] = [], opts: { size?: number; usedDaysAgo?: number } = {}): CachedImage => ({
  digest: d(n),
  size: opts.size ?? 10,
  lastUsed: NOW - (opts.usedDaysAgo ?? 0) * DAY,
  sidecar: undefined,
  tags: tags.map(ref),
});

const inventory = (images: CachedImage[], extra: Partial<Inventory> = {}): Inventory => ({
  images,
  links: images.flatMap((i) => i.tags.map((t) => ({ ref: t, digest: i.digest }))),
  partials: [],
  ...extra,
});

const policy = (overrides: Partial<WarmPolicy> = {}): WarmPolicy => ({
  prune: undefined,
  inUse: new Set(),
  pins: [],
  stalePartialMs: 6 * 3_600_000,
  ...overrides,
});

describe('planWarm', () => {
  const cases: {
    name: string;
    desired: DesiredImage[];
    inv: Inventory;
    pulls: number[];
    links: string[];
    cached: number[];
  }[] = [
    {
      name: 'empty cache: pull everything wanted',
      desired: [want(1, 'a'), want(2, 'b')],
      inv: inventory([]),
      pulls: [1, 2],
      links: ['a', 'b'],
      cached: [],
    },
    {
      name: 'all cached and linked: nothing to do',
      desired: [want(1, 'a'), want(2, 'b')],
      inv: inventory([img(1, ['a']), img(2, ['b'])]),
      pulls: [],
      links: [],
      cached: [1, 2],
    },
    {
      name: 'cached by digest but not linked (a job pulled it): link only',
      desired: [want(1, 'a')],
      inv: inventory([img(1)]),
      pulls: [],
      links: ['a'],
      cached: [1],
    },
    {
      name: 'tag moved to a new digest: pull the new one and re-point the link',
      desired: [want(2, 'a')],
      inv: inventory([img(1, ['a'])]),
      pulls: [2],
      links: ['a'],
      cached: [],
    },
    {
      name: 'two partitions select the same image: one pull',
      desired: [want(1, 'a', 'tf@gengpu'), want(1, 'a', 'tf@other')],
      inv: inventory([]),
      pulls: [1],
      links: ['a'],
      cached: [],
    },
    {
      name: 'two tags of one digest: one pull, two links',
      desired: [want(1, 'a'), want(1, 'latest')],
      inv: inventory([]),
      pulls: [1],
      links: ['a', 'latest'],
      cached: [],
    },
    {
      name: 'a zero-byte SIF is not cached',
      desired: [want(1, 'a')],
      inv: inventory([img(1, ['a'], { size: 0 })]),
      pulls: [1],
      links: [],
      cached: [],
    },
    {
      name: 'nothing desired (every target failed): nothing to pull',
      desired: [],
      inv: inventory([img(1, ['a'])]),
      pulls: [],
      links: [],
      cached: [],
    },
    {
      name: 'dangling link to a wanted digest: pull and keep the link',
      desired: [want(3, 'c')],
      inv: inventory([], { links: [{ ref: ref('c'), digest: undefined }] }),
      pulls: [3],
      links: ['c'],
      cached: [],
    },
    {
      name: 'one new release among cached ones: exactly that pull',
      desired: [want(1, 'a'), want(2, 'b'), want(3, 'c')],
      inv: inventory([img(1, ['a']), img(2, ['b'])]),
      pulls: [3],
      links: ['c'],
      cached: [1, 2],
    },
  ];
  it.each(cases)('$name', ({ desired, inv, pulls, links, cached }) => {
    const plan = planWarm(desired, inv, NOW, policy());
    expect(plan.pulls.map((p) => p.digest)).toEqual(pulls.map(d));
    expect(plan.links.map((l) => l.ref)).toEqual(links.map(ref));
    expect(plan.cached.map((c) => c.digest)).toEqual(cached.map(d));
    expect(plan.prune).toBeUndefined();
  });

  it('merges who wants an image', () => {
    const plan = planWarm([want(1, 'a', 'tf@gengpu'), want(1, 'a', 'tf@quest')], inventory([]), NOW, policy());
    expect(plan.pulls[0]!.wantedBy).toEqual(['tf@gengpu', 'tf@quest']);
  });

  it('removes partial files of dead pulls only when they are old', () => {
    const partials = [
      {
        name: `${d(1).replace(':', '-')}.sif.partial.n1.10`,
        digest: d(1),
        host: 'n1',
        pid: 10,
        modifiedAt: NOW - 7 * 3_600_000,
      },
      {
        name: `${d(2).replace(':', '-')}.sif.partial.n2.20`,
        digest: d(2),
        host: 'n2',
        pid: 20,
        modifiedAt: NOW - 60_000,
      },
    ];
    const plan = planWarm([], inventory([], { partials }), NOW, policy());
    expect(plan.stalePartials).toEqual([partials[0]!.name]);
  });

  it('never evicts what it wants, even when the cache is over its size', () => {
    const plan = planWarm(
      [want(1, 'a')],
      inventory([img(1, ['a'], { size: 100, usedDaysAgo: 90 }), img(2, ['b'], { size: 100, usedDaysAgo: 1 })]),
      NOW,
      policy({ prune: { maxSizeBytes: 50, olderThanMs: undefined } }),
    );
    expect(plan.prune!.remove.map((r) => r.image.digest)).toEqual([d(2)]);
    expect(plan.prune!.keep.find((k) => k.image.digest === d(1))!.reason).toBe('wanted');
    expect(plan.prune!.overBy).toBe(50);
  });
});

describe('planPrune', () => {
  const none = { inUse: new Set<string>(), pins: [] as string[], wanted: new Set<string>() };
  const sizes = [
    img(1, ['a'], { size: 40, usedDaysAgo: 30 }),
    img(2, ['b'], { size: 30, usedDaysAgo: 10 }),
    img(3, ['c'], { size: 20, usedDaysAgo: 2 }),
    img(4, [], { size: 10, usedDaysAgo: 0 }),
  ];

  it.each([
    { max: 100, removed: [] },
    { max: 60, removed: [1] },
    { max: 30, removed: [1, 2] },
    { max: 10, removed: [1, 2, 3] },
    { max: 0, removed: [1, 2, 3, 4] },
  ])('LRU down to $max bytes removes $removed', ({ max, removed }) => {
    const plan = planPrune(inventory(sizes), none, { maxSizeBytes: max, olderThanMs: undefined }, NOW);
    expect(plan.remove.map((r) => r.image.digest)).toEqual(removed.map(d));
    expect(plan.bytesAfter).toBe(100 - removed.reduce((s, n) => s + sizes[n - 1]!.size, 0));
  });

  it.each([
    { days: 60, removed: [] },
    { days: 20, removed: [1] },
    { days: 5, removed: [1, 2] },
    { days: 1, removed: [1, 2, 3] },
  ])('images unused for more than $days days go', ({ days, removed }) => {
    const plan = planPrune(inventory(sizes), none, { maxSizeBytes: undefined, olderThanMs: days * DAY }, NOW);
    expect(plan.remove.map((r) => r.image.digest)).toEqual(removed.map(d));
  });

  it('keeps images queued or running jobs need, pinned ones (by tag, digest or ref@digest), and says why', () => {
    const plan = planPrune(
      inventory(sizes),
      { inUse: new Set([d(1)]), pins: [ref('b'), d(3), `${ref('x')}@${d(4)}`], wanted: new Set() },
      { maxSizeBytes: 0, olderThanMs: 0 },
      NOW,
    );
    expect(plan.remove).toEqual([]);
    expect(plan.keep.map((k) => [k.image.digest, k.reason])).toEqual([
      [d(1), 'in-use'],
      [d(2), 'pinned'],
      [d(3), 'pinned'],
      [d(4), 'pinned'],
    ]);
    expect(plan.overBy).toBe(100);
  });

  it('removes the links of evicted images and dangling links', () => {
    const inv = inventory(sizes.slice(0, 2), {
      links: [
        { ref: ref('a'), digest: d(1) },
        { ref: ref('b'), digest: d(2) },
        { ref: ref('gone'), digest: undefined },
      ],
    });
    const plan = planPrune(inv, none, { maxSizeBytes: 30, olderThanMs: undefined }, NOW);
    expect(plan.danglingLinks).toEqual([ref('a'), ref('gone')]);
  });

  it('breaks ties by digest, so the plan is the same on every run', () => {
    const same = [img(9, [], { usedDaysAgo: 3 }), img(5, [], { usedDaysAgo: 3 }), img(7, [], { usedDaysAgo: 3 })];
    const plan = planPrune(inventory(same), none, { maxSizeBytes: 10, olderThanMs: undefined }, NOW);
    expect(plan.remove.map((r) => r.image.digest)).toEqual([d(5), d(7)]);
  });

  it('without a policy removes nothing', () => {
    expect(planPrune(inventory(sizes), none, { maxSizeBytes: undefined, olderThanMs: undefined }, NOW).remove).toEqual(
      [],
    );
  });
});
