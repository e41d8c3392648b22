// Credentialed pulls on the runtimes sites still load (deploy/testbed/runtimes/: emulated Apptainer 1.3, SingularityCE
// 3.11 and Singularity 3.8, none with pull --authfile, the last two found as `singularity` on a PATH without apptainer):
// a submission that pulls in the job, --pull slurm, warm --once and import docker:// all pull with the auth file's
// credentials handed to the pull as the runtime's own variables, and the sidecar names the runtime that pulled.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshCacheDir, qsc, REGISTRY, waitForJob } from '../support/cluster.js';
import { EMULATED_RUNTIMES, runtimePath, type EmulatedRuntimeName } from '../support/runtimes.js';
import { removeTempDirs, warmEnv } from '../support/warm.js';

afterAll(removeTempDirs);

const IMAGE = `${REGISTRY}/nvidia/pytorch:25.10-py3`;
const sidecarOf = (cacheDir: string, digest: string) =>
  JSON.parse(readFileSync(join(cacheDir, `${digest.replace(':', '-')}.json`), 'utf8')) as Record<string, unknown>;
/** The runtime name its --version line gives (apptainer, singularity-ce, singularity). */
const nameOf = (name: EmulatedRuntimeName) => EMULATED_RUNTIMES[name].versionLine.split(' ')[0];

describe.each(['apptainer-1.3', 'singularityce-3.11', 'singularity-3.8'] as const)(
  'on %s (no pull --authfile)',
  (name) => {
    const facts = EMULATED_RUNTIMES[name];
    const PATH = runtimePath(name);
    const pulledWith = { runtime: nameOf(name), runtimeVersion: facts.version };

    it('a credentialed submission pulls in the job and runs', async () => {
      const cacheDir = freshCacheDir(`old-rt-job-${name}`);
      const result = await qsc(
        [
          IMAGE,
          '-p',
          'short',
          '--cache-dir',
          cacheDir,
          '--pull',
          'job',
          '--json',
          '--',
          'sh',
          '-c',
          'echo ran=$CUDA_VERSION',
        ],
        { PATH },
      );
      expect(result.code, result.stderr).toBe(0);
      const { jobId, digest } = JSON.parse(result.stdout) as { jobId: string; digest: string };
      const run = await waitForJob(jobId);
      expect(run.state, run.output).toBe('COMPLETED');
      expect(run.output).toContain(`with ${pulledWith.runtime} ${facts.version}`);
      expect(run.output).toContain('ran=13.0.2.006');
      expect(run.output).not.toContain('--authfile');
      expect(sidecarOf(cacheDir, digest)).toMatchObject(pulledWith);
    });

    it('--pull slurm: the CPU pull job pulls with the credentials, the job runs the cached image', async () => {
      const cacheDir = freshCacheDir(`old-rt-slurm-${name}`);
      const env = warmEnv(
        { registry: REGISTRY, cacheDir, warm: { pullPartition: 'short', pullTime: '00:10:00' } },
        { PATH },
      );
      const result = await qsc([IMAGE, '-p', 'short', '--pull', 'slurm', '--json', '--', 'sh', '-c', 'echo ran'], env);
      expect(result.code, result.stderr).toBe(0);
      const submitted = JSON.parse(result.stdout) as { jobId: string; digest: string; pull: string; pullJobId: string };
      expect(submitted.pull).toBe('pull-job');
      const pullJob = await waitForJob(submitted.pullJobId);
      expect(pullJob.state, pullJob.output).toBe('COMPLETED');
      expect(pullJob.output).toContain(`with ${pulledWith.runtime} ${facts.version}`);
      const run = await waitForJob(submitted.jobId);
      expect(run.state, run.output).toBe('COMPLETED');
      expect(run.output).toContain('using cached image');
      expect(sidecarOf(cacheDir, submitted.digest)).toMatchObject(pulledWith);
    });

    it('warm --once pulls its target here with the credentials', async () => {
      const cacheDir = freshCacheDir(`old-rt-warm-${name}`);
      const env = warmEnv(
        { registry: REGISTRY, cacheDir, cache: { minFree: '1G' }, warm: { prune: false, targets: [{ image: IMAGE }] } },
        { PATH },
      );
      const result = await qsc(['warm', '--once', '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { pulled: string[] }).pulled).toEqual([IMAGE]);
      const sidecars = readdirSync(cacheDir).filter((f) => /^sha256-[0-9a-f]{64}\.json$/.test(f));
      expect(sidecars).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(cacheDir, sidecars[0]!), 'utf8'))).toMatchObject(pulledWith);
    });

    it('import docker:// pulls with the runtime (not the fallback client)', async () => {
      const cacheDir = freshCacheDir(`old-rt-import-${name}`);
      const result = await qsc(
        ['import', `docker://${IMAGE}`, '--via', 'apptainer', '--cache-dir', cacheDir, '--json'],
        {
          PATH,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const imported = JSON.parse(result.stdout) as { digest: string; via: string; built: boolean };
      expect(imported).toMatchObject({ via: 'apptainer', built: true });
      expect(sidecarOf(cacheDir, imported.digest)).toMatchObject(pulledWith);
    });
  },
);
