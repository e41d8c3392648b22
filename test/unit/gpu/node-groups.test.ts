// Node groups from sinfo --Node output (lines captured on the testbed, plus states a busy cluster shows).
import { describe, expect, it } from 'vitest';
import { groupsForJob, parseNodeGroups } from '../../../src/gpu/node-groups.js';
import { parseFeatureConstraint } from '../../../src/slurm/feature-constraint.js';

// `sinfo --noheader --Node --partition gpu-mixed --format '%N|%G|%f|%t'` on the testbed.
const MIXED = 'gpu02|gpu:v100:2|v100|idle\ngpu03|gpu:h100:2|h100|idle\n';

describe('parseNodeGroups', () => {
  it('groups nodes by GRES and features', () => {
    expect(parseNodeGroups(MIXED)).toEqual([
      { nodes: ['gpu02'], gres: 'gpu:v100:2', features: ['v100'], gpuTypes: ['v100'] },
      { nodes: ['gpu03'], gres: 'gpu:h100:2', features: ['h100'], gpuTypes: ['h100'] },
    ]);
  });

  it('keeps alike nodes together, leaves out down and drained ones, and drops GPU-less nodes', () => {
    const text =
      'a1|gpu:a100:4(S:0-1)|a100,ib|mix\na2|gpu:a100:4(S:0-1)|ib,a100|down*\na3|gpu:a100:4(S:0-1)|a100,ib|alloc\nc1|(null)|(null)|idle\nx1|gpu:2|(null)|drain\n';
    expect(parseNodeGroups(text)).toEqual([
      { nodes: ['a1', 'a3'], gres: 'gpu:a100:4(S:0-1)', features: ['a100', 'ib'], gpuTypes: ['a100'] },
      { nodes: ['x1'], gres: 'gpu:2', features: [], gpuTypes: [undefined] },
    ]);
  });
});

describe('groupsForJob', () => {
  const groups = parseNodeGroups(MIXED);
  it.each([
    [undefined, undefined, ['gpu02', 'gpu03']],
    ['h100', undefined, ['gpu03']],
    [undefined, 'v100', ['gpu02']],
    [undefined, 'v100|h100', ['gpu02', 'gpu03']],
    [undefined, 'v100&h100', []],
    [undefined, '[v100|h100]', ['gpu02', 'gpu03']],
    ['v100', 'h100', []],
    [undefined, 'nosuch', []],
    // Left to Slurm (a count): the whole partition counts.
    [undefined, 'h100*1', ['gpu02', 'gpu03']],
    ['a100', undefined, []],
  ])('gpu type %s, constraint %s → %j', (gpuType, constraint, nodes) => {
    const parsed = constraint === undefined ? undefined : parseFeatureConstraint(constraint);
    expect(groupsForJob(groups, gpuType, parsed).flatMap((g) => g.nodes)).toEqual(nodes);
  });
});
