// scontrol show job -o, read as --wait needs it; on a real capture from the testbed (a batch job that exited 3).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeStatus, jobExitCode, parseJobStatus } from '../../../src/slurm/job-state.js';

const failed = readFileSync(new URL('../../fixtures/scontrol/failed-exit-3.txt', import.meta.url), 'utf8');

describe('parseJobStatus', () => {
  it('reads state, reason, exit code and output path from a real line', () => {
    const status = parseJobStatus(failed)!;
    expect(status).toEqual({
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      nodes: 'cpu01',
      exitCode: 3,
      signal: 0,
      stdOut: '/tmp/x-49.out',
    });
    expect(jobExitCode(status)).toBe(3);
    expect(describeStatus(status)).toBe('FAILED, exit code 3');
  });

  it('keeps spaces inside a value and reads signals and pending reasons', () => {
    const line = failed
      .replace('JobState=FAILED', 'JobState=PENDING')
      .replace('Reason=NonZeroExitCode', 'Reason=Resources')
      .replace('StdOut=/tmp/x-49.out', 'StdOut=/tmp/my dir/x.out');
    const status = parseJobStatus(line)!;
    expect(status.stdOut).toBe('/tmp/my dir/x.out');
    expect(describeStatus(status)).toBe('PENDING (Resources)');
    expect(jobExitCode({ ...status, state: 'CANCELLED', exitCode: 0, signal: 15 })).toBe(143);
    expect(jobExitCode({ ...status, state: 'TIMEOUT', exitCode: 0, signal: 0 })).toBe(1);
    expect(jobExitCode({ ...status, state: 'COMPLETED', exitCode: 0, signal: 0 })).toBe(0);
  });

  it('is undefined when Slurm has forgotten the job', () => {
    expect(parseJobStatus('')).toBeUndefined();
  });
});
