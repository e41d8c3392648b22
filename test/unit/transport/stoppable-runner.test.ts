// The stoppable runner (transport/stoppable-runner.ts): every command gets the stop signal; at a stop, the Slurm work of
// commands still running is cancelled by its job name (only names carrying this run's tag), and nothing new starts.
import { describe, expect, it } from 'vitest';
import { StoppedError } from '../../../src/errors.js';
import type { RunRequest, RunResult, Runner } from '../../../src/transport/runner.js';
import { allocatingJobName, stoppableRunner } from '../../../src/transport/stoppable-runner.js';

const done: RunResult = { code: 0, stdout: '', stderr: '', timedOut: false };

/** A runner whose commands run until their signal aborts (then end as killed), except scancel, which ends at once. */
function blockingRunner(): Runner & { calls: RunRequest[] } {
  const calls: RunRequest[] = [];
  return {
    id: 'local:test',
    calls,
    run(request) {
      calls.push(request);
      if (request.argv[0] === 'scancel') return Promise.resolve(done);
      return new Promise((resolve) =>
        request.signal?.addEventListener('abort', () => resolve({ ...done, code: null }), { once: true }),
      );
    },
  };
}

const probe = (name: string) => ['srun', '--partition=gengpu', `--job-name=${name}`, '--', 'nvidia-smi'];

describe('allocatingJobName', () => {
  it('names srun and salloc work that carries the tag, and nothing else', () => {
    expect(allocatingJobName(probe('qsub-container-probe-ab12'), 'ab12')).toBe('qsub-container-probe-ab12');
    expect(allocatingJobName(['/usr/bin/salloc', '--job-name=x-ab12', '--', 'true'], 'ab12')).toBe('x-ab12');
    expect(allocatingJobName(probe('qsub-container-probe'), 'ab12')).toBeUndefined();
    expect(allocatingJobName(['sbatch', '--job-name=x-ab12'], 'ab12')).toBeUndefined();
    // The command's own arguments after "--" are not options.
    expect(allocatingJobName(['srun', '--', 'echo', '--job-name=x-ab12'], 'ab12')).toBeUndefined();
    expect(allocatingJobName(probe('qsub-container-probe'), '')).toBeUndefined();
  });
});

describe('stoppableRunner', () => {
  it('a stop ends running commands and cancels their Slurm work by name at once, and once', async () => {
    const inner = blockingRunner();
    const stop = new AbortController();
    const runner = stoppableRunner(inner, stop.signal, 'ab12');
    const running = [runner.run({ argv: probe('qsub-container-probe-ab12') }), runner.run({ argv: ['sinfo'] })];
    stop.abort();
    expect(inner.calls.at(-1)?.argv).toEqual(['scancel', '--name=qsub-container-probe-ab12']);
    expect(await runner.stopWork(1_000)).toEqual(['qsub-container-probe-ab12']);
    expect((await Promise.all(running)).map((r) => r.code)).toEqual([null, null]);
    expect(inner.calls.filter((c) => c.argv[0] === 'scancel').map((c) => c.argv)).toEqual([
      ['scancel', '--name=qsub-container-probe-ab12'],
    ]);
    // scancel itself is not stopped by the stop it serves.
    expect(inner.calls.find((c) => c.argv[0] === 'scancel')?.signal).toBeUndefined();
    expect(await runner.stopWork(1_000)).toEqual(['qsub-container-probe-ab12']);
  });

  it('finished work is not cancelled', async () => {
    const inner: Runner = { id: 'local:test', run: () => Promise.resolve(done) };
    const stop = new AbortController();
    const runner = stoppableRunner(inner, stop.signal, 'ab12');
    await runner.run({ argv: probe('qsub-container-probe-ab12') });
    stop.abort();
    expect(await runner.stopWork(1_000)).toEqual([]);
  });

  it('nothing starts after a stop', async () => {
    const stop = new AbortController();
    const runner = stoppableRunner(blockingRunner(), stop.signal, 'ab12');
    stop.abort();
    await expect(runner.run({ argv: ['sbatch', '--parsable'] })).rejects.toBeInstanceOf(StoppedError);
  });
});
