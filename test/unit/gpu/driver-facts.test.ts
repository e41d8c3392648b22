// Driver facts: the record format, the trust rule (the file owner decides), the freshness rule and a group's answer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatFactRecord,
  judgeFreshness,
  knowGroup,
  parseFactRecord,
  trustFact,
  type NodeFact,
  type Reading,
} from '../../../src/gpu/driver-facts.js';
import { parseShowNodes, type NodeState } from '../../../src/gpu/node-state.js';

const ME = 1001;
const WARMER = 990;
const NEIGHBOUR = 1002;
// gpu01 on the testbed: booted 16:14:16, slurmd started 16:27:19 (UTC), captured in test/fixtures/scontrol.
const [GPU01] = parseShowNodes(
  readFileSync(new URL('../../fixtures/scontrol/show-node-oneliner-gpu01.txt', import.meta.url), 'utf8'),
) as [NodeState];
const SLURMD_START = GPU01.slurmdStartTime!;
const NOW = SLURMD_START + 3600;

const fact = (over: Partial<NodeFact> = {}): NodeFact => ({
  node: 'gpu01',
  driverVersion: '580.159.04',
  gpuModels: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'],
  source: 'job',
  recordedAt: SLURMD_START + 60,
  recordedBy: { uid: ME, user: 'alice' },
  ...over,
});

describe('the record', () => {
  it('is one tab-separated line, and reads back as the same fact', () => {
    const text = formatFactRecord(fact());
    expect(text).toBe(
      `qsc-node-fact/1\tgpu01\t580.159.04\t${SLURMD_START + 60}\tjob\talice\tNVIDIA H100 80GB HBM3|NVIDIA H100 80GB HBM3\n`,
    );
    expect(parseFactRecord(text, 'gpu01', ME)).toEqual({ kind: 'fact', fact: fact() });
  });

  it('takes the uid from the file owner, not from what the record says', () => {
    const parsed = parseFactRecord(formatFactRecord(fact()), 'gpu01', NEIGHBOUR);
    expect(parsed).toMatchObject({ kind: 'fact', fact: { recordedBy: { uid: NEIGHBOUR, user: 'alice' } } });
  });

  it('keeps every field in place when the user name is empty or GPU names hold separators', () => {
    const odd = fact({ recordedBy: { uid: ME, user: '' }, gpuModels: ['A|B\tC'] });
    expect(parseFactRecord(formatFactRecord(odd), 'gpu01', ME)).toMatchObject({
      fact: { recordedBy: { user: String(ME) }, gpuModels: ['A B C'], source: 'job' },
    });
    expect(parseFactRecord(formatFactRecord(fact({ gpuModels: [] })), 'gpu01', ME)).toMatchObject({
      fact: { gpuModels: [] },
    });
  });

  it.each([
    ['another format', 'hello\n', 'not a driver fact record'],
    ['a record of another node', formatFactRecord(fact({ node: 'gpu02' })), 'names node gpu02 in the file of gpu01'],
    ['a driver that is no version', formatFactRecord(fact({ driverVersion: 'N/A' })), 'is not a version'],
    ['no time', formatFactRecord(fact()).replace(/\t\d+\t/, '\tyesterday\t'), 'no recording time'],
    ['an admin fact in a file', formatFactRecord(fact({ source: 'admin' })), 'cannot be recorded'],
  ])('refuses %s', (_label, text, reason) => {
    const parsed = parseFactRecord(text, 'gpu01', ME);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.reason).toContain(reason);
  });
});

describe('trustFact: the file owner decides', () => {
  it.each([
    ['your own file', ME, { trusted: true, as: 'own' }],
    ["the warmer's account", WARMER, { trusted: true, as: 'trusted-account' }],
    ["root's", 0, { trusted: true, as: 'root' }],
    ["a neighbour's", NEIGHBOUR, { trusted: false, reason: expect.stringContaining('written by uid 1002') }],
  ])('%s', (_label, owner, verdict) => {
    expect(trustFact(fact(), owner, ME, [WARMER])).toEqual(verdict);
  });

  it("ignores a neighbour's copy of the warmer's record: what it says about its writer does not count", () => {
    const copy = parseFactRecord(
      formatFactRecord(fact({ source: 'warmer', recordedBy: { uid: WARMER, user: 'qsc-warmer' } })),
      'gpu01',
      NEIGHBOUR,
    );
    expect(copy.kind === 'fact' && trustFact(copy.fact, NEIGHBOUR, ME, [WARMER]).trusted).toBe(false);
  });

  it('trusts no one else when the site names no account', () => {
    expect(trustFact(fact(), WARMER, ME, []).trusted).toBe(false);
  });
});

