// sbatch --time values as milliseconds: how long a warmer's pull on this host may run (warm.pullTime).
import { describe, expect, it } from 'vitest';
import { timeLimitMs } from '../../../src/slurm/options.js';

describe('timeLimitMs', () => {
  it.each([
    ['30', 30 * 60_000],
    ['30:15', 30 * 60_000 + 15_000],
    ['02:00:00', 2 * 3_600_000],
    ['1-12', 36 * 3_600_000],
    ['1-00:30', 24 * 3_600_000 + 30 * 60_000],
    ['0-00:00:05', 5_000],
  ])('%s is %d ms', (value, ms) => expect(timeLimitMs(value)).toBe(ms));

  it('has no limit for UNLIMITED and nothing it cannot read', () => {
    expect(timeLimitMs('UNLIMITED')).toBeUndefined();
    expect(timeLimitMs('2h')).toBeUndefined();
  });
});
