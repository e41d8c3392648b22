// Partition gpu-multi: two alike H100 nodes (gpu04, gpu05) for multi-node jobs, each with a /tmp of its own, so an
// sbcast copy lands once per node at one path. Node-local files outlive the job, as on a real node's local disk.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOME, runAsUser, waitForJob } from '../support/cluster.js';
import { MULTI_NODES, MULTI_PARTITION, nodeLocalTmp } from '../support/nodes.js';

const outputs: string[] = [];
afterAll(() => {
  for (const file of outputs) rmSync(file, { force: true });
});

/** Submits a batch script (on stdin) as the cluster user, output in its home; waits for the end. */
async function batch(script: string) {
  const output = `${CLUSTER_HOME}/qsc-testbed-multi-${process.pid}-${outputs.length}.out`;
  outputs.push(output);
  const submitted = await runAsUser(['sbatch', '--parsable', '-o', output], {}, script);
  expect(submitted.code, submitted.stderr).toBe(0);
  const jobId = submitted.stdout.trim();
  const run = await waitForJob(jobId);
  expect(run.state, run.output).toBe('COMPLETED');
  return { jobId, output: readFileSync(output, 'utf8') };
}

describe('multi-node jobs on gpu-multi', () => {
  it('a 2-node job: one task per node, an sbcast copy on each node at the same path, each node its own', async () => {
    const { jobId, output } = await batch(`#!/bin/bash
#SBATCH -J qsc-testbed-multi -p ${MULTI_PARTITION} -N 2 --ntasks-per-node=1 -c 1
set -euo pipefail
src=$(mktemp -p "$HOME" qsc-sbcast-src.XXXXXX)
echo "payload-$SLURM_JOB_ID" >"$src"
sbcast -f "$src" "/tmp/qsc-sbcast-$SLURM_JOB_ID"
rm -f "$src"
srun -N2 -n2 -c1 bash -c 'f=/tmp/qsc-sbcast-$SLURM_JOB_ID; echo "$SLURMD_NODENAME" >>"$f"; sleep 1; echo "$SLURMD_NODENAME: $(paste -sd" " "$f")"'
`);
    expect(output.trim().split('\n').sort()).toEqual(MULTI_NODES.map((node) => `${node}: payload-${jobId} ${node}`));

    // Seen from the host: each node's copy in that node's own /tmp, none in the host's.
    const name = `qsc-sbcast-${jobId}`;
    for (const node of MULTI_NODES)
      expect(readFileSync(`${nodeLocalTmp(node)}/${name}`, 'utf8')).toBe(`payload-${jobId}\n${node}\n`);
    expect(existsSync(`/tmp/${name}`)).toBe(false);

    // Left behind by that job, as on a real node: the next job's own cleanup removes both copies.
    await batch(`#!/bin/bash
#SBATCH -J qsc-testbed-multi -p ${MULTI_PARTITION} -N 2 --ntasks-per-node=1 -c 1
srun -N2 -n2 -c1 rm /tmp/${name}
`);
    for (const node of MULTI_NODES) expect(existsSync(`${nodeLocalTmp(node)}/${name}`)).toBe(false);
  });
});
