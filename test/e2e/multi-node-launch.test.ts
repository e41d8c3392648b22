// Multi-node jobs on gpu-multi (gpu04 + gpu05), submitted by the CLI: one container per task through srun, the
// distributed environment in each, a TCP message between the containers of two nodes.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOME, freshCacheDir, jobFields, qsc, waitForJob } from '../support/cluster.js';
import { MULTI_NODES, MULTI_PARTITION, switchNodeDriver } from '../support/nodes.js';

const TF = ['--gpu', 'tensorflow', '--driver', '580.159.04', '--tag', '25.02-tf2-py3', '--pull', 'job', '--json'];
const outputs: string[] = [];
afterAll(() => {
  for (const file of outputs) rmSync(file, { force: true });
});

/** Submits on gpu-multi with the output in the cluster user's home (each node's /tmp is its own); waits for the end. */
async function submitMulti(flags: readonly string[], command: readonly string[], env: Record<string, string> = {}) {
  const output = `${CLUSTER_HOME}/qsc-multi-${process.pid}-${outputs.length}.out`;
  outputs.push(output);
  const cacheDir = freshCacheDir('multi');
  const result = await qsc(
    [...TF, '-p', MULTI_PARTITION, '--cache-dir', cacheDir, '-o', output, ...flags, '--', ...command],
    env,
  );
  expect(result.code, result.stderr).toBe(0);
  const { jobId } = JSON.parse(result.stdout) as { jobId: string };
  const run = await waitForJob(jobId);
  return { jobId, cacheDir, ...run, exitCode: jobFields(jobId).ExitCode };
}

/** One line per task: what the container sees, then (rank 0) a message received over TCP from rank 1's container. */
const REPORT = String.raw`echo "task node=$SLURMD_NODENAME RANK=$RANK WORLD_SIZE=$WORLD_SIZE LOCAL_RANK=$LOCAL_RANK LOCAL_WORLD_SIZE=$LOCAL_WORLD_SIZE NODE_RANK=$NODE_RANK MASTER=$MASTER_ADDR:$MASTER_PORT NOUSERSITE=$PYTHONNOUSERSITE"`;
const EXCHANGE = String.raw`port=$((MASTER_PORT + 1))
if [ "$RANK" = 0 ]; then echo "rank 0 got: $(timeout 60 nc -l -p "$port")";
elif [ "$RANK" = 1 ]; then
  for i in $(seq 1 100); do echo "hello from rank 1 on $SLURMD_NODENAME" | nc "$MASTER_ADDR" "$port" && break; sleep 0.3; done
fi`;

const tasks = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('task '))
    .map((l) =>
      Object.fromEntries(
        l
          .split(' ')
          .slice(1)
          .map((kv) => kv.split('=') as [string, string]),
      ),
    )
    .sort((a, b) => Number(a.RANK) - Number(b.RANK));

describe('multi-node jobs through srun', () => {
  it('-N 2: one task per node, RANK 0 and 1, one MASTER_ADDR:PORT, and a TCP message between the containers', async () => {
    const run = await submitMulti(['-N', '2'], ['sh', '-c', `${REPORT}\n${EXCHANGE}`]);
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const seen = tasks(run.output);
    expect(seen.map((t) => [t.RANK, t.WORLD_SIZE, t.LOCAL_RANK, t.NODE_RANK])).toEqual([
      ['0', '2', '0', '0'],
      ['1', '2', '0', '1'],
    ]);
    expect(seen.map((t) => t.node).sort()).toEqual([...MULTI_NODES]);
    const master = seen[0]!.MASTER!;
    expect(master).toMatch(/^\S+:6\d{4}$/);
    expect(seen[1]!.MASTER).toBe(master);
    expect(Number(master.split(':')[1])).toBe((Number(run.jobId) % 4536) + 61000);
    expect(run.output).toMatch(/rank 0 got: hello from rank 1 on gpu0[45]/);
    expect(seen.every((t) => t.NOUSERSITE === '1')).toBe(true);
  });

  it('-N 2 --ntasks-per-node 2: RANK 0-3, LOCAL_RANK 0-1 on each node, LOCAL_WORLD_SIZE 2', async () => {
    const run = await submitMulti(['-N', '2', '--ntasks-per-node', '2', '--user-site'], ['sh', '-c', REPORT]);
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const seen = tasks(run.output);
    expect(seen.map((t) => t.RANK)).toEqual(['0', '1', '2', '3']);
    expect(seen.every((t) => t.WORLD_SIZE === '4' && t.LOCAL_WORLD_SIZE === '2')).toBe(true);
    for (const node of MULTI_NODES)
      expect(
        seen
          .filter((t) => t.node === node)
          .map((t) => t.LOCAL_RANK)
          .sort(),
      ).toEqual(['0', '1']);
    expect(new Set(seen.map((t) => t.MASTER)).size).toBe(1);
    // --user-site: the user's ~/.local is no longer hidden.
    expect(seen.every((t) => t.NOUSERSITE === '')).toBe(true);
  });

  it('one node under the image minimum: exit 86 naming it, before the pull and before any rank starts', async () => {
    // 25.02-tf2-py3 needs driver 570.86.10; gpu05 gets 550.90.07 (its slurmd restarts, as after an upgrade).
    const change = switchNodeDriver('gpu05', 'h100-550.90.07');
    try {
      const run = await submitMulti(['-N', '2'], ['sh', '-c', REPORT]);
      expect(run, run.output).toMatchObject({ state: 'FAILED', exitCode: '86:0' });
      expect(run.output).toContain(
        'GPU driver 550.90.07 on gpu05 (kernel module, /proc/driver/nvidia/version) is older than 570.86.10',
      );
      expect(run.output).not.toMatch(/on gpu04 .*older than/);
      expect(run.output).not.toContain('qsub-container: pulling');
      expect(tasks(run.output)).toEqual([]);
    } finally {
      change.revert();
    }
  });
});
