// Import sources: telling archive kinds apart, and choosing the image manifest from an OCI index (skopeo's real output shapes).
import { describe, expect, it } from 'vitest';
import { apptainerSource, archiveKind, dockerArchiveConfig, pickManifest } from '../../../src/import/archive.js';

// index.json as `skopeo copy docker://… oci:DIR:25.10-py3` writes it (captured on the testbed).
const SKOPEO_INDEX = {
  schemaVersion: 2,
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: 'sha256:fe1bc1df391053009cb6de6f7a95dd6dd199bdd90d32ebc70ba48511cbb66acd',
      size: 349,
      annotations: { 'org.opencontainers.image.ref.name': '25.10-py3' },
    },
  ],
};

describe('import sources', () => {
  it('tells a docker save tar from an OCI archive by its entries', () => {
    // `tar -tf` of `skopeo copy … docker-archive:` (captured on the testbed).
    const dockerSave = [
      'a9117a65.tar',
      '5fce4eec.json',
      'd2f0f038/layer.tar',
      'd2f0f038/VERSION',
      'd2f0f038/json',
      'manifest.json',
      'repositories',
    ];
    expect(archiveKind(dockerSave)).toBe('docker-archive');
    expect(archiveKind(['blobs/', 'blobs/sha256/', 'blobs/sha256/08547a90', 'index.json', 'oci-layout'])).toBe(
      'oci-archive',
    );
    expect(archiveKind(['./index.json', './oci-layout'])).toBe('oci-archive');
    expect(archiveKind(['etc/passwd'])).toBeUndefined();
    expect(apptainerSource('oci-layout', '/d')).toBe('oci:/d');
    expect(apptainerSource('docker-archive', '/a.tar')).toBe('docker-archive:/a.tar');
  });

  it('picks the manifest by ref.name, else the only linux/amd64 one, else the only one', () => {
    expect(pickManifest(SKOPEO_INDEX, '25.10-py3')).toEqual({
      digest: SKOPEO_INDEX.manifests[0]!.digest,
      isIndex: false,
    });
    expect(pickManifest(SKOPEO_INDEX, 'other-tag')).toEqual({
      digest: SKOPEO_INDEX.manifests[0]!.digest,
      isIndex: false,
    });
    const multi = {
      manifests: [
        { digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64' } },
        { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(pickManifest(multi, undefined)).toEqual({ digest: 'sha256:amd', isIndex: false });
    expect(
      pickManifest(
        { manifests: [{ digest: 'sha256:i', mediaType: 'application/vnd.oci.image.index.v1+json' }] },
        undefined,
      ),
    ).toEqual({ digest: 'sha256:i', isIndex: true });
    expect(pickManifest({ manifests: [{ digest: 'sha256:a' }, { digest: 'sha256:b' }] }, 'x')).toMatchObject({
      error: expect.stringContaining('lists 2 manifests'),
    });
  });

  it("reads docker save's config name, and refuses an archive of several images", () => {
    const manifest = [
      {
        Config: '5fce4eeca5e537d4147d4b06e8625ed419d4961c705bbb14ff23972ff5bb28da.json',
        RepoTags: ['docker.io/nvidia/pytorch:25.10-py3'],
        Layers: ['a.tar'],
      },
    ];
    expect(dockerArchiveConfig(manifest)).toBe('5fce4eeca5e537d4147d4b06e8625ed419d4961c705bbb14ff23972ff5bb28da.json');
    expect(dockerArchiveConfig([...manifest, ...manifest])).toMatchObject({
      error: expect.stringContaining('holds 2 images'),
    });
  });
});

describe("Apptainer's failure text", () => {
  it('is an auth failure for each captured 401 (token server, htpasswd registry, no pull access), and not for other failures', async () => {
    const { readFileSync } = await import('node:fs');
    const { isAuthFailure } = await import('../../../src/import/pull-failure.js');
    const captured = readFileSync(new URL('../../fixtures/apptainer/build-auth-failures.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(captured).toHaveLength(3);
    for (const line of captured) expect(isAuthFailure(line), line).toBe(true);
    expect(
      isAuthFailure(
        'FATAL:   While performing build: conveyor failed to get: reading manifest 1.0 in 127.0.0.1:5001/nvidia/nope: manifest unknown',
      ),
    ).toBe(false);
    expect(
      isAuthFailure(
        'FATAL:   While performing build: conveyor failed to get: pinging container registry 127.0.0.1:9: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
      ),
    ).toBe(false);
  });
});
