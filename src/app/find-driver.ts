// The driver a job on a partition will see, and its GPUs: from the site's driver map (trusted, fresh facts per node
// group), else from the user's probe cache while fresh, else learned through Slurm: a CPU-only probe per unknown group.
import type { Settings } from '../config/resolve.js';
import { TemporaryError } from '../errors.js';
import { detectDriver } from '../gpu/detect.js';
import { createFileDriverCache } from '../gpu/driver-cache.js';
import { knowGroup, type FactSource, type GroupKnowledge, type NodeFact, type Reading } from '../gpu/driver-facts.js';
import type { NodeGroup } from '../gpu/node-groups.js';
import { parseShowNodes, scontrolShowNodesArgv, type NodeState } from '../gpu/node-state.js';
import {
  checkPartition,
  jobGroups,
  lowestOf,
  probeDriver,
  probeGroup,
  type DriverProbe,
  type GroupProbe,
  type ProbeOptions,
} from '../gpu/probe.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import { validateSlurmName } from '../slurm/options.js';
import type { AppDeps } from './deps.js';

export type FindDriverDeps = Pick<
  AppDeps,
  'runner' | 'now' | 'log' | 'note' | 'stateCacheDir' | 'driverMap' | 'runTag'
>;

/** Which nodes of a partition a job may land on, and whether a known answer will do. */
export interface DriverQuery {
  readonly gpuType: string | undefined;
  readonly constraint?: SlurmConstraint | undefined;
  /** Probe even when a cached or mapped answer is fresh. */
  readonly refresh: boolean;
  /**
   * The warmer: facts it learns are recorded as "warmer", and its own facts older than this are learned again, so the
   * map it keeps for everyone never reaches the readers' TTL.
   */
  readonly asWarmer?: { readonly refreshAfterSeconds: number } | undefined;
  /** The caller's way around probing, for a failed probe's hint (ProbeOptions.bypass; DRIVER_FLAG_BYPASS for --driver). */
  readonly bypass?: string | undefined;
  /** The partition is known to exist and have GPUs (ProbeOptions.gpuPartitionKnown): not asked of sinfo again. */
  readonly gpuPartitionKnown?: boolean | undefined;
}

/** submit's and tags' way around probing: the commands with --driver. */
export const DRIVER_FLAG_BYPASS = 'pass --driver VERSION to choose without probing';

/** Where the partition's answer came from: the lowest group's source, or the user's probe cache. */
export type DriverSource = FactSource | 'cache';

export type FoundDriver = DriverProbe & { readonly cached: boolean; readonly source: DriverSource };

/** The probe job runs under the site's (or the request's) account, as the job itself would. */
export async function findDriver(
  deps: FindDriverDeps,
  settings: Settings,
  partition: string,
  query: DriverQuery,
): Promise<FoundDriver> {
  validateSlurmName('partition', partition);
  if (query.gpuType) validateSlurmName('gpuType', query.gpuType);
  const { constraint } = query;
  if (constraint?.parsed.kind === 'unevaluated') {
    deps.note(
      `qsub-container: warning: --constraint ${constraint.text} is left to Slurm (${constraint.parsed.why}); selecting for the lowest driver of all of ${partition}`,
    );
  }
  const options: ProbeOptions = {
    partition,
    gpuType: query.gpuType,
    constraint,
    account: settings.account,
    waitSeconds: settings.probeWaitSeconds,
    probe: settings.driverMap.probe,
    versionFile: settings.driverVersionFile,
    runTag: deps.runTag,
    bypass: query.bypass,
    gpuPartitionKnown: query.gpuPartitionKnown,
  };
  const map = settings.driverMap;
  const hasAdmin = Object.keys(map.nodes).length > 0;
  // The map (and the admin's) replaces the per-user cache where a site has one: its facts know reboots and upgrades.
  if ((map.dir && deps.driverMap) || hasAdmin) return fromMap(deps, settings, options, query);
  const cache = createFileDriverCache(deps.stateCacheDir, settings.driverCacheTtlMinutes * 60_000);
  const found = await detectDriver(
    { runner: deps.runner, cache, now: deps.now, log: deps.log },
    options,
    query.refresh,
  ).catch((error: unknown) => rethrowBusy(error, settings, [], options.bypass));
  const lowest = found.groups?.find((g) => g.driverVersion === found.driverVersion);
  // A cached answer's groups keep their source; their age is the cache entry's, which it does not say.
  const groups = found.cached ? found.groups?.map((g) => ({ ...g, ageSeconds: undefined })) : found.groups;
  return { ...found, groups, source: found.cached ? 'cache' : (lowest?.source ?? 'gpu-probe') };
}

