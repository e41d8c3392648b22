// --host from a laptop without registry credentials of its own (issue 16): those login --remote stored in the cluster
// side's auth.json (the testbed's hpcuser has the registry's) serve the registry requests made from the laptop, named
// in the debug log by where they came from, and the secret appears nowhere on the laptop side.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REGISTRY, registryPassword } from '../support/cluster.js';
import { clientHome, remoteQsc, removeTempDirs } from '../support/ssh.js';
import { TOKEN_REGISTRY } from '../support/token-registry.js';

afterAll(removeTempDirs);

const CLUSTER_AUTH = '/home/hpcuser/.config/qsub-container/auth.json';

describe('--host with credentials stored only on the cluster', () => {
  it('a dry run selects and renders with the cluster-side credentials; the job names the cluster-side file', async () => {
    const { home } = clientHome();
    // This laptop has no credentials at all: only the cluster side's file (login --remote's) holds the registry's.
    rmSync(join(home, '.config', 'qsub-container', 'auth.json'));
    const result = await remoteQsc(
      [
        '--gpu',
        'tensorflow',
        '-p',
        'gengpu',
        '--driver',
        '580.159.04',
        '--dry-run',
        '--json',
        '--log-level',
        'debug',
        '--host',
        'cluster',
        '--',
        'true',
      ],
      home,
    );
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as { image: string; script: string };
    expect(body.image).toBe(`${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`);
    expect(body.script).toContain(CLUSTER_AUTH);
    const used = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === 'registry.credentials');
    expect(used).toMatchObject({ registry: REGISTRY, user: 'qsc' });
    expect(String(used?.source)).toMatch(new RegExp(`^auth file .*:${CLUSTER_AUTH} \\(stored by login --remote\\)$`));
    const password = registryPassword();
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(spawnSync('grep', ['-rlF', '-f', '-', home], { input: password }).stdout.toString()).toBe('');
  });

  it('with credentials on neither side, says so in one line naming both and how to store them (77)', async () => {
    const { home } = clientHome();
    rmSync(join(home, '.config', 'qsub-container', 'auth.json'));
    const args = ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04', '--dry-run', '--host', 'cluster'];
    const result = await remoteQsc([...args, '--registry', TOKEN_REGISTRY, '--', 'true'], home);
    expect(result.code).toBe(77);
    expect(result.stderr.trim().split('\n')).toEqual([
      `qsub-container: registry ${TOKEN_REGISTRY} requires credentials and none were found, neither on this machine (the registry is asked from here) nor in ${CLUSTER_AUTH} on cluster. Hint: store them on the cluster with: qsub-container --host cluster login ${TOKEN_REGISTRY} --remote; or here with: qsub-container login ${TOKEN_REGISTRY} (APPTAINER_DOCKER_USERNAME/APPTAINER_DOCKER_PASSWORD count only for the configured registry: add --registry ${TOKEN_REGISTRY})`,
    ]);
  });
});
