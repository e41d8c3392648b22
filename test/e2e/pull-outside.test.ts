// Pulls happen outside GPU jobs: one CPU pull job shared by every submission needing the digest, chained with afterok;
// --wait follows both; the job runs exactly the digest chosen at submit even when the tag moves before it starts.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_HOME,
  freshCacheDir,
  jobFields,
  qsc,
  queuedJobIds,
  REGISTRY,
  sh,
  waitForJob,
} from '../support/cluster.js';
import {
  acceptedLogins,
  clientHome,
  logWindow,
  remoteQsc,
  removeTempDirs as removeSshTempDirs,
  SSHD_LOG,
} from '../support/ssh.js';
import {
  authFileFor,
  ownRepository,
  pushLines,
  RegistryProxy,
  registryLogFrom,
  removeTempDirs,
  startAsUser,
  userFile,
  waitFor,
  warmEnv,
} from '../support/warm.js';

const TF = 'CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=25.02';
const ECHO = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION MARK=$QSC_MARK'];
const slurmPull = (registry: string, cacheDir: string) => ({
  registry,
  cacheDir,
  cache: { minFree: '1G' },
  warm: { pullPartition: 'short', pullTime: '00:10:00' },
});
/** Pulls made by the container runtime (one manifest GET each), as the registry logged them. */
const runtimePulls = (lines: string[]) =>
  lines.filter((l) => l.includes('"GET ') && l.includes('/manifests/') && !l.endsWith('"node"')).length;

interface Submitted {
  jobId: string;
  pull: string;
  pullJobId: string | null;
  pullJobShared: boolean | null;
  digest: string;
}

const proxies: RegistryProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.stop();
  removeTempDirs();
  removeSshTempDirs();
});

