// Images made elsewhere (docker save, skopeo): which kind a source is, and which manifest of an OCI index is the image.

export type SourceKind = 'oci-layout' | 'oci-archive' | 'docker-archive';

/** A tar's entry names → its kind: an OCI image layout has `oci-layout` and `index.json`; `docker save` has `manifest.json`. */
export function archiveKind(entries: readonly string[]): SourceKind | undefined {
  const names = new Set(entries.map((e) => e.replace(/^\.\//, '')));
  if (names.has('oci-layout') && names.has('index.json')) return 'oci-archive';
  if (names.has('manifest.json')) return 'docker-archive';
  return undefined;
}

/** Apptainer's name for the source (`apptainer build OUT <this>`). */
export const apptainerSource = (kind: SourceKind, path: string) => `${kind === 'oci-layout' ? 'oci' : kind}:${path}`;

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

const INDEX = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * The manifest to import from an index.json: the one named `tag` (org.opencontainers.image.ref.name), else the
 * only one; an entry that is itself an index is returned as such so the caller reads it and asks again (linux/amd64).
 */
export function pickManifest(
  index: { manifests?: Descriptor[] },
  tag: string | undefined,
): { digest: string; isIndex: boolean } | { error: string } {
  const all = index.manifests ?? [];
  const amd64 = all.filter((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64');
  const named = tag ? all.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag) : [];
  const chosen = named.length === 1 ? named[0] : amd64.length === 1 ? amd64[0] : all.length === 1 ? all[0] : undefined;
  if (!chosen) {
    return {
      error: `index.json lists ${all.length} manifests and none is ${tag ? `named ${tag} or ` : ''}the only linux/amd64 one`,
    };
  }
  return { digest: chosen.digest, isIndex: chosen.mediaType !== undefined && INDEX.has(chosen.mediaType) };
}

/** docker save's manifest.json → the config file name inside the tar (Config: "<hex>.json" or "blobs/sha256/<hex>"). */
export function dockerArchiveConfig(manifest: unknown): string | { error: string } {
  const entries = Array.isArray(manifest) ? (manifest as Array<{ Config?: unknown }>) : [];
  if (entries.length !== 1 || typeof entries[0]!.Config !== 'string') {
    return {
      error: `manifest.json holds ${entries.length} images; import needs an archive of exactly one (docker save IMAGE)`,
    };
  }
  return entries[0]!.Config;
}