/** Admin facts for a group's nodes, from the site config's map. */
const adminFacts = (settings: Settings, group: NodeGroup): NodeFact[] =>
  group.nodes.flatMap((node) => {
    const driver = settings.driverMap.nodes[node];
    return driver
      ? [
          {
            node,
            driverVersion: driver,
            gpuModels: [],
            source: 'admin',
            recordedAt: 0,
            recordedBy: { uid: 0, user: 'site' },
          },
        ]
      : [];
  });

async function nodeStates(deps: FindDriverDeps, nodes: readonly string[]): Promise<Map<string, NodeState>> {
  if (nodes.length === 0) return new Map();
  const result = await deps.runner.run({ argv: scontrolShowNodesArgv(nodes), timeoutMs: 30_000 });
  // No answer: no fact can be judged fresh, so every group is learned again (never used silently).
  return new Map(result.code === 0 ? parseShowNodes(result.stdout).map((s) => [s.node, s]) : []);
}

async function fromMap(
  deps: FindDriverDeps,
  settings: Settings,
  options: ProbeOptions,
  query: DriverQuery,
): Promise<FoundDriver> {
  const started = deps.now();
  const map = settings.driverMap;
  await checkPartition(deps.runner, options);
  const groups = await jobGroups(deps.runner, options);
  if (groups.length === 0) {
    // sinfo named no groups: nothing to look up per group, one unpinned probe as before.
    const probe = await probeDriver(deps.runner, options);
    return { ...probe, cached: false, source: 'gpu-probe' };
  }
  const read = map.dir ? await readMap(deps, map.dir, map.trustedUids, query.refresh ? [] : groups) : undefined;
  // A map that could not be read is neither read nor written: every group is learned as if it were empty.
  const access = read ? deps.driverMap : undefined;
  const me = read?.uid ?? -1;
  const readings = groups.map((_, i) => read?.readings[i] ?? []);
  const states = await nodeStates(deps, [...new Set(readings.flat().map((r) => r.node))]);
  const now = Math.floor(deps.now() / 1000);
  const viewer = {
    me,
    trustedAccounts: map.trustedUids,
    now,
    freshness: { ttlSeconds: map.ttlSeconds, skewSeconds: 300 },
  };
  const earlier = groups.map((g, i) =>
    query.refresh ? unknown() : knowGroup(readings[i]!, states, viewer, adminFacts(settings, g)),
  );
  const known = earlier.map((k) => due(k, query, me));
  deps.log.debug({
    event: 'driver.map',
    partition: options.partition,
    known: known.filter((k) => k.kind === 'known').length,
    groups: groups.length,
    rejected: known.flatMap((k) => (k.kind === 'unknown' ? k.rejected : [])),
    ms: deps.now() - started,
  });
  const tried: string[] = [];
  const answers = await Promise.all(
    groups.map(async (g, i): Promise<GroupProbe> => {
      const k = known[i]!;
      if (k.kind === 'known') return knownGroup(g, k);
      tried.push(g.nodes[0]!);
      const held = query.asWarmer ? earlier[i] : undefined;
      const probed = await probeGroup(deps.runner, options, g).catch((error: unknown) => {
        // The warmer's due refresh on a partition with no free CPU: its still-fresh fact stands until the next tick.
        if (held?.kind === 'known' && error instanceof TemporaryError) return undefined;
        throw error;
      });
      if (!probed) return knownGroup(g, held as Extract<GroupKnowledge, { kind: 'known' }>);
      const source = query.asWarmer ? 'warmer' : probed.source!;
      if (access && map.dir) await record(deps, map.dir, me, probed, source, now);
      return { ...probed, source };
    }),
  ).catch((error: unknown) => rethrowBusy(error, settings, tried, options.bypass));
  const probe = lowestOf(options.partition, answers);
  const lowest = answers.find((a) => a.driverVersion === probe.driverVersion)!;
  deps.log.info({
    event: tried.length ? 'driver.probed' : 'driver.known',
    partition: options.partition,
    driver: probe.driverVersion,
    source: lowest.source,
    groups: groups.length,
    probed: tried.length,
    ms: deps.now() - started,
  });
  return { ...probe, cached: tried.length === 0, source: lowest.source! };
}

