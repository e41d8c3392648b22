// Faults around pulls on the testbed: a pull job cancelled mid-pull, a truncated SIF in the cache, a cache filesystem
// that fills up during a pull; and 200 generated hostile values reaching a real job byte for byte.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { pushRandomImage } from '../support/big-image.js';
import { CLUSTER_USER, freshCacheDir, jobFields, jobName, qsc, REGISTRY, sh, waitForJob } from '../support/cluster.js';
import { asBindPath, asDirectiveValue, hostileValues } from '../support/hostile-gen.js';
import {
  authFileFor,
  gid,
  ownRepository,
  pushLines,
  RegistryProxy,
  removeTempDirs,
  startAsUser,
  uid,
  waitFor,
  warmEnv,
} from '../support/warm.js';

const TF = 'CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=25.02';
const ECHO = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
const sifs = (dir: string) => readdirSync(dir).filter((f) => /^sha256-[0-9a-f]{64}\.sif$/.test(f));
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.partial') || f.endsWith('.lockd'));
const tmpLeft = (dir: string) =>
  existsSync(`${dir}/.tmp/${CLUSTER_USER}`) ? readdirSync(`${dir}/.tmp/${CLUSTER_USER}`) : [];
/** The lock is free when another process can take it at once. */
const lockFree = (file: string) => {
  try {
    execFileSync('flock', ['-n', file, 'true']);
    return true;
  } catch {
    return false;
  }
};
const jsonOf = (text: string) =>
  JSON.parse(text.slice(text.indexOf('{\n'), text.indexOf('\n}') + 2)) as {
    jobId: string;
    pullJobId: string | null;
    digest: string;
    pull: string;
  };

const proxies: RegistryProxy[] = [];
const mounts: string[] = [];
afterAll(async () => {
  for (const p of proxies) await p.stop();
  for (const m of mounts) execFileSync('umount', [m]);
  removeTempDirs();
});

describe('pull faults', () => {
  it('scancel of the pull job mid-pull: no partial SIF, lock released, the job never starts and --wait says why; resubmitting works', async () => {
    const proxy = new RegistryProxy();
    proxies.push(proxy);
    await proxy.start();
    const repository = ownRepository('cancelpull');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('cancelpull');
    const env = warmEnv(
      {
        registry: proxy.host,
        cacheDir,
        cache: { minFree: '1G' },
        warm: { pullPartition: 'short', pullTime: '00:10:00' },
      },
      { QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host) },
    );
    const args = [
      '--gpu',
      `${proxy.host}/${repository}:25.02-tf2-py3`,
      '-p',
      'gengpu',
      '--driver',
      '580.159.04',
      '--json',
      ...ECHO,
    ];
    proxy.holdBlobs = true;
    const submittedAt = Date.now();
    const waiting = startAsUser([...args.slice(0, -ECHO.length), '--wait', ...ECHO], env);
    await waitFor('the pull job to be downloading', () => proxy.heldCount > 0, 90_000);
    const { jobId, pullJobId, digest } = jsonOf(waiting.output());
    expect(pullJobId).toMatch(/^\d+$/);
    sh('scancel', [pullJobId!]);

    expect(await waiting.exited).toBe(1);
    expect(waiting.output()).toContain(`pull job ${pullJobId} ended CANCELLED, so job ${jobId} can never start`);
    expect(waiting.output()).toContain('DependencyNeverSatisfied');
    // --kill-on-invalid-dep: Slurm ends the job without running it.
    await waitFor('the job to be cancelled', () => jobFields(jobId).JobState === 'CANCELLED', 30_000);
    expect(['', '(null)']).toContain(jobFields(jobId).NodeList ?? '');
    // Job ids start again at 1 when the testbed's slurmctld state is new, so an output file of an earlier testbed's
    // job of the same id may exist: only one written since this job was submitted would mean it ran.
    const output = `/home/${CLUSTER_USER}/slurm-${jobId}.out`;
    expect(existsSync(output) && statSync(output).mtimeMs >= submittedAt).toBe(false);
    const sif = `${cacheDir}/sha256-${digest.slice(7)}.sif`;
    await waitFor(
      'the pull job trap to clean up',
      () => leftovers(cacheDir).length === 0 && tmpLeft(cacheDir).length === 0,
      30_000,
    );
    expect(sifs(cacheDir)).toEqual([]);
    expect(lockFree(`${sif}.lock`)).toBe(true);
    expect(lockFree(`${sif}.submit.lock`)).toBe(true);

    proxy.holdBlobs = false;
    const again = await qsc([...args.slice(0, -ECHO.length), '--wait', ...ECHO], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('CUDA=12.8.0.038');
    expect(jsonOf(again.stdout).pullJobId).not.toBe(pullJobId);
    expect(sifs(cacheDir)).toHaveLength(1);
    await proxy.stop();
  });

  it('a truncated SIF in the cache is detected at submit, quarantined, and pulled again', async () => {
    const repository = ownRepository('truncated');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('truncated');
    const env = warmEnv({ registry: REGISTRY, cacheDir, cache: { minFree: '1G' } });
    const args = [`${REGISTRY}/${repository}:25.02-tf2-py3`, '-p', 'short', '--pull', 'local', '--json', ...ECHO];
    const first = await qsc(args, env);
    expect(first.code, first.stderr).toBe(0);
    expect(await waitForJob(jsonOf(first.stdout).jobId)).toMatchObject({ state: 'COMPLETED' });
    const [sif] = sifs(cacheDir);
    sh('runuser', ['-u', CLUSTER_USER, '--', 'truncate', '-s', '300000', `${cacheDir}/${sif}`]);

    const second = await qsc(args, env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /was damaged \(size 300000 differs from the \d+ recorded at pull \(truncated\?\)\); moved to .*\/quarantine\//,
    );
    expect(jsonOf(second.stdout).pull).toBe('pulled-here');
    expect(await waitForJob(jsonOf(second.stdout).jobId)).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=12.8.0.038'),
    });
    expect(readdirSync(`${cacheDir}/quarantine`).filter((f) => f.startsWith(sif!))).toHaveLength(2); // the SIF and its sidecar
    expect((await qsc(['cache', 'verify', '--cache-dir', cacheDir], env)).code).toBe(0);
  });

  it('a cache filesystem that fills up during the pull: partial removed, a clear error; a chained pull job fails and --wait says so', async () => {
    const repository = ownRepository('diskfull');
    pushRandomImage(repository, '25.02-tf2-py3', 40, [...TF.split(' '), `QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('diskfull');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=24m,uid=${uid()},gid=${gid()},mode=2775`, 'tmpfs', cacheDir]);
    mounts.push(cacheDir);
    const env = warmEnv({
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1M' },
      warm: { pullPartition: 'short', pullTime: '00:10:00' },
    });
    const ref = `${REGISTRY}/${repository}:25.02-tf2-py3`;

    const here = await qsc([ref, '-p', 'short', '--pull', 'local', ...ECHO], env);
    expect(here.code).toBe(75);
    expect(here.stderr).toMatch(/filesystem of .* filled up while pulling .*; the partial download was removed/);
    expect(sifs(cacheDir)).toEqual([]);
    expect(leftovers(cacheDir)).toEqual([]);
    expect(tmpLeft(cacheDir)).toEqual([]);

    const chained = await qsc(
      ['--gpu', ref, '-p', 'gengpu', '--driver', '580.159.04', '--pull', 'slurm', '--wait', ...ECHO],
      env,
    );
    expect(chained.code).toBe(1);
    expect(chained.stderr).toMatch(/pull job \d+ ended FAILED, so job \d+ can never start/);
    expect(chained.stderr).toContain('no space left on device');
    expect(sifs(cacheDir)).toEqual([]);
    expect(leftovers(cacheDir)).toEqual([]);
    expect(tmpLeft(cacheDir)).toEqual([]);
    execFileSync('umount', [mounts.pop()!]);
  });
});

