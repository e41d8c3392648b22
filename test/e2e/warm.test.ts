// The warmer on the testbed: pulls what the partitions' drivers select, idles cheaply, picks up a new release,
// prunes around queued jobs, runs one instance, stops cleanly on SIGTERM, and outlives a registry outage.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, qsc, REGISTRY, runAsUser, sh } from '../support/cluster.js';
import {
  authFileFor,
  cliPid,
  ownRepository,
  pushLines,
  pushTags,
  RegistryProxy,
  registryLogFrom,
  removeTempDirs,
  startAsUser,
  waitFor,
  warmEnv,
} from '../support/warm.js';

const sifs = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^sha256-[0-9a-f]{64}\.sif$/.test(f))
    .sort();
const partials = (dir: string) => readdirSync(dir).filter((f) => f.includes('.partial.'));
const tmpLeft = (dir: string) => (existsSync(`${dir}/.tmp/hpcuser`) ? readdirSync(`${dir}/.tmp/hpcuser`) : []);

interface Tick {
  ok: boolean;
  pulled: string[];
  cached: string[];
  evicted: string[];
  failed: { what: string; message: string }[];
}

async function tick(
  env: Record<string, string>,
  extra: string[] = [],
): Promise<{ code: number | null; tick: Tick; stderr: string }> {
  const result = await qsc(['warm', '--once', '--json', ...extra], env);
  return { code: result.code, tick: JSON.parse(result.stdout) as Tick, stderr: result.stderr };
}

const proxies: RegistryProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.stop();
  removeTempDirs();
});

