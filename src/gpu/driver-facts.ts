// Node driver facts in the site's driver map: the record, whose facts count, and when a fact is stale.
import { compareVersionText } from '../ngc/version.js';
import { cleanModel } from './gpu-information.js';
import { lastDriverEvent, type NodeState } from './node-state.js';

/** How a fact was learned. Files hold the first four; admin comes from the site config, flag from --driver. */
export type FactSource = 'job' | 'warmer' | 'cpu-probe' | 'gpu-probe' | 'admin' | 'flag';
const RECORDED_SOURCES: ReadonlySet<string> = new Set(['job', 'warmer', 'cpu-probe', 'gpu-probe']);

export interface NodeFact {
  readonly node: string;
  readonly driverVersion: string;
  /** One per GPU, as the kernel module names them ("NVIDIA H100 80GB HBM3"); empty when none were read. */
  readonly gpuModels: readonly string[];
  readonly source: FactSource;
  /** Epoch seconds, on the recording node's clock (the clock Slurm's BootTime and SlurmdStartTime come from). */
  readonly recordedAt: number;
  /** The uid is the record file's owner (what the trust rule reads); the user name is what the record says. */
  readonly recordedBy: { readonly uid: number; readonly user: string };
}

/**
 * One line, tab-separated, so the job's bash reads and writes it with builtins alone
 * (job-templates/_record-node-fact.mustache):
 *   qsc-node-fact/1 <TAB> node <TAB> driver <TAB> recordedAt <TAB> source <TAB> user <TAB> model|model|...
 */
export const RECORD_TAG = 'qsc-node-fact/1';
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DRIVER = /^\d+(?:\.\d+)+$/;

/** A node name that is safe as a file name in the map (Slurm allows more; such nodes simply get no record). */
export const isRecordableNode = (node: string) => NODE_NAME.test(node);

export function formatFactRecord(fact: NodeFact): string {
  // Never an empty field: bash's `read` with IFS=tab would shift the ones after it.
  const user = fact.recordedBy.user.replace(/[\t\n]/g, ' ') || String(fact.recordedBy.uid);
  const models = fact.gpuModels.map(cleanModel).join('|');
  const fields = [RECORD_TAG, fact.node, fact.driverVersion, String(fact.recordedAt), fact.source, user, models];
  return `${fields.join('\t')}\n`;
}

export type ParsedRecord =
  { readonly kind: 'fact'; readonly fact: NodeFact } | { readonly kind: 'invalid'; readonly reason: string };

/** A record file's text, its name (the node) and its owner's uid → the fact, or why it is not one. */
export function parseFactRecord(text: string, fileNode: string, ownerUid: number): ParsedRecord {
  const invalid = (reason: string): ParsedRecord => ({ kind: 'invalid', reason });
  const line = text.split('\n', 1)[0] ?? '';
  const [tag, node, driver, at, source, user = '', models = ''] = line.split('\t');
  if (tag !== RECORD_TAG) return invalid('not a driver fact record');
  if (node !== fileNode) return invalid(`names node ${node ?? '?'} in the file of ${fileNode}`);
  if (!driver || !DRIVER.test(driver)) return invalid(`driver ${JSON.stringify(driver ?? '')} is not a version`);
  if (!at || !/^\d{1,12}$/.test(at)) return invalid('no recording time');
  if (!source || !RECORDED_SOURCES.has(source))
    return invalid(`source ${JSON.stringify(source ?? '')} cannot be recorded`);
  return {
    kind: 'fact',
    fact: {
      node,
      driverVersion: driver,
      gpuModels: models === '' ? [] : models.split('|'),
      source: source as FactSource,
      recordedAt: Number(at),
      recordedBy: { uid: ownerUid, user },
    },
  };
}

// --- Trust ---------------------------------------------------------------------------------------------------------

export type Trust =
  | { readonly trusted: true; readonly as: 'own' | 'trusted-account' | 'root' }
  | { readonly trusted: false; readonly reason: string };

/**
 * Whose facts count: the file's owner decides (stat's uid, which no other user can forge; what the record says about
 * its writer does not count). Your own files, those of the accounts the site config trusts (the warmer's), and
 * root's. Anyone else's — a neighbour's planted record, a copy of the warmer's made by a neighbour — is ignored: it
 * can neither change a selection nor fail a job (the runtime guard still checks every node).
 */
export function trustFact(fact: NodeFact, ownerUid: number, me: number, trustedAccounts: readonly number[]): Trust {
  if (fact.source === 'admin' || fact.source === 'flag')
    return { trusted: false, reason: `a file cannot hold a ${fact.source} fact` };
  if (ownerUid === me) return { trusted: true, as: 'own' };
  if (trustedAccounts.includes(ownerUid)) return { trusted: true, as: 'trusted-account' };
  if (ownerUid === 0) return { trusted: true, as: 'root' };
  return { trusted: false, reason: `written by uid ${ownerUid}, neither you nor an account this site trusts` };
}

// --- Freshness -----------------------------------------------------------------------------------------------------

export interface FreshnessPolicy {
  /** A fact older than this is learned again, even when Slurm saw no reboot or slurmd restart since. */
  readonly ttlSeconds: number;
  /** Clock difference tolerated between the recording node and this host before a fact "from the future" is refused. */
  readonly skewSeconds: number;
}

