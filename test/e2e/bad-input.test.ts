// Bad input on the real testbed: one line with a hint, a distinct exit code, nothing queued, nothing left in the cache.
import { chownSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_USER, freshCacheDir, qsc, queuedJobIds, REGISTRY, sh } from '../support/cluster.js';

// Each refused submission carries a job name of its own, so "nothing queued" is exact even while other jobs
// come and go on the shared cluster.
let cacheDir: string;
let jobName: string;
beforeEach(() => {
  cacheDir = freshCacheDir('bad');
  jobName = `qsc-bad-${process.pid}-${Date.now()}`;
});
afterEach(() => {
  expect(queuedJobIds(jobName)).toEqual([]);
  expect(readdirSync(cacheDir)).toEqual([]);
});

async function expectRefusal(args: string[], exitCode: number, pattern: RegExp, env: Record<string, string> = {}) {
  const result = await qsc([...args, '--cache-dir', cacheDir, '-J', jobName], env);
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).toContain('Hint: ');
  return lines[0]!;
}

describe('bad input', () => {
  it.each([
    [['cache', 'ls']],
    [['warm', '--once']],
    [['import', 'docker://127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3']],
  ])('%j with --host → 2 before any SSH connection', async (args) => {
    // Nothing listens on port 1: had the tool tried to connect first, it would have ended in 69 (unreachable).
    const result = await qsc([...args, '--cache-dir', cacheDir, '--host', `${CLUSTER_USER}@127.0.0.1:1`]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^qsub-container: ${args[0]} takes no --host: it works on the cache's files, so it runs on the cluster\\. Hint: run it there: ssh -p 1 ${CLUSTER_USER}@127\\.0\\.0\\.1 'qsub-container ${args[0]} `,
        ),
      ),
    ]);
  });

  it('unknown framework → 2', async () => {
    await expectRefusal(
      ['--gpu', 'tensorfloe', '-p', 'gengpu'],
      2,
      /unknown framework "tensorfloe".*known: tensorflow, pytorch/,
    );
  });

  it('malformed time and memory → 2', async () => {
    await expectRefusal(['--gpu', 'tensorflow', '-p', 'gengpu', '-t', '4h'], 2, /malformed --time "4h"/);
    await expectRefusal(['--gpu', 'tensorflow', '-p', 'gengpu', '--mem', 'lots'], 2, /malformed --mem "lots"/);
  });

  it('a partition that does not exist → 68, naming the real ones', async () => {
    await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'nosuch', '--refresh'],
      68,
      /partition "nosuch" does not exist.*gengpu/,
    );
  });

  it('a GPU job on a partition without GPUs → 66', async () => {
    await expectRefusal(['--gpu', 'tensorflow', '-p', 'short', '--refresh'], 66, /partition short has no GPUs/);
  });

  it('nvidia-smi failing on the node → 65, naming the failure', async () => {
    await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'gpu-broken', '--refresh'],
      65,
      /Driver\/library version mismatch/,
    );
  });

  it('an unreachable registry → 69', async () => {
    await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04', '--registry', '127.0.0.1:9'],
      69,
      /registry 127\.0\.0\.1:9 is unreachable/,
    );
  });

  it('a driver older than every release → 1, naming the driver and the oldest need', async () => {
    await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '470.57.02'],
      1,
      /driver 470\.57\.02.*21\.12-tf2-py3.*495\.29\.05/,
    );
  });

  it('wrong credentials → 77 before anything is queued, without printing the password', async () => {
    const password = 'definitely-Wrong-pw-42';
    const authFile = join(cacheDir, '..', `auth-wrong-${process.pid}.json`);
    writeFileSync(
      authFile,
      JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`qsc:${password}`).toString('base64') } } }),
      { mode: 0o600 },
    );
    chownSync(authFile, Number(sh('id', ['-u', CLUSTER_USER])), Number(sh('id', ['-g', CLUSTER_USER])));
    const line = await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04'],
      77,
      /refused the credentials/,
      {
        QSUB_CONTAINER_AUTH_FILE: authFile,
      },
    );
    expect(line).not.toContain(password);
  });

  it('a credential file others can read → 77 with the chmod hint', async () => {
    const authFile = join(cacheDir, '..', `auth-open-${process.pid}.json`);
    writeFileSync(authFile, '{"auths":{}}', { mode: 0o644 });
    await expectRefusal(
      ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04'],
      77,
      /readable by others.*chmod 600/,
      {
        QSUB_CONTAINER_AUTH_FILE: authFile,
      },
    );
  });
});
