// Where a missing image is pulled, the names pull jobs are shared by, and the cache check's and find-or-submit's answers.
import { describe, expect, it } from 'vitest';
import { parseCacheState } from '../../../src/cache/check-cached.js';
import { parsePullJobAnswer, pullJobName } from '../../../src/cache/pull-job.js';
import { choosePullMode, dependencyArgv } from '../../../src/job/pull-mode.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('choosePullMode', () => {
  it('auto chains a pull job for GPU jobs when a pull partition exists, else pulls in the job', () => {
    expect(choosePullMode({ requested: undefined, gpus: 1, pullPartition: 'short' })).toBe('slurm');
    expect(choosePullMode({ requested: 'auto', gpus: 1, pullPartition: undefined })).toBe('job');
    expect(choosePullMode({ requested: undefined, gpus: 0, pullPartition: 'short' })).toBe('job');
  });
  it('an explicit mode applies to every job; slurm needs a pull partition; unknown words are usage errors', () => {
    expect(choosePullMode({ requested: 'local', gpus: 0, pullPartition: undefined })).toBe('local');
    expect(choosePullMode({ requested: 'slurm', gpus: 0, pullPartition: 'short' })).toBe('slurm');
    expect(choosePullMode({ requested: 'job', gpus: 2, pullPartition: 'short' })).toBe('job');
    expect(() => choosePullMode({ requested: 'slurm', gpus: 1, pullPartition: undefined })).toThrow(
      /needs a pull partition/,
    );
    expect(() => choosePullMode({ requested: 'login', gpus: 1, pullPartition: 'short' })).toThrow(
      /unknown pull "login"/,
    );
  });
});

describe('names and flags', () => {
  it('names the pull job by the whole digest', () => {
    expect(pullJobName(DIGEST)).toBe(`qsc-pull-${'0123456789abcdef'.repeat(4)}`);
    expect(dependencyArgv('81')).toEqual(['--dependency=afterok:81', '--kill-on-invalid-dep=yes']);
    // The command line replaces #SBATCH --dependency: the user's own joins the pull job's.
    expect(dependencyArgv('81', 'afterany:7:8')).toEqual([
      '--dependency=afterok:81,afterany:7:8',
      '--kill-on-invalid-dep=yes',
    ]);
  });
});

describe('answers of the cluster-side scripts', () => {
  it('reads the cache check', () => {
    expect(parseCacheState('cached\n')).toEqual({ kind: 'cached' });
    expect(parseCacheState('missing')).toEqual({ kind: 'missing' });
    expect(
      parseCacheState('quarantined /c/quarantine/x.sif.17 size 10 differs from the 20 recorded at pull (truncated?)'),
    ).toEqual({
      kind: 'quarantined',
      movedTo: '/c/quarantine/x.sif.17',
      problem: 'size 10 differs from the 20 recorded at pull (truncated?)',
    });
    expect(parseCacheState('broken no SIF header')).toEqual({ kind: 'broken', problem: 'no SIF header' });
    expect(parseCacheState('sh: 1: dd: not found')).toBeUndefined();
  });
  it('reads find-or-submit', () => {
    expect(parsePullJobAnswer('submitted 81\n')).toEqual({ kind: 'submitted', jobId: '81' });
    expect(parsePullJobAnswer('queued 81')).toEqual({ kind: 'queued', jobId: '81' });
    expect(parsePullJobAnswer('submitted 81;cluster')).toEqual({ kind: 'submitted', jobId: '81' });
    expect(parsePullJobAnswer('cached')).toEqual({ kind: 'cached' });
    expect(parsePullJobAnswer('sbatch: error: invalid partition')).toBeUndefined();
  });
});
