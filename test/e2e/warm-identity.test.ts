// The warmer's identity (issue 16): run by an account that is also a user with a personal config (the testbed's
// hpcuser: ~/.config/qsub-container/config.json names /srv/qsc-cache), warm works on the site config's cache, says
// which in its output, its --json plan and its start log line, and takes a personal config only when one is named.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOME, freshCacheDir, qsc, REGISTRY, SHARED_CACHE } from '../support/cluster.js';
import { removeTempDirs, userFile } from '../support/warm.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  removeTempDirs();
});

const PERSONAL = `${CLUSTER_HOME}/.config/qsub-container/config.json`;

function site() {
  const cacheDir = freshCacheDir('warm-identity');
  made.push(cacheDir);
  const file = userFile(
    'site.json',
    JSON.stringify({
      registry: REGISTRY,
      cacheDir,
      cache: { minFree: '1G' },
      warm: { targets: [{ framework: 'tensorflow', partitions: ['gengpu'] }] },
    }),
  );
  return { cacheDir, file, env: { QSUB_CONTAINER_SITE_CONFIG: file } };
}

interface Plan {
  cacheDir: string;
  configFiles: string[];
  plan: { pulls: { image: string }[]; cached: { image: string }[] };
}

describe('warm as an account that is also a user', () => {
  it("works on the site config's cache, not the personal one, and names it in output, --json and the start log", async () => {
    const { cacheDir, file, env } = site();
    expect(cacheDir).not.toBe(SHARED_CACHE);

    const json = await qsc(['warm', '--once', '--dry-run', '--json', '--log-level', 'info'], env);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as Plan;
    expect(plan.cacheDir).toBe(cacheDir);
    expect(plan.configFiles).toEqual([file]);
    expect(plan.configFiles).not.toContain(PERSONAL);
    // A fresh cache: the tag is to be pulled there, not reported "cached" because the personal cache has it.
    expect(plan.plan.pulls.map((p) => p.image)).toEqual([`${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`]);
    expect(plan.plan.cached).toEqual([]);
    const start = json.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === 'warm.start');
    expect(start).toMatchObject({ cacheDir, configFiles: [file], mode: 'dry-run' });

    const text = await qsc(['warm', '--once', '--dry-run'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`cache directory ${cacheDir} (config files: ${file})`);
    expect(text.stdout).toContain(`would pull ${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`);
  });

  it('takes a personal config when QSUB_CONTAINER_CONFIG names one, and refuses a named file that is missing', async () => {
    const { file, env } = site();
    const other = freshCacheDir('warm-identity-named');
    made.push(other);
    const named = userFile('config.json', JSON.stringify({ cacheDir: other }));
    const json = await qsc(['warm', '--once', '--dry-run', '--json'], { ...env, QSUB_CONTAINER_CONFIG: named });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ cacheDir: other, configFiles: [file, named] });

    const missing = await qsc(['warm', '--once', '--dry-run'], { ...env, QSUB_CONTAINER_CONFIG: `${named}.gone` });
    expect(missing.code).toBe(66);
    expect(missing.stderr.trim()).toBe(
      `qsub-container: config file ${named}.gone does not exist (QSUB_CONTAINER_CONFIG in your environment names it). Hint: create it, or unset QSUB_CONTAINER_CONFIG to read $XDG_CONFIG_HOME/qsub-container/config.json`,
    );
  });

  it("a submission still reads the personal config (the rule is the warmer's alone)", async () => {
    const { cacheDir, env } = site();
    const dry = await qsc(['--gpu', 'tensorflow', '--dry-run', '--driver', '580.159.04', '--', 'true'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^cache_dir=${SHARED_CACHE}$`, 'm'));
    expect(dry.stdout).not.toContain(cacheDir);
  });
});