describe('200 generated hostile values in a real job', () => {
  it('reach the container byte for byte as arguments and --env values, through binds with hostile paths, under a hostile job name', async () => {
    const values = hostileValues(200, 11);
    const repository = ownRepository('hostile');
    pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
    const cacheDir = freshCacheDir('hostile');
    const env = warmEnv({ registry: REGISTRY, cacheDir, cache: { minFree: '1G' } });
    // Three bind sources named after generated values, each holding a file with its index.
    const binds = values.slice(0, 3).map((v, i) => {
      const dir = `${asBindPath(v).slice(0, 200)}-${process.pid}-${i}`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/index`, `bind ${i}\n`);
      return `${dir}:/mnt/b${i}:ro`;
    });
    const envValues = values.slice(0, 40);
    const name = asDirectiveValue(values[5]!);
    const printer = `printf '%s\\000' "$@" ${envValues.map((_, i) => `"$V${i}"`).join(' ')} | od -An -tx1 -v; cat /mnt/b0/index /mnt/b1/index /mnt/b2/index`;
    const result = await qsc(
      [
        `${REGISTRY}/${repository}:25.02-tf2-py3`,
        '-p',
        'short',
        '--pull',
        'local',
        '-J',
        name,
        ...binds.flatMap((b) => ['--bind', b]),
        ...envValues.flatMap((v, i) => ['--env', `V${i}=${v}`]),
        '--',
        'sh',
        '-c',
        printer,
        'sh',
        ...values,
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const jobId = result.stdout.trim();
    expect(jobName(jobId)).toBe(name);
    const { output, state } = await waitForJob(jobId);
    expect(state, output.slice(0, 2000)).toBe('COMPLETED');
    const hex = output
      .split('\n')
      .filter((l) => /^( [0-9a-f]{2})+$/.test(l))
      .join('')
      .replace(/ /g, '');
    expect(Buffer.from(hex, 'hex').toString('utf8')).toBe([...values, ...envValues].map((a) => `${a}\0`).join(''));
    expect(output).toContain('bind 0\nbind 1\nbind 2\n');
    for (const b of binds) execFileSync('rm', ['-rf', b.split(':')[0]!]);
  });
});
