// import on the testbed: docker-archive, OCI layout and OCI archive become the cached SIF the submit path then reuses.
import { chownSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_USER,
  freshCacheDir,
  qsc,
  REGISTRY,
  REGISTRY_USER,
  registryPassword,
  runAsUser,
  sh,
  waitForJob,
} from '../support/cluster.js';
import { authFileFor, TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

afterAll(removeUserTempDirs);

const IMAGE = `${TOKEN_REGISTRY}/nvidia/pytorch:25.10-py3`;

/** A temp dir of the cluster user with an auth file for the token registry and the image exported three ways by skopeo. */
async function exportedImage() {
  const dir = userTempDir('qsc-import-e2e');
  const auth = join(dir, 'auth.json');
  writeFileSync(auth, authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc')), { mode: 0o600 });
  const id = Number(sh('id', ['-u', CLUSTER_USER]));
  chownSync(auth, id, id);
  const copy = (dest: string) =>
    runAsUser(['skopeo', 'copy', '-q', '--src-tls-verify=false', '--src-authfile', auth, `docker://${IMAGE}`, dest]);
  for (const dest of [
    `docker-archive:${dir}/image.tar:nvidia/pytorch:25.10-py3`,
    `oci:${dir}/layout:25.10-py3`,
    `oci-archive:${dir}/image-oci.tar:25.10-py3`,
  ]) {
    const result = await copy(dest);
    expect(result.code, result.stderr).toBe(0);
  }
  return { dir, env: { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: join(dir, 'cache') } };
}

/** A cache entry as the cache protocol publishes it (src/cache/layout.ts): the SIF, its sidecar and its lock file. */
const entriesOf = (digest: string) => {
  const base = digest.replace(':', '-');
  return [`${base}.json`, `${base}.sif`, `${base}.sif.lock`];
};
const cacheEntries = (dir: string) =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();

describe('import', () => {
  it('a docker-archive becomes the SIF a later submit of the same image uses without pulling', async () => {
    const { dir, env } = await exportedImage();
    const cacheDir = freshCacheDir('import');
    const imported = await qsc(
      ['import', join(dir, 'image.tar'), '--as', IMAGE, '--cache-dir', cacheDir, '--json'],
      env,
    );
    expect(imported.code, imported.stderr).toBe(0);
    const answer = JSON.parse(imported.stdout) as { digest: string; sif: string; built: boolean; checked: string };
    expect(answer).toMatchObject({ built: true, checked: expect.stringContaining('config matches') });
    expect(cacheEntries(cacheDir)).toEqual(entriesOf(answer.digest));

    const submitted = await qsc(
      [IMAGE, '-p', 'short', '--cache-dir', cacheDir, '--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'],
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const run = await waitForJob(submitted.stdout.trim());
    expect(run).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=13.0.2.006') });
    expect(run.output).toContain('using cached image');
    expect(run.output).not.toContain('pulling');
  });

  it('an OCI layout and an OCI archive give the same cache entry; a second import finds it there; the :5000 name keys the same digest', async () => {
    const { dir, env } = await exportedImage();
    const cacheDir = freshCacheDir('import-oci');
    const layout = await qsc(['import', join(dir, 'layout'), '--as', IMAGE, '--cache-dir', cacheDir, '--json'], env);
    expect(layout.code, layout.stderr).toBe(0);
    const archive = await qsc(
      ['import', join(dir, 'image-oci.tar'), '--as', IMAGE, '--cache-dir', cacheDir, '--json'],
      env,
    );
    expect(archive.code, archive.stderr).toBe(0);
    const [a, b] = [JSON.parse(layout.stdout), JSON.parse(archive.stdout)] as Array<{
      digest: string;
      sif: string;
      built: boolean;
    }>;
    expect(a).toMatchObject({ built: true });
    expect(b).toMatchObject({ built: false, sif: a!.sif, digest: a!.digest });
    const exec = await runAsUser(['apptainer', 'exec', a!.sif, 'sh', '-c', 'echo $CUDA_VERSION']);
    expect(exec.stdout.trim()).toBe('13.0.2.006');
    // The htpasswd registry holds the same image under the same digest: imported as that name, the same cache key.
    const basicAuth = join(dir, 'auth-5000.json');
    writeFileSync(basicAuth, authFileFor(REGISTRY, REGISTRY_USER, registryPassword()), { mode: 0o600 });
    chownSync(basicAuth, Number(sh('id', ['-u', CLUSTER_USER])), Number(sh('id', ['-g', CLUSTER_USER])));
    const other = await qsc(
      [
        'import',
        join(dir, 'image.tar'),
        '--as',
        `${REGISTRY}/nvidia/pytorch:25.10-py3`,
        '--cache-dir',
        freshCacheDir('import-5000'),
        '--json',
      ],
      { ...env, QSUB_CONTAINER_AUTH_FILE: basicAuth },
    );
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ built: true, digest: a!.digest });
  });

  it("docker:// with the tool's own client (blobs checked by digest) and with Apptainer give the same working SIF", async () => {
    const { env } = await exportedImage();
    const withClient = await qsc(
      ['import', `docker://${IMAGE}`, '--via', 'client', '--cache-dir', freshCacheDir('via-client'), '--json'],
      env,
    );
    expect(withClient.code, withClient.stderr).toBe(0);
    const viaApptainer = await qsc(
      ['import', `docker://${IMAGE}`, '--cache-dir', freshCacheDir('via-auto'), '--json'],
      env,
    );
    expect(viaApptainer.code, viaApptainer.stderr).toBe(0);
    const [c, a] = [JSON.parse(withClient.stdout), JSON.parse(viaApptainer.stdout)] as Array<{
      digest: string;
      sif: string;
      built: boolean;
      via: string;
    }>;
    expect(c).toMatchObject({ via: 'client', built: true });
    expect(a).toMatchObject({ via: 'apptainer', built: true, digest: c!.digest });
    for (const sif of [c!.sif, a!.sif]) {
      expect((await runAsUser(['apptainer', 'exec', sif, 'sh', '-c', 'echo $CUDA_VERSION'])).stdout.trim()).toBe(
        '13.0.2.006',
      );
      // Nothing but the cache entry (SIF, sidecar, lock): the download layout and Apptainer's temp files are gone.
      expect(cacheEntries(join(sif, '..'))).toEqual(entriesOf(c!.digest));
    }
  });

  it('refuses an archive that is not the named image (1), and without registry or digest cannot key it (77)', async () => {
    const { dir, env } = await exportedImage();
    const cacheDir = freshCacheDir('import-bad');
    const wrong = await qsc(
      [
        'import',
        join(dir, 'image.tar'),
        '--as',
        `${TOKEN_REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`,
        '--cache-dir',
        cacheDir,
      ],
      env,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/is not .*nvidia\/tensorflow:25\.02-tf2-py3: its image config is sha256:/);
    const offline = await qsc(['import', join(dir, 'image.tar'), '--as', IMAGE, '--cache-dir', cacheDir], {
      ...env,
      QSUB_CONTAINER_AUTH_FILE: join(dir, 'none.json'),
    });
    expect(offline.code).toBe(77);
    expect(offline.stderr).toMatch(/cannot be known without it.*Hint: name the image by digest/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
