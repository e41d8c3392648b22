// The testbed can make a partition busy for real (test/support/busy.ts): all its GPUs held, then all its CPUs too.
// What a driver probe meets on a saturated partition, measured against Slurm 22.05 itself, not the tool.
import { afterEach, describe, expect, it } from 'vitest';
import { BUSY_JOB_NAME, occupyPartition, partitionNodes, type Occupation } from '../support/busy.js';
import { runAsUser } from '../support/cluster.js';

const BUSY = 'srun: error: Unable to allocate resources: Requested nodes are busy';
let occupation: Occupation | undefined;
afterEach(async () => {
  await occupation?.release();
  occupation = undefined;
});

// The probes as the cluster user: a GPU step, and a step that needs a CPU and a few MB only (CR_Core here: memory is
// not a consumable resource, so --mem=16M is accepted whatever else runs; a new allocation needs no --overlap/--exact).
const gpuStep = () => runAsUser(['srun', '--gres=gpu:1', '--immediate=5', '-p', 'gengpu', 'true']);
const cpuStep = () =>
  runAsUser([
    'srun',
    '-p',
    'gengpu',
    '-c1',
    '--mem=16M',
    '--immediate=5',
    'sh',
    '-c',
    'echo "$SLURMD_NODENAME"; cat /proc/version',
  ]);

describe('a busy partition', () => {
  it('all GPUs of gengpu held: a GPU step is refused as busy, a CPU-only step still runs; released: the GPU step runs', async () => {
    occupation = await occupyPartition('gengpu');
    expect(occupation.nodes).toEqual([{ node: 'gpu01', gres: 'gpu:h100:2,gpu:v100:2', cpus: 8 }]);
    expect(occupation.jobIds).toHaveLength(1);

    const gpu = await gpuStep();
    expect(gpu.code).toBe(1);
    expect(gpu.stderr).toContain(BUSY);
    const cpu = await cpuStep();
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(cpu.stdout).toMatch(/^gpu01\nLinux version /);

    await occupation.release();
    occupation = undefined;
    expect(partitionNodes('gengpu').length).toBe(1);
    const again = await gpuStep();
    expect(again.code, again.stderr).toBe(0);
  });

  it('all GPUs and all CPUs held: the CPU-only step is refused as busy too', async () => {
    occupation = await occupyPartition('gengpu', { cpus: true });
    const cpu = await cpuStep();
    expect(cpu.code).toBe(1);
    expect(cpu.stderr).toContain(BUSY);
  });

  it('a partition of two nodes gets one occupying job per node, named for the queue', async () => {
    occupation = await occupyPartition('gpu-mixed');
    expect(occupation.nodes.map((n) => [n.node, n.gres])).toEqual([
      ['gpu02', 'gpu:v100:2'],
      ['gpu03', 'gpu:h100:2'],
    ]);
    const listed = await runAsUser(['squeue', '-h', '--name', BUSY_JOB_NAME, '-o', '%i %N %T']);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(
      occupation.jobIds.map((id, i) => `${id} ${occupation!.nodes[i]!.node} RUNNING`).sort(),
    );
    const gpu = await runAsUser(['srun', '--gres=gpu:1', '--immediate=5', '-p', 'gpu-mixed', 'true']);
    expect(gpu.stderr).toContain(BUSY);
  });
});
