// Feature constraints: which sbatch -C expressions the probe evaluates per node group, and which it leaves to Slurm.
import { describe, expect, it } from 'vitest';
import { parseFeatureConstraint, validateConstraint } from '../../../src/slurm/feature-constraint.js';

// Feature lists as sinfo prints them: the testbed's gpu-mixed nodes, and Quest's CPU generations (reference/quest.md).
const GPU02 = ['v100'];
const GPU03 = ['h100'];
const QUEST10 = ['quest10', 'rhel8'];

const matches = (constraint: string, features: readonly string[]) => {
  const parsed = parseFeatureConstraint(constraint);
  if (parsed.kind !== 'evaluated') throw new Error(`not evaluated: ${parsed.why}`);
  return parsed.test(features);
};

describe('parseFeatureConstraint', () => {
  it.each([
    ['h100', GPU03, true],
    ['h100', GPU02, false],
    ['v100|h100', GPU02, true],
    ['v100&h100', GPU03, false],
    ['quest10&rhel8', QUEST10, true],
    ['[quest8|quest9|quest10|quest11]', QUEST10, true],
    ['[quest8|quest9]', QUEST10, false],
    ['(quest9|quest10)&rhel8', QUEST10, true],
    ['(quest9|quest11)&rhel8', QUEST10, false],
    ['rhel8&(h100|quest10)', QUEST10, true],
  ])('%s on %j → %s', (constraint, features, expected) => {
    expect(matches(constraint, features)).toBe(expected);
  });

  it.each([
    ['h100*2', /counts/],
    ['[quad*2&hemi*1]', /counts/],
    ['!v100', /NOT/],
    ['a&b|c', /mixed/],
    ['a&', /operand missing/],
    ['(a|b', /the end/],
    ['a)', /"\)"/],
  ])('leaves %s to Slurm', (constraint, why) => {
    const parsed = parseFeatureConstraint(constraint);
    expect(parsed.kind).toBe('unevaluated');
    expect(parsed.kind === 'unevaluated' && parsed.why).toMatch(why);
  });
});

describe('validateConstraint', () => {
  it.each(['h100', 'v100|h100', '[quest8|quest9]', 'a*2', 'gpu_a100-80g.x'])('accepts %s', (value) => {
    expect(validateConstraint(value)).toBe(value);
  });

  it.each(['', 'h100 v100', 'h100;rm -rf ~', '$(id)', 'a,b', 'a\nb', '"h100"'])(
    'refuses %j as usage (exit 2)',
    (value) => {
      expect(() => validateConstraint(value)).toThrow(
        expect.objectContaining({ exitCode: 2, message: expect.stringContaining('malformed constraint') }),
      );
    },
  );
});
