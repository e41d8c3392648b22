// The warmer caches the digest a submission selects: under the site's default policy, a target's own policy, and the
// forward-compat gate, on the testbed's gpu-legacy partition (driver 525.105.17: native 23.01, minor-compat 25.02).
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, qsc, REGISTRY, waitForJob } from '../support/cluster.js';
import { removeTempDirs, userFile, warmEnv } from '../support/warm.js';

const TF = (tag: string) => `${REGISTRY}/nvidia/tensorflow:${tag}`;
const ECHO_CUDA = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
const sifs = (dir: string) => readdirSync(dir).filter((f) => /^sha256-[0-9a-f]{64}\.sif$/.test(f));

/** A tag link the warm plan writes: ref → digest (tf1 and tf2 of one release may share a digest, so pulls do not say which). */
interface Link {
  ref: string;
  digest: string;
}

/** A site config of the test's own (its policy defaults are the point), with an empty user config over it. */
function siteEnv(site: object): Record<string, string> {
  return warmEnv(
    {},
    {
      QSUB_CONTAINER_SITE_CONFIG: userFile(
        'site.json',
        JSON.stringify({ registry: REGISTRY, cache: { minFree: '1G' }, ...site }),
      ),
    },
  );
}

/** What `submit --dry-run` under this env selects: image, digest, policy and the job's cache comment line. */
async function dryRun(env: Record<string, string>, cacheDir: string, flags: string[] = []) {
  const result = await qsc(
    ['--gpu', 'tensorflow', '-p', 'gpu-legacy', '--cache-dir', cacheDir, '--dry-run', '--json', ...flags, ...ECHO_CUDA],
    env,
  );
  expect(result.code, result.stderr).toBe(0);
  const body = JSON.parse(result.stdout) as {
    image: string;
    digest: string;
    policy: string;
    mode: string;
    script: string;
  };
  return { ...body, comment: /^#SBATCH --comment=qsc-image=(\S+)$/m.exec(body.script)?.[1] };
}

/** The images a warm tick would keep (in a fresh cache: a tag link for each). */
async function warmPlan(env: Record<string, string>): Promise<Link[]> {
  const result = await qsc(['warm', '--once', '--dry-run', '--json'], env);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { plan: { links: Link[] } }).plan.links;
}

afterAll(() => removeTempDirs());

describe('warm selects as submit does', () => {
  it('under a site default of minor-compat, warms the digest a gpu-legacy job then runs from the cache', async () => {
    const cacheDir = freshCacheDir('warm-policy');
    const env = siteEnv({
      cacheDir,
      policy: 'minor-compat',
      warm: { targets: [{ framework: 'tensorflow', partitions: ['gpu-legacy'] }] },
    });

    const warmed = await qsc(['warm', '--once', '--json'], env);
    expect(warmed.code, warmed.stderr).toBe(0);
    expect((JSON.parse(warmed.stdout) as { pulled: string[] }).pulled).toEqual([TF('25.02-tf2-py3')]);
    const [sif] = sifs(cacheDir);
    const warmedDigest = `sha256:${sif!.slice('sha256-'.length, -'.sif'.length)}`;

    const planned = await dryRun(env, cacheDir);
    expect(planned).toMatchObject({
      image: TF('25.02-tf2-py3'),
      policy: 'minor-compat',
      mode: 'minor-compat',
      digest: warmedDigest,
      comment: warmedDigest,
    });
    // Native would have picked the older tag: the digest the warmer used to cache, which jobs here never ask for.
    expect((await dryRun(env, cacheDir, ['--policy', 'native'])).image).toBe(TF('23.01-tf2-py3'));

    const submitted = await qsc(
      ['--gpu', 'tensorflow', '-p', 'gpu-legacy', '--cache-dir', cacheDir, '--json', ...ECHO_CUDA],
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const job = JSON.parse(submitted.stdout) as { jobId: string; digest: string; pull: string };
    expect(job.digest).toBe(warmedDigest);
    const run = await waitForJob(job.jobId);
    expect(run.state, run.output).toBe('COMPLETED');
    expect(run.output).toContain(`using cached image`);
    expect(run.output).not.toContain('qsub-container: pulling');
    expect(run.output).toContain('CUDA=12.8.0.038');
    expect(sifs(cacheDir)).toEqual([sif]);
  });

  it("a target's own policy and variant override the site default, each matching submit with the same flags", async () => {
    const cacheDir = freshCacheDir('warm-policy-target');
    const targets = [
      { framework: 'tensorflow', partitions: ['gpu-legacy'] },
      { framework: 'tensorflow', partitions: ['gpu-legacy'], policy: 'native' },
      { framework: 'tensorflow', partitions: ['gpu-legacy'], variant: 'tf1', python: 3 },
    ];
    const env = siteEnv({ cacheDir, policy: 'minor-compat', warm: { targets } });
    const plan = await warmPlan(env);
    const byImage = new Map(plan.map((l) => [l.ref, l.digest]));
    expect([...byImage.keys()].sort()).toEqual([TF('23.01-tf1-py3'), TF('23.01-tf2-py3'), TF('25.02-tf2-py3')]);
    // Each target is named by its own keys in the plan, so two targets of one partition stay apart.
    const plannedFor = (await qsc(['warm', '--once', '--dry-run'], env)).stdout;
    expect(plannedFor).toContain('tensorflow@gpu-legacy[policy=native]');
    expect(plannedFor).toContain('tensorflow@gpu-legacy[variant=tf1,python=3]');
    for (const [flags, tag] of [
      [[], '25.02-tf2-py3'],
      [['--policy', 'native'], '23.01-tf2-py3'],
      [['--variant', 'tf1', '--python', '3'], '23.01-tf1-py3'],
    ] as const) {
      const submit = await dryRun(env, cacheDir, [...flags]);
      expect(submit.image).toBe(TF(tag));
      expect(byImage.get(submit.image)).toBe(submit.digest);
    }

    // And the other way round: a site that stays native, one target asking minor-compat.
    const nativeSite = siteEnv({
      cacheDir,
      warm: { targets: [{ framework: 'tensorflow', partitions: ['gpu-legacy'], policy: 'minor-compat' }] },
    });
    expect((await warmPlan(nativeSite)).map((l) => l.ref)).toEqual([TF('25.02-tf2-py3')]);
  });

  it('keeps the forward-compat site gate: a target asking for it on a site that does not allow it fails as config (78)', async () => {
    const env = siteEnv({
      cacheDir: freshCacheDir('warm-policy-gate'),
      warm: { targets: [{ framework: 'tensorflow', partitions: ['gpu-legacy'], policy: 'forward-compat' }] },
    });
    const result = await qsc(['warm', '--once', '--dry-run'], env);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      'warm: tensorflow@gpu-legacy[policy=forward-compat]: warm target tensorflow: policy forward-compat is not enabled on this site',
    );
    expect(result.stderr).toContain('"forwardCompat": "data-center"');

    const bad = await qsc(
      ['warm', '--once', '--dry-run'],
      siteEnv({ warm: { targets: [{ framework: 'tensorflow', partitions: ['gpu-legacy'], polcy: 'native' }] } }),
    );
    expect(bad.code).toBe(78);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('"warm.targets" [0] has unknown key "polcy"');
  });
});
