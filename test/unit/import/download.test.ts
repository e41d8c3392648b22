// The tool's own pull writes an OCI layout only from blobs whose bytes match their digests (registry scripted, disk real).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { downloadToLayout } from '../../../src/import/download-layout.js';
import { silentLogger } from '../../../src/log/types.js';
import { createRegistryClient } from '../../../src/registry/client.js';

const digestOf = (data: string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function registryServing(blobs: Record<string, string>, manifest: string) {
  const fetchFn = (async (input: string | URL) => {
    const path = new URL(String(input)).pathname;
    if (path === `/v2/a/b/manifests/${digestOf(manifest)}`) return new Response(manifest);
    const blob = /\/blobs\/(sha256:[0-9a-f]+)$/.exec(path)?.[1];
    return blob && blob in blobs ? new Response(blobs[blob]) : new Response('', { status: 404 });
  }) as typeof fetch;
  return createRegistryClient(
    { host: 'r', scheme: 'http' },
    { fetch: fetchFn, credentials: undefined, blobCache: undefined, log: silentLogger },
  );
}

describe('download into an OCI layout', () => {
  const config = '{"config":{"Env":["CUDA_VERSION=12.8.0"]}}';
  const layer = 'layer bytes';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { digest: digestOf(config) },
    layers: [{ digest: digestOf(layer) }],
  });

  it('writes index.json, oci-layout and every blob under its digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qsc-layout-'));
    await downloadToLayout(
      registryServing({ [digestOf(config)]: config, [digestOf(layer)]: layer }, manifest),
      'a/b',
      digestOf(manifest),
      dir,
      silentLogger,
    );
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length },
      ],
    });
    expect(readdirSync(join(dir, 'blobs', 'sha256')).sort()).toEqual(
      [config, layer, manifest].map((b) => digestOf(b).slice(7)).sort(),
    );
    expect(readFileSync(join(dir, 'blobs', 'sha256', digestOf(layer).slice(7)), 'utf8')).toBe(layer);
  });

  it('refuses a layer whose bytes do not match its digest (65) and leaves no partial blob', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qsc-layout-'));
    const client = registryServing({ [digestOf(config)]: config, [digestOf(layer)]: 'tampered bytes' }, manifest);
    await expect(downloadToLayout(client, 'a/b', digestOf(manifest), dir, silentLogger)).rejects.toMatchObject({
      exitCode: ExitCode.data,
      message: expect.stringContaining('arrived with digest'),
    });
    expect(existsSync(join(dir, 'blobs', 'sha256', digestOf(layer).slice(7)))).toBe(false);
    expect(readdirSync(join(dir, 'blobs', 'sha256')).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(existsSync(join(dir, 'index.json'))).toBe(false);
  });
});