export const DEFAULT_FRESHNESS: FreshnessPolicy = { ttlSeconds: 24 * 3600, skewSeconds: 300 };

export type Freshness =
  { readonly fresh: true; readonly ageSeconds: number } | { readonly fresh: false; readonly reason: string };

/**
 * A recorded fact is stale once its node rebooted or its slurmd restarted after it was recorded (a new driver needs a
 * module reload), once it is older than the TTL, and when Slurm cannot say when the node last started (a node it does
 * not know or has not heard from): stale facts are learned again, never used silently. Admin and flag facts are
 * assertions, not observations: they do not age.
 */
export function judgeFreshness(
  fact: NodeFact,
  node: NodeState | undefined,
  now: number,
  policy: FreshnessPolicy = DEFAULT_FRESHNESS,
): Freshness {
  if (fact.source === 'admin' || fact.source === 'flag') return { fresh: true, ageSeconds: 0 };
  const age = now - fact.recordedAt;
  if (age < -policy.skewSeconds) return { fresh: false, reason: `recorded ${-age}s in the future` };
  if (age > policy.ttlSeconds)
    return { fresh: false, reason: `recorded ${age}s ago, past the ${policy.ttlSeconds}s TTL` };
  const event = node ? lastDriverEvent(node) : null;
  if (!node || event === null)
    return { fresh: false, reason: `Slurm does not say when ${fact.node} last booted or started slurmd` };
  if (node.bootTime !== null && fact.recordedAt < node.bootTime)
    return { fresh: false, reason: `${fact.node} rebooted after it was recorded` };
  // Whole seconds on both sides: a fact recorded in the second slurmd started may predate the restart, so it is stale.
  if (fact.recordedAt <= event) return { fresh: false, reason: `${fact.node} restarted slurmd after it was recorded` };
  return { fresh: true, ageSeconds: Math.max(0, age) };
}

// --- Per node group ------------------------------------------------------------------------------------------------

/** A record read from the map: its fact (or why it is none) and its file's owner. */
export interface Reading {
  readonly node: string;
  readonly ownerUid: number;
  readonly parsed: ParsedRecord;
}

export interface Viewer {
  readonly me: number;
  readonly trustedAccounts: readonly number[];
  readonly now: number;
  readonly freshness?: FreshnessPolicy;
}

export type GroupKnowledge =
  | {
      readonly kind: 'known';
      /** The lowest driver of the group's usable facts: nodes mid-upgrade differ, and a job may get either. */
      readonly driverVersion: string;
      readonly fact: NodeFact;
      readonly trust: Extract<Trust, { trusted: true }>['as'] | 'admin';
      readonly ageSeconds: number;
    }
  | { readonly kind: 'unknown'; readonly rejected: ReadonlyArray<{ readonly node: string; readonly reason: string }> };

/**
 * What a node group's readings (and the admin map's facts for its nodes) say about its driver. Trusted, fresh
 * observations win; admin facts answer only when no observation does (an upgrade the admin map has not caught up
 * with is seen by the next job). Every rejected reading says why, for `detect` and the log.
 */
export function knowGroup(
  readings: readonly Reading[],
  states: ReadonlyMap<string, NodeState>,
  viewer: Viewer,
  adminFacts: readonly NodeFact[] = [],
): GroupKnowledge {
  const rejected: Array<{ node: string; reason: string }> = [];
  const usable: Array<{ fact: NodeFact; as: Extract<Trust, { trusted: true }>['as']; ageSeconds: number }> = [];
  for (const r of readings) {
    if (r.parsed.kind === 'invalid') {
      rejected.push({ node: r.node, reason: r.parsed.reason });
      continue;
    }
    const trust = trustFact(r.parsed.fact, r.ownerUid, viewer.me, viewer.trustedAccounts);
    if (!trust.trusted) {
      rejected.push({ node: r.node, reason: trust.reason });
      continue;
    }
    const freshness = judgeFreshness(r.parsed.fact, states.get(r.node), viewer.now, viewer.freshness);
    if (!freshness.fresh) rejected.push({ node: r.node, reason: freshness.reason });
    else usable.push({ fact: r.parsed.fact, as: trust.as, ageSeconds: freshness.ageSeconds });
  }
  if (usable.length > 0) {
    // Lowest driver first; among equal drivers the newest record.
    const [best] = usable.sort(
      (a, b) => compareVersionText(a.fact.driverVersion, b.fact.driverVersion) || b.fact.recordedAt - a.fact.recordedAt,
    );
    return {
      kind: 'known',
      driverVersion: best!.fact.driverVersion,
      fact: best!.fact,
      trust: best!.as,
      ageSeconds: best!.ageSeconds,
    };
  }
  const admin = adminFacts.reduce<NodeFact | undefined>(
    (low, f) => (!low || compareVersionText(f.driverVersion, low.driverVersion) < 0 ? f : low),
    undefined,
  );
  if (admin) return { kind: 'known', driverVersion: admin.driverVersion, fact: admin, trust: 'admin', ageSeconds: 0 };
  return { kind: 'unknown', rejected };
}