/** Your uid on the map's side and the groups' records; undefined (logged) when the map cannot be read at all. */
async function readMap(
  deps: FindDriverDeps,
  mapDir: string,
  trustedUids: readonly number[],
  groups: readonly NodeGroup[],
): Promise<{ uid: number; readings: Reading[][] } | undefined> {
  if (!deps.driverMap) return undefined;
  return deps.driverMap.readGroups({ mapDir, trustedUids, groups }).catch((error: unknown) => {
    deps.log.warn({ event: 'driver.map-unreadable', dir: mapDir, reason: (error as Error).message });
    return undefined;
  });
}

const knownGroup = (g: NodeGroup, k: Extract<GroupKnowledge, { kind: 'known' }>): GroupProbe => ({
  nodes: g.nodes,
  probedNode: k.fact.node,
  gres: g.gres,
  features: g.features,
  driverVersion: k.driverVersion,
  gpus: k.fact.gpuModels.map((name) => ({ name })),
  source: k.fact.source,
  ageSeconds: k.ageSeconds,
});

const unknown = (): GroupKnowledge => ({ kind: 'unknown', rejected: [] });

/** The warmer learns its own facts again before readers' TTL ends; the facts of others (and the admin's) it keeps. */
function due(k: GroupKnowledge, query: DriverQuery, me: number): GroupKnowledge {
  if (!query.asWarmer || k.kind !== 'known' || k.trust !== 'own' || k.fact.recordedBy.uid !== me) return k;
  return k.ageSeconds >= query.asWarmer.refreshAfterSeconds ? unknown() : k;
}

async function record(
  deps: FindDriverDeps,
  mapDir: string,
  uid: number,
  probed: GroupProbe,
  source: FactSource,
  now: number,
): Promise<void> {
  const fact: NodeFact = {
    node: probed.probedNode,
    driverVersion: probed.driverVersion,
    gpuModels: probed.gpus.map((g) => g.name),
    source,
    recordedAt: now,
    recordedBy: { uid, user: String(uid) },
  };
  // A map that cannot be written costs later submissions a probe, never this one its answer.
  const outcome = await deps.driverMap!.record(mapDir, uid, fact).catch((error: unknown) => ({
    kind: 'refused' as const,
    reason: (error as Error).message,
  }));
  if (outcome.kind === 'refused')
    deps.log.warn({ event: 'driver.map-unwritable', node: fact.node, reason: outcome.reason });
  else deps.log.debug({ event: 'driver.recorded', node: fact.node, driver: fact.driverVersion, source });
}

/** A busy partition's probe failure, told with what was tried and the ways out (exit 75). */
function rethrowBusy(
  error: unknown,
  settings: Settings,
  probedNodes: readonly string[],
  bypass: string | undefined,
): never {
  if (!(error instanceof TemporaryError)) throw error;
  const map = settings.driverMap.dir
    ? `the driver map (${settings.driverMap.dir}) holds no current fact you trust for ${probedNodes.length ? probedNodes.join(', ') + "'s node group" : 'it'}, and `
    : 'no driver map is configured, and ';
  throw new TemporaryError(`${error.message}: ${map}nothing else knows this partition's driver`, {
    hint: `wait until a CPU is free and retry, ${bypass ? `${bypass}, ` : ''}or ask the site's admins to enable the warmer (warm --daemon keeps the driver map current)`,
    cause: error,
  });
}
