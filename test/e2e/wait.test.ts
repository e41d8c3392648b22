// --wait on the local runner (the cluster user on the login node): the same following code as over SSH.
import { describe, expect, it } from 'vitest';
import { freshCacheDir, qsc } from '../support/cluster.js';

describe('qsub-container --wait (local)', () => {
  it("follows the job and exits with the job's own exit code, after its output's tail", async () => {
    const result = await qsc([
      'tensorflow',
      '-p',
      'short',
      '--driver',
      '580.159.04',
      '--cache-dir',
      freshCacheDir('wait'),
      '--wait',
      '--',
      'sh',
      '-c',
      'echo "to stdout"; exit 5',
    ]);
    expect(result.code, result.stderr).toBe(5);
    const [jobId, ...tail] = result.stdout.split('\n');
    expect(jobId).toMatch(/^\d+$/);
    expect(tail).toContain('to stdout');
    expect(result.stderr).toContain(`job ${jobId} FAILED, exit code 5`);
  });
});