describe('pulling outside the GPU job', () => {
  it('three GPU submissions share one CPU pull job; the GPU jobs pull nothing; --wait shows both jobs', async () => {
    const repository = ownRepository('chain');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('chain');
    const env = warmEnv(slurmPull(REGISTRY, cacheDir));
    const requests = registryLogFrom();
    const args = [
      '--gpu',
      `${REGISTRY}/${repository}:25.02-tf2-py3`,
      '-p',
      'gengpu',
      '--driver',
      '580.159.04',
      '--json',
      ...ECHO,
    ];
    // --wait on one, plain submissions for the others, all at once.
    const waiting = startAsUser([...args.slice(0, -ECHO.length), '--wait', ...ECHO], env);
    const others = await Promise.all([qsc(args, env), qsc(args, env)]);
    for (const o of others) expect(o.code, o.stderr).toBe(0);
    expect(await waiting.exited, waiting.output()).toBe(0);
    const submitted = [
      ...others.map((o) => JSON.parse(o.stdout) as Submitted),
      JSON.parse(
        waiting.output().slice(waiting.output().indexOf('{'), waiting.output().lastIndexOf('}') + 1),
      ) as Submitted,
    ];
    const pullJobs = new Set(submitted.map((s) => s.pullJobId));
    expect(pullJobs.size).toBe(1);
    expect(submitted.every((s) => s.pull === 'pull-job')).toBe(true);
    expect(submitted.filter((s) => s.pullJobShared === false)).toHaveLength(1);
    const [pullJobId] = [...pullJobs];
    // --wait reported the pull job, then the job, and the job's output.
    expect(waiting.output()).toMatch(new RegExp(`pull job ${pullJobId} (RUNNING|COMPLETED)`));
    expect(waiting.output()).toMatch(/job \d+ COMPLETED, exit code 0/);
    expect(waiting.output()).toContain('CUDA=12.8.0.038');
    for (const s of submitted) {
      const run = await waitForJob(s.jobId);
      expect(run.state).toBe('COMPLETED');
      expect(run.output).toContain('using cached image');
      expect(run.output).not.toContain('qsub-container: pulling');
    }
    expect(readFileSync(`${cacheDir}/.logs/hpcuser/pull-${pullJobId}.out`, 'utf8')).toContain(
      `qsub-container: pulling ${REGISTRY}/${repository}:25.02-tf2-py3`,
    );
    expect(runtimePulls(requests(repository))).toBe(1);

    // Cached now: the next submission neither pulls nor waits for anything.
    const again = await qsc(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ pull: 'cached', pullJobId: null });
    expect(jobFields((JSON.parse(again.stdout) as Submitted).jobId).Dependency ?? '(null)').toBe('(null)');
  });

  it("--pull local pulls on this host before submitting, through the warmer's pull path", async () => {
    const repository = ownRepository('local');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('local');
    const result = await qsc(
      [`${REGISTRY}/${repository}:25.02-tf2-py3`, '-p', 'short', '--pull', 'local', '--json', ...ECHO],
      warmEnv({ registry: REGISTRY, cacheDir, cache: { minFree: '1G' } }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('here before submitting');
    const { jobId, pull } = JSON.parse(result.stdout) as Submitted;
    expect(pull).toBe('pulled-here');
    const run = await waitForJob(jobId);
    expect(run).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('using cached image') });
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.sif'))).toHaveLength(1);
  });

  it('over SSH: the cache check, the pull before submitting and sbatch run on the cluster side, on one connection', async () => {
    const repository = ownRepository('sshlocal');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('sshlocal');
    const { home } = clientHome();
    const window = logWindow(SSHD_LOG);
    const args = [
      `${REGISTRY}/${repository}:25.02-tf2-py3`,
      '--host',
      'cluster',
      '-p',
      'short',
      '--cache-dir',
      cacheDir,
      '--pull',
      'local',
      '--json',
      ...ECHO,
    ];
    const first = await remoteQsc(args, home);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ pull: 'pulled-here' });
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.sif'))).toHaveLength(1);
    const second = await remoteQsc(args, home);
    expect(JSON.parse(second.stdout)).toMatchObject({ pull: 'cached' });
    for (const run of [first, second]) {
      expect(await waitForJob((JSON.parse(run.stdout) as Submitted).jobId)).toMatchObject({
        state: 'COMPLETED',
        output: expect.stringContaining('using cached image'),
      });
    }
    expect(acceptedLogins(window())).toBe(2);
  });

  it('runs the digest chosen at submit although the tag moved before the job started; the script records both', async () => {
    const proxy = new RegistryProxy();
    proxies.push(proxy);
    await proxy.start();
    const repository = ownRepository('pin');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_MARK=first QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('pin');
    const env = warmEnv(slurmPull(proxy.host, cacheDir), { QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host) });
    proxy.holdBlobs = true; // the pull job starts, then waits on its layers: the job cannot have started yet
    const ref = `${proxy.host}/${repository}:25.02-tf2-py3`;
    const result = await qsc(['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--json', ...ECHO], env);
    expect(result.code, result.stderr).toBe(0);
    const { jobId, digest } = JSON.parse(result.stdout) as Submitted;
    await waitFor('the pull job to be downloading', () => proxy.heldCount > 0, 90_000);
    expect(jobFields(jobId).JobState).toBe('PENDING');
    // While it pulls: a submission for the same cache shares it; one for another cache dir gets its own pull job.
    const same = JSON.parse(
      (await qsc(['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--json', '--', 'true'], env)).stdout,
    ) as Submitted;
    const otherEnv = warmEnv(slurmPull(proxy.host, freshCacheDir('pin-other')), {
      QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host),
    });
    const other = JSON.parse(
      (await qsc(['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--json', '--', 'true'], otherEnv)).stdout,
    ) as Submitted;
    const first = (JSON.parse(result.stdout) as Submitted).pullJobId;
    expect(same).toMatchObject({ pullJobId: first, pullJobShared: true });
    expect(other.pullJobId).not.toBe(first);
    expect(other.pullJobShared).toBe(false);
    // The tag moves to another image.
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_MARK=second QSC_TEST=${repository}`]);
    proxy.releaseHeld();
    const run = await waitForJob(jobId);
    expect(run.state).toBe('COMPLETED');
    expect(run.output).toContain('MARK=first');
    for (const j of [same, other]) expect(await waitForJob(j.jobId)).toMatchObject({ state: 'COMPLETED' });
    const script = sh('scontrol', ['write', 'batch_script', jobId, '-']);
    expect(script).toContain(`image_ref=${proxy.host}/${repository}:25.02-tf2-py3`);
    expect(script).toContain(`image_digest=${digest}`);
    expect(script).toContain(`pull_ref=docker://${proxy.host}/${repository}@${digest}`);
    // A new submission resolves the moved tag to the new digest.
    const next = await qsc(
      ['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--json', '--dry-run', ...ECHO],
      env,
    );
    expect((JSON.parse(next.stdout) as Submitted).digest).not.toBe(digest);
    await proxy.stop();
  });

  it('an array and a file of commands run every task on the one image resolved and pulled at submit', async () => {
    const repository = ownRepository('array');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('array');
    const env = warmEnv(slurmPull(REGISTRY, cacheDir));
    const requests = registryLogFrom();
    const ref = `${REGISTRY}/${repository}:25.02-tf2-py3`;
    const gpu = ['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--json'];
    const array = await qsc(
      [...gpu, '--array', '0-2', '--', 'sh', '-c', 'echo task=$SLURM_ARRAY_TASK_ID CUDA=$CUDA_VERSION'],
      env,
    );
    expect(array.code, array.stderr).toBe(0);
    const commands = userFile(
      'tasks.txt',
      ['echo "first: $CUDA_VERSION"', '# a comment', '', "echo 'second' $((6*7))", 'echo third | tr a-z A-Z'].join(
        '\n',
      ),
    );
    const listed = await qsc([...gpu, '--commands', commands], env);
    expect(listed.code, listed.stderr).toBe(0);
    const [a, b] = [JSON.parse(array.stdout) as Submitted, JSON.parse(listed.stdout) as Submitted];
    expect(b.pullJobId).toBe(a.pullJobId); // one pull job for both submissions
    await waitFor(
      'the array tasks to end',
      () =>
        queuedJobIds().every(
          (id) => !id.startsWith(`${a.jobId}_`) && !id.startsWith(`${b.jobId}_`) && id !== a.jobId && id !== b.jobId,
        ),
      120_000,
    );
    const out = (job: string, task: number) => readFileSync(`${CLUSTER_HOME}/slurm-${job}_${task}.out`, 'utf8');
    for (const task of [0, 1, 2]) {
      expect(out(a.jobId, task)).toContain(`task=${task} CUDA=12.8.0.038`);
      expect(out(a.jobId, task)).toContain('using cached image');
    }
    expect(out(b.jobId, 0)).toContain('first: 12.8.0.038');
    expect(out(b.jobId, 1)).toContain('second 42');
    expect(out(b.jobId, 2)).toContain('THIRD');
    expect(runtimePulls(requests(repository))).toBe(1);
    for (const job of [a.jobId, b.jobId])
      for (const task of [0, 1, 2]) rmSync(`${CLUSTER_HOME}/slurm-${job}_${task}.out`);
    const waitArray = await qsc([...gpu, '--array', '0-1', '--wait', '--', 'true'], env);
    expect(waitArray.code).toBe(2);
    expect(waitArray.stderr).toContain('--wait follows one job, not an array');
  });
});
