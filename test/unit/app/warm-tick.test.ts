// app/warm-tick.ts on recorded Slurm answers, the recorded registry and a real temporary cache directory: an idle
// tick, a tag that moved, a pull that fails, and a prune that spares what queued jobs need.
import { mkdtempSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { warmableCacheDir, warmTargetNotes, warmTick } from '../../../src/app/warm-tick.js';
import { runWarmer } from '../../../src/daemon/warmer.js';
import { writeTagLink } from '../../../src/cache/store.js';
import { ExitCode } from '../../../src/errors.js';
import { sifName } from '../../../src/image/names.js';
import { PULL_TEMPLATE } from '../../../src/job/templates.js';
import { NOW, testDeps, testSettings } from '../../support/app-deps.js';
import { fakeRegistry } from '../../support/fake-registry.js';
import { ok, recorded } from '../../support/fake-runner.js';

const PROBE_GENGPU = [
  'sinfo-partition-gengpu',
  'sinfo-nodes-gengpu',
  'srun-cpu-probe-gengpu-gpu01',
  'srun-probe-gengpu-gpu01',
].map(recorded);
const REF = '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3';
const TARGETS = { targets: [{ framework: 'tensorflow', partitions: ['gengpu'] }] };

/** A cache directory holding these digests as SIFs (header only), last used `daysAgo`. */
function cacheWith(images: ReadonlyArray<{ digest: string; daysAgo?: number }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-warm-'));
  for (const { digest, daysAgo = 0 } of images) {
    const file = join(dir, sifName(digest));
    writeFileSync(file, Buffer.concat([Buffer.alloc(32), Buffer.from('SIF_MAGIC'), Buffer.alloc(1000)]));
    const when = new Date(NOW - daysAgo * 86_400_000);
    utimesSync(file, when, when);
  }
  return dir;
}

async function tick(deps: ReturnType<typeof testDeps>, cacheDir: string, site: Record<string, unknown> = {}) {
  const settings = testSettings({ cacheDir, warm: TARGETS, ...site });
  return warmTick(deps, { settings, template: await deps.readTemplate(PULL_TEMPLATE), dryRun: false, refresh: false });
}

describe('warm tick', () => {
  it('refuses to start without a cache directory or targets, in one message each', () => {
    expect(() => warmableCacheDir(testSettings({ warm: TARGETS }))).toThrow(/warm needs a cache directory/);
    expect(() => warmableCacheDir(testSettings({ cacheDir: '/c' }))).toThrow(
      expect.objectContaining({ exitCode: ExitCode.config, message: 'warm has no targets' }),
    );
  });

  it('idle: the selected image is cached and linked; one probe, nothing pulled, nothing written to Slurm', async () => {
    const registry = fakeRegistry();
    const digest = registry.digestOf('nvidia/tensorflow', '25.02-tf2-py3');
    const cacheDir = cacheWith([{ digest }]);
    await writeTagLink(cacheDir, REF, digest);
    const deps = testDeps(PROBE_GENGPU, { registry });
    const summary = await tick(deps, cacheDir);
    expect(summary).toMatchObject({ ok: true, pulled: [], cached: [REF], linked: [], evicted: [], failed: [] });
    expect(deps.runner.calls.map((c) => c.argv)).toEqual(PROBE_GENGPU.map((e) => e.argv));
  });

  it('a tag that moved is seen by one HEAD, chosen again, pulled and re-linked', async () => {
    const registry = fakeRegistry();
    const before = registry.digestOf('nvidia/tensorflow', '25.02-tf2-py3');
    const cacheDir = cacheWith([{ digest: before }]);
    const home = mkdtempSync(join(tmpdir(), 'qsc-home-'));
    expect(await tick(testDeps(PROBE_GENGPU, { registry, home }), cacheDir)).toMatchObject({ ok: true, cached: [REF] });

    registry.moveTag('nvidia/tensorflow', '25.02-tf2-py3', '23.01-tf2-py3');
    const moved = registry.digestOf('nvidia/tensorflow', '25.02-tf2-py3');
    // The driver comes from the probe cache now: the only command is the pull.
    const deps = testDeps([recorded('bash-pull-local')], { registry, home });
    const summary = await tick(deps, cacheDir);
    expect(summary).toMatchObject({ ok: true, pulled: [REF], linked: [REF] });
    expect(deps.events).toContainEqual(expect.objectContaining({ event: 'warm.tag-moved', from: before, to: moved }));
    expect(deps.runner.calls.map((c) => c.argv)).toEqual([['bash', '-s']]);
    expect(deps.runner.calls[0]!.stdin).toContain(`image_digest=${moved}`);
    expect(readlinkSync(join(cacheDir, 'tags/127.0.0.1:5000/nvidia/tensorflow/25.02-tf2-py3.sif'))).toMatch(
      new RegExp(`${sifName(moved)}$`),
    );
  });

  it('a pull the registry refuses fails the tick with its own code; the next tick retries', async () => {
    const cacheDir = cacheWith([]);
    const deps = testDeps([...PROBE_GENGPU, recorded('bash-pull-local-refused')]);
    const summary = await tick(deps, cacheDir);
    expect(summary.ok).toBe(false);
    expect(summary.pulled).toEqual([]);
    expect(summary.failed).toEqual([
      {
        what: REF,
        exitCode: ExitCode.unavailable,
        message: expect.stringMatching(/^pull of .* failed \(exit 255\): FATAL: .*authentication required/),
      },
    ]);
  });

  it('prunes by the cache policy, sparing the image a queued job names and the one the target wants', async () => {
    const registry = fakeRegistry();
    const wanted = registry.digestOf('nvidia/tensorflow', '25.02-tf2-py3');
    const old = registry.digestOf('nvidia/pytorch', '21.12-py3');
    const stale = registry.digestOf('nvidia/tensorflow', '21.12-tf2-py3');
    const cacheDir = cacheWith([
      { digest: wanted, daysAgo: 90 },
      { digest: old, daysAgo: 90 },
      { digest: stale, daysAgo: 1 },
    ]);
    // squeue-in-use: one queued job's comment names the tensorflow 25.02 digest.
    const squeue = recorded('squeue-in-use');
    // Jobs without the comment are read through their batch script (none of these names an image).
    const scripts = [...squeue.stdout.matchAll(/^(\d+)\|hpcuser\|\(null\)$/gm)].map((m) =>
      ok(['scontrol', 'write', 'batch_script', m[1]!, '-'], '#!/bin/bash\nsleep 30\n'),
    );
    const deps = testDeps([...PROBE_GENGPU, squeue, ...scripts], { registry });
    const summary = await tick(deps, cacheDir, { cache: { olderThan: '30d' } });
    expect(summary).toMatchObject({ ok: true, cached: [REF], evicted: [old] });
    expect(summary.plan?.prune?.keep.map((k) => [k.image.digest, k.reason])).toEqual(
      expect.arrayContaining([
        [wanted, 'in-use'],
        [stale, 'within-policy'],
      ]),
    );
  });
});

describe('warm: image targets naming no registry', () => {
  const HUB_PYTORCH =
    'qsub-container: note: "nvidia/pytorch:23.10-py3" names no registry, so it comes from Docker Hub (registry-1.docker.io/nvidia/pytorch:23.10-py3); if you meant NGC\'s image, write nvcr.io/nvidia/pytorch:23.10-py3';
  const HUB_UBUNTU =
    'qsub-container: note: "ubuntu:22.04" names no registry, so it comes from Docker Hub (registry-1.docker.io/library/ubuntu:22.04)';

  it("are said to be Docker Hub's in submit's words, once per target; framework targets and named registries are not", () => {
    const settings = testSettings({
      warm: {
        targets: [
          { framework: 'tensorflow', partitions: ['gengpu'] },
          { image: 'nvidia/pytorch:23.10-py3' },
          { image: REF },
          { image: 'ubuntu:22.04' },
          { image: 'nvidia/pytorch:23.10-py3' },
          { image: 'Not A Reference' },
        ],
      },
    });
    expect(warmTargetNotes(settings.warm.targets)).toEqual([HUB_PYTORCH, HUB_UBUNTU]);
  });

  it('the warmer says so as it starts, and its plan pulls from Docker Hub', async () => {
    const cacheDir = cacheWith([]);
    const settings = testSettings({ cacheDir, warm: { targets: [{ image: 'nvidia/pytorch:23.10-py3' }] } });
    const deps = testDeps([]);
    const outcome = await runWarmer(deps, { settings, daemon: false, dryRun: true, refresh: false });
    expect(deps.notes).toEqual([HUB_PYTORCH]);
    expect(outcome?.summary.plan?.pulls.map((p) => p.displayRef)).toEqual([
      'registry-1.docker.io/nvidia/pytorch:23.10-py3',
    ]);
  });
});
