// sbatch's own options as the submit flags pass them: dependency, mail, and the --sbatch-arg pass-through's refusals.
import { describe, expect, it } from 'vitest';
import {
  validateDependency,
  validateMailType,
  validateMailUser,
  validateSbatchArg,
} from '../../../src/slurm/options.js';

describe('sbatch options', () => {
  it('--dependency: sbatch forms, all-of or any-of, never both', () => {
    for (const ok of ['afterok:123', 'afterany:1:2+30', 'singleton', 'afterok:1,afternotok:2', 'afterok:1?afterok:2_3'])
      expect(validateDependency(ok)).toBe(ok);
    for (const bad of ['afterok', 'afterok:1,afterok:2?afterok:3', 'after:x', '123', 'afterok:1;rm'])
      expect(() => validateDependency(bad)).toThrow(/malformed dependency/);
  });

  it('--mail-type and --mail-user', () => {
    expect(validateMailType('end,fail')).toBe('END,FAIL');
    expect(() => validateMailType('END,SOMETIMES')).toThrow(/malformed mailType/);
    expect(validateMailUser('me@example.edu')).toBe('me@example.edu');
    expect(() => validateMailUser('a b')).toThrow(/malformed mailUser/);
  });

  it('--sbatch-arg: one long option; what the tool sets is refused with the flag to use', () => {
    expect(validateSbatchArg('--reservation=maint window')).toEqual({ name: '--reservation', value: 'maint window' });
    expect(validateSbatchArg('--requeue')).toEqual({ name: '--requeue', value: undefined });
    expect(() => validateSbatchArg('--export=ALL')).toThrow(/the tool sets --export itself/);
    expect(() => validateSbatchArg('--wrap=id')).toThrow(/--wrap/);
    expect(() => validateSbatchArg('--partition=other')).toThrow(/sets --partition itself/);
    expect(() => validateSbatchArg('--gpus-per-task=1')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/NVLink/) }),
    );
    expect(() => validateSbatchArg('-w node1')).toThrow(/one long option/);
    expect(() => validateSbatchArg('--reservation=x\ny')).toThrow(/control characters/);
  });
});