describe('warm --once on the testbed', () => {
  it('pulls the selected tag for both GPU partitions, then idles on one HEAD per image, then pulls exactly a new release', async () => {
    const repository = ownRepository('warm');
    pushTags(repository, ['22.10-tf2-py3', '23.01-tf2-py3', '25.02-tf2-py3']);
    const cacheDir = freshCacheDir('warm');
    const env = warmEnv({
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1G' },
      warm: { targets: [{ framework: 'tensorflow', repository, partitions: ['gengpu', 'gpu-legacy'] }] },
    });
    const image = (tag: string) => `${REGISTRY}/${repository}:${tag}`;

    const first = await tick(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.tick.pulled.sort()).toEqual([image('23.01-tf2-py3'), image('25.02-tf2-py3')]);
    expect(sifs(cacheDir)).toHaveLength(2);
    // Tag links point at the digest-named SIFs; sidecars say what each image is.
    const link = readlinkSync(`${cacheDir}/tags/${REGISTRY}/${repository}/25.02-tf2-py3.sif`);
    expect(link).toMatch(/^(\.\.\/)+sha256-[0-9a-f]{64}\.sif$/);
    const sidecar = JSON.parse(readFileSync(`${cacheDir}/${link.split('/').at(-1)!.replace('.sif', '.json')}`, 'utf8'));
    expect(sidecar).toMatchObject({
      source: image('25.02-tf2-py3'),
      cudaVersion: '12.8.0.038',
      cudaDriverVersion: '570.86.10',
      size: expect.any(Number),
    });
    expect(partials(cacheDir)).toEqual([]);

    const requests = registryLogFrom();
    const second = await tick(env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.tick.pulled).toEqual([]);
    expect(second.tick.cached.sort()).toEqual([image('23.01-tf2-py3'), image('25.02-tf2-py3')]);
    const lines = requests(repository);
    const manifestRequests = lines.filter((l) => l.includes('/manifests/'));
    // One HEAD per cached image (has its tag moved?); no manifest or blob GETs; the tag list once per repository.
    expect(manifestRequests).toHaveLength(2);
    expect(manifestRequests.every((l) => l.includes('"HEAD '))).toBe(true);
    expect(lines.filter((l) => l.includes('/blobs/'))).toEqual([]);
    expect(lines.filter((l) => l.includes('/tags/list') && l.includes('" 200 '))).toHaveLength(1);
    console.log(
      `idle tick: ${lines.length} registry requests for 2 images (${lines.map((l) => /"(\w+) ([^ ]+)/.exec(l)?.slice(1).join(' ')).join(' | ')})`,
    );

    // A new release the gengpu driver can run (CUDA 12.8, distinct digest): the next tick pulls it and only it.
    pushLines([
      `${repository} 25.03-tf2-py3 CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=25.03`,
    ]);
    const third = await tick(env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.tick.pulled).toEqual([image('25.03-tf2-py3')]);
    expect(third.tick.cached).toEqual([image('23.01-tf2-py3')]);
    expect(sifs(cacheDir)).toHaveLength(3);
  });

  it('prune keeps images queued jobs reference (by job comment, or by their script) and pinned ones, and evicts the rest', async () => {
    const repository = ownRepository('prune');
    const tags = ['21.12-tf2-py3', '22.10-tf2-py3', '23.01-tf2-py3', '25.02-tf2-py3'];
    pushTags(repository, tags);
    const cacheDir = freshCacheDir('prune');
    const image = (tag: string) => `${REGISTRY}/${repository}:${tag}`;
    const config = {
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1G', pins: [image('22.10-tf2-py3')] },
      warm: { prune: false, targets: tags.map((t) => ({ image: image(t) })) },
    };
    const env = warmEnv(config);
    expect((await tick(env)).tick.pulled).toHaveLength(4);

    // Held jobs, exactly as qsub-container renders them: one needs 25.02 (found by its comment); one needs 23.01 and
    // lacks the comment, as jobs submitted before it existed do (found by reading its script).
    const heldJob = async (tag: string, withComment: boolean) => {
      const dry = await qsc([image(tag), '-p', 'short', '--cache-dir', cacheDir, '--dry-run', '--', 'true'], env);
      expect(dry.code, dry.stderr).toBe(0);
      const script = withComment ? dry.stdout : dry.stdout.replace(/^#SBATCH --comment=.*\n/m, '');
      const held = await runAsUser(['sbatch', '--hold', '--parsable', '--output=/dev/null'], {}, script);
      expect(held.stdout.trim(), held.stderr).toMatch(/^\d+$/);
      return held.stdout.trim();
    };
    const jobs = [await heldJob('25.02-tf2-py3', true), await heldJob('23.01-tf2-py3', false)];
    try {
      const dryPrune = await qsc(['cache', 'prune', '--max-size', '0', '--dry-run', '--json'], env);
      expect(dryPrune.code, dryPrune.stderr).toBe(0);
      expect(sifs(cacheDir)).toHaveLength(4);

      const prune = await qsc(['cache', 'prune', '--max-size', '0', '--json'], env);
      expect(prune.code, prune.stderr).toBe(0);
      const result = JSON.parse(prune.stdout) as {
        removed: { tags: string[] }[];
        kept: { tags: string[]; reason: string }[];
      };
      expect(result.removed.map((r) => r.tags)).toEqual([[image('21.12-tf2-py3')]]);
      expect(result.kept.map((k) => [k.tags[0], k.reason]).sort()).toEqual([
        [image('22.10-tf2-py3'), 'pinned'],
        [image('23.01-tf2-py3'), 'in-use'],
        [image('25.02-tf2-py3'), 'in-use'],
      ]);
      expect(sifs(cacheDir)).toHaveLength(3);
      expect(existsSync(`${cacheDir}/tags/${REGISTRY}/${repository}/21.12-tf2-py3.sif`)).toBe(false);
      const ls = JSON.parse((await qsc(['cache', 'ls', '--json'], env)).stdout) as {
        images: { tags: string[]; inUse: boolean }[];
      };
      expect(ls.images.find((i) => i.tags.includes(image('25.02-tf2-py3')))?.inUse).toBe(true);
    } finally {
      sh('scancel', jobs);
    }
    const verify = await qsc(['cache', 'verify'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout.trim().split('\n')).toHaveLength(3);
  });
});

describe('warm --daemon on the testbed', () => {
  it('runs one instance; SIGTERM during a pull leaves no partial file and releases the lock', async () => {
    const proxy = new RegistryProxy();
    proxies.push(proxy);
    await proxy.start();
    const repository = ownRepository('daemon');
    pushLines([
      `${repository} 25.02-tf2-py3 CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=25.02 QSC_TEST=${repository}`,
    ]);
    const cacheDir = freshCacheDir('daemon');
    const env = warmEnv(
      {
        registry: proxy.host,
        cacheDir,
        cache: { minFree: '1G' },
        warm: { schedule: '0 0 1 1 *', targets: [{ image: `${proxy.host}/${repository}:25.02-tf2-py3` }] },
      },
      { QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host) },
    );
    proxy.holdBlobs = true; // the pull starts and then waits on its layer download
    const first = startAsUser(['warm', '--daemon', '--log-level', 'info'], env);
    await waitFor('the pull to be downloading', () => proxy.heldCount > 0, 90_000);
    await waitFor('the pull to be running', () => /"event":"cache.pull"/.test(first.output()));
    expect(existsSync(`${cacheDir}/.warm.lock`)).toBe(true);

    const second = await qsc(['warm', '--daemon'], env);
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/another warmer holds .*\.warm\.lock/);

    process.kill(cliPid(first.child.pid!), 'SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/"event":"warm.failed".*stopped by shutdown/);
    expect(first.output()).toContain('"event":"warm.daemon-stopped"');
    expect(partials(cacheDir)).toEqual([]);
    expect(sifs(cacheDir)).toEqual([]);
    expect(tmpLeft(cacheDir)).toEqual([]);
    expect(existsSync(`${cacheDir}/.warm.lock`)).toBe(false);
    await proxy.stop();
  });

  it('a tick fails while the registry is down, is logged, and the next tick succeeds', async () => {
    const proxy = new RegistryProxy();
    proxies.push(proxy);
    await proxy.start(); // learn a free port, then take the registry down
    await proxy.stop();
    const repository = ownRepository('outage');
    pushTags(repository, ['23.01-tf2-py3']);
    const cacheDir = freshCacheDir('outage');
    const ref = `${proxy.host}/${repository}:23.01-tf2-py3`;
    const env = warmEnv(
      {
        registry: proxy.host,
        cacheDir,
        cache: { minFree: '1G' },
        warm: { schedule: '*/3 * * * * *', targets: [{ image: ref }] },
      },
      { QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host) },
    );
    const daemon = startAsUser(['warm', '--daemon', '--log-level', 'info'], env);
    await waitFor('a failed tick', () => /"event":"warm.tick","ok":false/.test(daemon.output()), 60_000);
    expect(daemon.output()).toMatch(/"event":"warm.failed".*unreachable/);
    await proxy.start();
    await waitFor('a successful tick', () => /"event":"warm.tick","ok":true,"pulled":1/.test(daemon.output()), 90_000);
    process.kill(cliPid(daemon.child.pid!), 'SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(sifs(cacheDir)).toHaveLength(1);
    await proxy.stop();
  });
});

describe('the cache protocol on the testbed', () => {
  it('pulls past a stale lock directory where flock is not used, and verify quarantines a broken SIF that the next tick replaces', async () => {
    const repository = ownRepository('lockd');
    pushTags(repository, ['23.01-tf2-py3']);
    const cacheDir = freshCacheDir('lockd');
    const ref = `${REGISTRY}/${repository}:23.01-tf2-py3`;
    const env = warmEnv(
      {
        registry: REGISTRY,
        cacheDir,
        cache: { minFree: '1G', staleLockSeconds: 3600 },
        warm: { targets: [{ image: ref }] },
      },
      { QSUB_CONTAINER_LOCK: 'mkdir' },
    );
    const plan = JSON.parse((await qsc(['warm', '--once', '--dry-run', '--json'], env)).stdout) as {
      plan: { pulls: { digest: string }[] };
    };
    const sif = `sha256-${plan.plan.pulls[0]!.digest.slice(7)}.sif`;
    // The lock of a pull that died on this host: its owner process no longer exists.
    runAsUserSync(`mkdir ${cacheDir}/${sif}.lockd && echo "$(hostname) 999999 1" > ${cacheDir}/${sif}.lockd/owner`);
    const first = await tick(env, ['--log-level', 'debug']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.tick.pulled).toEqual([ref]);
    expect(first.stderr).toContain('flock does not work on');
    expect(first.stderr).toContain('removing the stale lock of');
    expect(existsSync(`${cacheDir}/${sif}.lockd`)).toBe(false);

    // Damage the image: verify moves it to quarantine/ and drops its tag link; the next tick pulls it again.
    // (Published read-only: its owner makes it writable first.)
    runAsUserSync(
      `chmod u+w ${cacheDir}/${sif} && printf 'garbage' | dd of=${cacheDir}/${sif} bs=1 seek=32 conv=notrunc 2>/dev/null`,
    );
    const verify = await qsc(['cache', 'verify'], env);
    expect(verify.code).toBe(65);
    expect(verify.stdout).toMatch(/^BAD [0-9a-f]{12}: no SIF header; moved to .*quarantine/m);
    expect(sifs(cacheDir)).toEqual([]);
    expect(readdirSync(`${cacheDir}/quarantine`).length).toBe(2);
    expect(existsSync(`${cacheDir}/tags/${REGISTRY}/${repository}/23.01-tf2-py3.sif`)).toBe(false);
    const again = await tick(env);
    expect(again.tick.pulled).toEqual([ref]);
    expect((await qsc(['cache', 'verify'], env)).code).toBe(0);
  });

  it('scancel of a job while it pulls leaves no partial file, temp dir or lock directory', async () => {
    const proxy = new RegistryProxy();
    proxies.push(proxy);
    await proxy.start();
    const repository = ownRepository('scancel');
    pushLines([
      `${repository} 23.01-tf2-py3 CUDA_VERSION=12.0.1.000 CUDA_DRIVER_VERSION=525.85.12 QSC_TEST=${repository}`,
    ]);
    const cacheDir = freshCacheDir('scancel');
    proxy.holdBlobs = true;
    const env = { QSUB_CONTAINER_AUTH_FILE: authFileFor(proxy.host) };
    const submitted = await qsc(
      [`${proxy.host}/${repository}:23.01-tf2-py3`, '-p', 'short', '--cache-dir', cacheDir, '--', 'true'],
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = submitted.stdout.trim();
    await waitFor('the job to be downloading layers', () => proxy.heldCount > 0, 120_000);
    sh('scancel', [jobId]);
    await waitFor(
      'the job to leave the queue',
      () => !sh('squeue', ['--noheader', '--format=%i']).split('\n').includes(jobId),
      90_000,
    );
    await waitFor(
      'the trap to clean up',
      () => partials(cacheDir).length === 0 && tmpLeft(cacheDir).length === 0,
      30_000,
    );
    expect(sifs(cacheDir)).toEqual([]);
    expect(
      readdirSync(cacheDir).filter((f) => f.endsWith('.json') || f.includes('.partial') || f.endsWith('.lockd')),
    ).toEqual([]);
    await proxy.stop();
  });

  it('refuses to start a pull without the configured free space, leaving nothing behind', async () => {
    const repository = ownRepository('nospace');
    pushTags(repository, ['22.10-tf2-py3']);
    const cacheDir = freshCacheDir('nospace');
    const env = warmEnv({
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1P' },
      warm: { targets: [{ image: `${REGISTRY}/${repository}:22.10-tf2-py3` }] },
    });
    const result = await tick(env);
    expect(result.code).toBe(75);
    expect(result.tick.failed[0]!.message).toMatch(/free in .* needed to pull/);
    expect(sifs(cacheDir)).toEqual([]);
    expect(partials(cacheDir)).toEqual([]);
    expect(tmpLeft(cacheDir)).toEqual([]);
  });

  it('pulls as a Slurm job on a CPU partition with pullOn: slurm', async () => {
    const repository = ownRepository('slurmpull');
    pushTags(repository, ['22.10-tf2-py3']);
    const cacheDir = freshCacheDir('slurmpull');
    const ref = `${REGISTRY}/${repository}:22.10-tf2-py3`;
    const env = warmEnv({
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1G' },
      warm: { pullOn: 'slurm', pullPartition: 'short', pullTime: '00:10:00', targets: [{ image: ref }] },
    });
    const result = await tick(env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.tick.pulled).toEqual([ref]);
    expect(sifs(cacheDir)).toHaveLength(1);
    // In the warmer's own directory under .logs (sticky), where no one else can plant a name slurmd writes through.
    expect(readdirSync(`${cacheDir}/.logs`)).toEqual(['hpcuser']);
    const logs = readdirSync(`${cacheDir}/.logs/hpcuser`);
    expect(logs).toHaveLength(1);
    expect(readFileSync(`${cacheDir}/.logs/hpcuser/${logs[0]}`, 'utf8')).toContain(`qsub-container: pulling ${ref}`);
  });
});

function runAsUserSync(command: string): void {
  sh('runuser', ['-u', 'hpcuser', '--', 'sh', '-c', command]);
}