describe('judgeFreshness', () => {
  it('is fresh when recorded after the last boot and slurmd start, within the TTL', () => {
    expect(judgeFreshness(fact(), GPU01, NOW)).toEqual({ fresh: true, ageSeconds: 3540 });
  });

  it.each([
    ['recorded before slurmd restarted', fact({ recordedAt: SLURMD_START - 60 }), GPU01, 'restarted slurmd after'],
    ['recorded before the node rebooted', fact({ recordedAt: GPU01.bootTime! - 60 }), GPU01, 'rebooted after'],
    ['past the TTL', fact({ recordedAt: NOW - 2 * 86400 }), { ...GPU01, bootTime: 0, slurmdStartTime: 0 }, 'TTL'],
    ['from the future', fact({ recordedAt: NOW + 3600 }), GPU01, 'in the future'],
    ['on a node Slurm does not know', fact(), undefined, 'does not say when gpu01 last booted'],
    ['on a node Slurm has not heard from', fact(), { ...GPU01, bootTime: null, slurmdStartTime: null }, 'does not say'],
  ])('is stale %s', (_label, f, node, reason) => {
    const verdict = judgeFreshness(f, node, NOW);
    expect(verdict.fresh).toBe(false);
    if (!verdict.fresh) expect(verdict.reason).toContain(reason);
  });

  it('tolerates a little clock skew', () => {
    expect(judgeFreshness(fact({ recordedAt: NOW + 60 }), GPU01, NOW)).toMatchObject({ fresh: true, ageSeconds: 0 });
  });

  it('does not age admin and flag facts (assertions, not observations)', () => {
    expect(judgeFreshness(fact({ source: 'admin', recordedAt: 0 }), undefined, NOW).fresh).toBe(true);
  });
});

describe('knowGroup', () => {
  const states = new Map([
    ['gpu01', GPU01],
    ['gpu02', { ...GPU01, node: 'gpu02' }],
  ]);
  const viewer = { me: ME, trustedAccounts: [WARMER], now: NOW };
  const reading = (f: NodeFact, owner: number): Reading => ({
    node: f.node,
    ownerUid: owner,
    parsed: parseFactRecord(formatFactRecord(f), f.node, owner),
  });

  it('answers from a trusted, fresh fact, with its source and age', () => {
    expect(knowGroup([reading(fact(), ME)], states, viewer)).toMatchObject({
      kind: 'known',
      driverVersion: '580.159.04',
      trust: 'own',
      ageSeconds: 3540,
      fact: { source: 'job' },
    });
  });

  it("ignores a neighbour's planted fact: it neither changes the answer nor makes one", () => {
    const planted = reading(fact({ driverVersion: '999.99.99', recordedAt: NOW - 1 }), NEIGHBOUR);
    expect(knowGroup([planted, reading(fact(), WARMER)], states, viewer)).toMatchObject({
      driverVersion: '580.159.04',
      trust: 'trusted-account',
    });
    expect(knowGroup([planted], states, viewer)).toEqual({
      kind: 'unknown',
      rejected: [{ node: 'gpu01', reason: expect.stringContaining('written by uid 1002') }],
    });
  });

  it('takes the lowest driver of a group mid-upgrade: a job may land on either node', () => {
    const upgraded = reading(fact({ node: 'gpu02', driverVersion: '590.48.01', recordedAt: NOW - 10 }), ME);
    expect(knowGroup([upgraded, reading(fact(), WARMER)], states, viewer)).toMatchObject({
      driverVersion: '580.159.04',
    });
  });

  it('says why a group is unknown when its only facts are stale', () => {
    expect(knowGroup([reading(fact({ recordedAt: SLURMD_START - 1 }), ME)], states, viewer)).toEqual({
      kind: 'unknown',
      rejected: [{ node: 'gpu01', reason: 'gpu01 restarted slurmd after it was recorded' }],
    });
  });

  it('falls back to the admin map only when nothing observed answers', () => {
    const admin = fact({ source: 'admin', driverVersion: '570.86.10', recordedAt: 0 });
    expect(knowGroup([], states, viewer, [admin])).toMatchObject({ driverVersion: '570.86.10', trust: 'admin' });
    expect(knowGroup([reading(fact(), ME)], states, viewer, [admin])).toMatchObject({ driverVersion: '580.159.04' });
  });
});
