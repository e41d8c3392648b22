// A partition's node groups (nodes alike in GPU GRES and features), from sinfo: what per-group driver probing iterates over.
import type { FeatureConstraint } from '../slurm/feature-constraint.js';

export interface NodeGroup {
  /** Nodes of the group that can take a job now (or all of them, when none can). */
  readonly nodes: readonly string[];
  /** GRES as sinfo prints it, e.g. "gpu:h100:2,gpu:v100:2". */
  readonly gres: string;
  readonly features: readonly string[];
  /** GPU GRES types the group has ("h100"); undefined stands for untyped "gpu:N". */
  readonly gpuTypes: ReadonlyArray<string | undefined>;
}

/** One line per node: name, GRES, features, compact state. */
export const sinfoNodesArgv = (partition: string) => [
  'sinfo',
  '--noheader',
  '--Node',
  '--partition',
  partition,
  '--format',
  '%N|%G|%f|%t',
];

// States in which a node takes no new job: probing it would wait for nothing.
const UNUSABLE = /^(down|drain|drng|fail|failg|maint|boot|inval|unk|npc|powered_down|powering_down|pow_dn|futr|plnd)/;

const gpuTypesOf = (gres: string) =>
  gres
    .split(',')
    .map((g) => g.replace(/\(.*\)$/, '').trim())
    .filter((g) => g === 'gpu' || g.startsWith('gpu:'))
    .map((g) => {
      const parts = g.split(':');
      return parts.length >= 3 ? parts[1] : undefined;
    });

export function parseNodeGroups(stdout: string): NodeGroup[] {
  const groups = new Map<string, { nodes: string[]; usable: string[]; gres: string; features: string[] }>();
  for (const line of stdout.split('\n')) {
    const [node, gres = '', features = '', state = ''] = line.trim().split('|');
    if (!node) continue;
    const featureList = features === '(null)' ? [] : features.split(',').filter(Boolean);
    const key = `${gres}|${[...featureList].sort().join(',')}`;
    const group = groups.get(key) ?? { nodes: [], usable: [], gres, features: featureList };
    groups.set(key, group);
    if (group.nodes.includes(node)) continue; // a node listed twice (several partitions) counts once
    group.nodes.push(node);
    if (!UNUSABLE.test(state.replace(/[*~#!%$@^-]+$/, ''))) group.usable.push(node);
  }
  return [...groups.values()]
    .map((g) => ({
      nodes: g.usable.length ? g.usable : g.nodes,
      gres: g.gres,
      features: g.features,
      gpuTypes: gpuTypesOf(g.gres),
    }))
    .filter((g) => g.gpuTypes.length > 0);
}

/**
 * The groups a job could land on: with --gpu-type only groups that have that GRES type; with a feature constraint only
 * groups whose features satisfy it (slurm/feature-constraint.ts). A constraint it cannot evaluate narrows nothing.
 */
export function groupsForJob(
  groups: readonly NodeGroup[],
  gpuType: string | undefined,
  constraint: FeatureConstraint | undefined,
): NodeGroup[] {
  return groups.filter((g) => {
    if (gpuType !== undefined && !g.gpuTypes.includes(gpuType)) return false;
    return constraint?.kind !== 'evaluated' || constraint.test(g.features);
  });
}

/** "gpu[02-03]"-style names are not expanded here: sinfo --Node already prints one node per line. */
export const describeGroup = (g: NodeGroup) =>
  `${g.nodes.join(',')} (${g.gres}${g.features.length ? `; ${g.features.join(',')}` : ''})`;
