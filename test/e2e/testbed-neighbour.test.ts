// The testbed's hostile neighbour is real: mallory is a second cluster user in the shared cache's group, her jobs run
// as her, she logs in over the testbed sshd with her own key, and she can write where the cache lives.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_USER, jobFields, SHARED_CACHE, runAsUser, sh } from '../support/cluster.js';
import { cacheGroup, NEIGHBOUR, runAsNeighbour, sshAsNeighbour } from '../support/neighbour.js';

const planted = `${SHARED_CACHE}/.neighbour-test-${process.pid}`;
afterAll(() => rmSync(planted, { force: true }));

describe('the hostile neighbour', () => {
  it("is a member of the cache directory's group, not the cluster user", () => {
    expect(cacheGroup()).toBe(CLUSTER_USER);
    expect(sh('id', ['-nG', NEIGHBOUR]).trim().split(' ')).toEqual([NEIGHBOUR, CLUSTER_USER]);
    expect(sh('id', ['-u', NEIGHBOUR]).trim()).not.toBe(sh('id', ['-u', CLUSTER_USER]).trim());
  });

  it('runs commands and Slurm jobs as herself', async () => {
    const local = await runAsNeighbour(['id', '-un']);
    expect(local.stdout).toBe(`${NEIGHBOUR}\n`);
    const job = await runAsNeighbour(['srun', '-p', 'short', '-c1', 'sh', '-c', 'id -un; echo "$SLURM_JOB_USER"']);
    expect(job.code, job.stderr).toBe(0);
    expect(job.stdout).toBe(`${NEIGHBOUR}\n${NEIGHBOUR}\n`);
  });

  it('logs in over the testbed sshd with her key, and submits from there', async () => {
    const login = await sshAsNeighbour('id -un; sbatch --parsable -p short -o /dev/null --wrap true');
    expect(login.code, login.stderr).toBe(0);
    const [user, jobId] = login.stdout.trim().split('\n');
    expect(user).toBe(NEIGHBOUR);
    expect(jobFields(jobId!).UserId).toMatch(new RegExp(`^${NEIGHBOUR}\\(\\d+\\)$`));
  });

  it('writes into the shared cache directory, where a file of hers is group-owned like the cluster user’s', async () => {
    const made = await runAsNeighbour(['sh', '-c', `echo planted > '${planted}' && stat -c '%U %G' '${planted}'`]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toBe(`${NEIGHBOUR} ${CLUSTER_USER}\n`); // the directory is setgid
    const seen = await runAsUser(['cat', planted]);
    expect(seen.stdout).toBe('planted\n');
  });
});
