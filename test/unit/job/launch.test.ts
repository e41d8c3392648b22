// The launcher decision and the job shape it writes: srun for more than one task or node, one task per node for
// per-node, refusals that name the flag.
import { describe, expect, it } from 'vitest';
import { planLaunch, type LaunchRequest } from '../../../src/job/launch.js';
import { validateApptainerArg } from '../../../src/job/container-options.js';

const request = (overrides: Partial<LaunchRequest>): LaunchRequest => ({
  nodes: undefined,
  ntasks: undefined,
  ntasksPerNode: undefined,
  launcher: undefined,
  mpi: undefined,
  stage: undefined,
  taskCommands: false,
  ...overrides,
});

describe('planLaunch', () => {
  it('one task on one node stays on the batch host; more launches per task with a task count srun can read', () => {
    expect(planLaunch(request({})).launcher).toBe('none');
    expect(planLaunch(request({ nodes: 1, ntasks: 1 })).launcher).toBe('none');
    expect(planLaunch(request({ nodes: 2 }))).toEqual({
      launcher: 'per-task',
      mpi: undefined,
      stage: 'shared',
      shape: { nodes: 2, ntasks: undefined, ntasksPerNode: 1 },
    });
    expect(planLaunch(request({ ntasks: 4 })).shape).toEqual({ nodes: undefined, ntasks: 4, ntasksPerNode: undefined });
    expect(planLaunch(request({ nodes: 2, ntasksPerNode: 2, mpi: 'pmix', stage: 'local' }))).toMatchObject({
      launcher: 'per-task',
      mpi: 'pmix',
      stage: 'local',
      shape: { nodes: 2, ntasksPerNode: 2 },
    });
  });

  it('per-node is one task per node', () => {
    expect(planLaunch(request({ nodes: 4, launcher: 'per-node' })).shape).toEqual({
      nodes: 4,
      ntasks: undefined,
      ntasksPerNode: 1,
    });
    expect(() => planLaunch(request({ nodes: 2, ntasksPerNode: 2, launcher: 'per-node' }))).toThrow(
      /one task per node/,
    );
    expect(() => planLaunch(request({ nodes: 2, ntasks: 4, launcher: 'per-node' }))).toThrow(/one task per node/);
  });

  it('refuses unknown words, shapes that do not add up, and what needs a launcher', () => {
    expect(() => planLaunch(request({ launcher: 'torchrun' }))).toThrow(/unknown launcher "torchrun"/);
    expect(() => planLaunch(request({ nodes: 2, mpi: 'openmpi' }))).toThrow(/unknown mpi/);
    expect(() => planLaunch(request({ nodes: 2, stage: 'nvme' }))).toThrow(/unknown stage/);
    expect(() => planLaunch(request({ nodes: 3, ntasks: 2 }))).toThrow(/fewer than --nodes/);
    expect(() => planLaunch(request({ nodes: 2, ntasks: 5, ntasksPerNode: 2 }))).toThrow(/does not fit/);
    expect(() => planLaunch(request({ mpi: 'pmix' }))).toThrow(/--mpi needs a launcher/);
    expect(() => planLaunch(request({ stage: 'local' }))).toThrow(/--stage local needs a launcher/);
    expect(() => planLaunch(request({ nodes: 2, taskCommands: true }))).toThrow(/--commands/);
    expect(planLaunch(request({ nodes: 2, launcher: 'none' })).launcher).toBe('none');
  });
});

describe('validateApptainerArg', () => {
  it('passes flags alone and valued options as one word, byte for byte', () => {
    for (const ok of ['--cleanenv', '--contain', '--writable-tmpfs', "--overlay=/s/it's $(x).img:ro", '--home=/h'])
      expect(validateApptainerArg(ok)).toBe(ok);
  });
  it('refuses what the tool sets, unknown options, and misused values', () => {
    expect(() => validateApptainerArg('--nv')).toThrow(/the tool sets --nv itself/);
    expect(() => validateApptainerArg('--bind=/a')).toThrow(/sets --bind itself/);
    expect(() => validateApptainerArg('--cleanenv=1')).toThrow(/takes no value/);
    expect(() => validateApptainerArg('--overlay')).toThrow(/needs a value/);
    expect(() => validateApptainerArg('--overlay=a\nb')).toThrow(/control characters/);
    expect(() => validateApptainerArg('--rm-rf')).toThrow(/not an apptainer exec option/);
  });
});
