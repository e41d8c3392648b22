// Registry HTTP API v2 client over an injected fetch: ping, tags, manifests (HEAD/GET, indexes → linux/amd64), config blobs.
import { RefusedError, UnavailableError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { Secret } from '../secret.js';
import type { Challenge } from './auth.js';
import { createAuthorizedRequest } from './authorized-request.js';
import type { FetchPort, FetchResponse } from './http.js';
import { notFound, type ClusterAuthFile } from './hints.js';
import type { RegistryEndpoint } from './reference.js';

export interface RegistryCredentials {
  readonly username: string;
  /** The password; for kind 'identity-token', an OAuth2 refresh token (Docker's "identitytoken"). */
  readonly password: Secret;
  /** 'identity-token': exchanged at the token service by the OAuth2 refresh-token grant, never sent as Basic. */
  readonly kind?: 'password' | 'identity-token';
  /** Where they came from, for messages (never the secret itself). */
  readonly source: string;
}

/** Immutable content by digest; a file-backed implementation lives in blob-cache.ts. */
export interface BlobCache {
  get(digest: string): Promise<string | undefined>;
  put(digest: string, content: string): Promise<void>;
}

/** The auth scheme a registry asked for last time (challenge-cache.ts keeps it in the tool cache). */
export interface ChallengeCache {
  get(): Promise<Challenge | undefined>;
  put(challenge: Challenge): Promise<void>;
}

export interface RegistryClientDeps {
  readonly fetch: FetchPort;
  readonly credentials: RegistryCredentials | undefined;
  /** With --host: the cluster side's auth file, also looked in (named when neither side had credentials). */
  readonly clusterFile?: ClusterAuthFile | undefined;
  readonly blobCache: BlobCache | undefined;
  /** When given, the scheme learned from a 401 is remembered, and used up front by later runs (one round trip less). */
  readonly challengeCache?: ChallengeCache;
  readonly log: Logger;
  /** Per attempt; a timed-out attempt is retried like a network error. */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock for token lifetimes (epoch ms). */
  readonly now?: () => number;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

export interface ResolvedManifest {
  /** Digest of the linux/amd64 image manifest: what a pull of this tag on this platform fetches. */
  readonly digest: string;
  readonly configDigest: string;
}

export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>;
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const IMAGE_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const MANIFEST_ACCEPT = [...INDEX_TYPES, ...IMAGE_TYPES].join(', ');

export function createRegistryClient(endpoint: RegistryEndpoint, deps: RegistryClientDeps) {
  const request = createAuthorizedRequest(endpoint, deps);

  async function readVerified(
    response: FetchResponse,
    digest: string | undefined,
  ): Promise<{ text: string; digest: string }> {
    const bytes = Buffer.from(await response.arrayBuffer());
    // node:crypto is loaded by now: http-fetch.ts loads it while the first request waits for its answer.
    const { createHash } = process.getBuiltinModule('node:crypto');
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest && digest !== actual) {
      throw new UnavailableError(`registry ${endpoint.host} sent content for ${digest} whose digest is ${actual}`);
    }
    return { text: bytes.toString('utf8'), digest: actual };
  }

  const unexpected = (response: FetchResponse, what: string) =>
    response.status === 407
      ? new UnavailableError(`the proxy between here and registry ${endpoint.host} wants credentials (HTTP 407)`, {
          hint: 'put them in the proxy variable: HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT (and HTTP_PROXY)',
        })
      : new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} for ${what}`);

  return {
    endpoint,

    /** GET /v2/: proves the registry answers and, through its challenge, that the credentials authenticate. */
    async ping(): Promise<void> {
      const response = await request('GET', '/v2/', undefined);
      await response.body?.cancel();
      if (!response.ok) throw unexpected(response, '/v2/');
    },

    /** Every tag of a repository, following Link pagination. */
    async listTags(repository: string): Promise<string[]> {
      const tags: string[] = [];
      let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
      while (path) {
        const response = await request('GET', path, repository);
        if (response.status === 404) throw notFound(endpoint.host, `repository ${repository}`, repository);
        if (!response.ok) throw unexpected(response, `the tags of ${repository}`);
        const body = (await response.json()) as { tags?: string[] | null };
        tags.push(...(body.tags ?? []));
        path = nextLink(response.headers.get('link'));
      }
      return tags;
    },

    /** HEAD of a manifest: its digest and media type without downloading it (proves pull access, too). */
    async headManifest(
      repository: string,
      reference: string,
    ): Promise<{ digest: string | undefined; mediaType: string | undefined }> {
      const response = await request('HEAD', `/v2/${repository}/manifests/${reference}`, repository, {
        accept: MANIFEST_ACCEPT,
      });
      if (response.status === 404) throw notFound(endpoint.host, `image ${repository}:${reference}`, repository);
      if (!response.ok) throw unexpected(response, `${repository}:${reference}`);
      return {
        digest: response.headers.get('docker-content-digest') ?? undefined,
        mediaType: response.headers.get('content-type')?.split(';')[0]?.trim() ?? undefined,
      };
    },

    /**
     * The digest a tag points at now, by one HEAD request (for a multi-arch tag, the index's digest). The warmer
     * uses it to confirm a cached tag has not moved without reading manifests again.
     */
    async resolveDigest(repository: string, tag: string): Promise<string> {
      const { digest } = await this.headManifest(repository, tag);
      if (!digest)
        throw new UnavailableError(`registry ${endpoint.host} answered without a digest for ${repository}:${tag}`);
      return digest;
    },

    /** Resolve a tag or digest to the linux/amd64 image manifest digest and its config digest. */
    async resolveManifest(repository: string, reference: string): Promise<ResolvedManifest> {
      const response = await request('GET', `/v2/${repository}/manifests/${reference}`, repository, {
        accept: MANIFEST_ACCEPT,
      });
      if (response.status === 404) throw notFound(endpoint.host, `image ${repository}:${reference}`, repository);
      if (!response.ok) throw unexpected(response, `${repository}:${reference}`);
      const { text, digest } = await readVerified(response, reference.startsWith('sha256:') ? reference : undefined);
      const manifest = JSON.parse(text) as ManifestJson;
      const mediaType = manifest.mediaType ?? response.headers.get('content-type') ?? '';
      if (INDEX_TYPES.includes(mediaType) || manifest.manifests) {
        const amd64 = manifest.manifests?.find(
          (m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64',
        );
        if (!amd64) throw new RefusedError(`image ${repository}:${reference} has no linux/amd64 variant`);
        return this.resolveManifest(repository, amd64.digest);
      }
      if (!manifest.config?.digest)
        throw new UnavailableError(`manifest of ${repository}:${reference} names no config`);
      return { digest, configDigest: manifest.config.digest };
    },

    /** A manifest's exact bytes, checked against its digest, and its media type (for writing an OCI layout). */
    async readManifest(repository: string, digest: string): Promise<{ text: string; mediaType: string }> {
      const response = await request('GET', `/v2/${repository}/manifests/${digest}`, repository, {
        accept: MANIFEST_ACCEPT,
      });
      if (response.status === 404) throw notFound(endpoint.host, `image ${repository}@${digest}`, repository);
      if (!response.ok) throw unexpected(response, `${repository}@${digest}`);
      const { text } = await readVerified(response, digest);
      const mediaType =
        (JSON.parse(text) as ManifestJson).mediaType ??
        response.headers.get('content-type')?.split(';')[0] ??
        IMAGE_TYPES[0]!;
      return { text, mediaType };
    },

    /** A blob as a stream (layers are large); the caller checks its digest while writing it. An hour per attempt. */
    async openBlob(repository: string, digest: string): Promise<ReadableStream<Uint8Array>> {
      const response = await request('GET', `/v2/${repository}/blobs/${digest}`, repository, {}, 3_600_000);
      if (response.status === 404) throw notFound(endpoint.host, `blob ${digest} of ${repository}`, repository);
      if (!response.ok || !response.body) throw unexpected(response, `blob ${digest}`);
      return response.body;
    },

    /** The image config's env; immutable by digest, so cached for good. */
    async readConfig(repository: string, configDigest: string): Promise<ImageConfig> {
      let text = await deps.blobCache?.get(configDigest);
      if (text === undefined) {
        const response = await request('GET', `/v2/${repository}/blobs/${configDigest}`, repository);
        if (!response.ok) throw unexpected(response, `config ${configDigest}`);
        text = (await readVerified(response, configDigest)).text;
        await deps.blobCache?.put(configDigest, text);
      }
      const config = JSON.parse(text) as { config?: { Env?: string[] } };
      return { env: parseEnv(config.config?.Env ?? []) };
    },
  };
}

export type RegistryClient = ReturnType<typeof createRegistryClient>;

interface ManifestJson {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
}

function parseEnv(entries: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    entries.map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }),
  );
}

/** `Link: </v2/x/tags/list?n=1000&last=y>; rel="next"` → the path. */
export function nextLink(header: string | null): string | undefined {
  const m = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  if (!m) return undefined;
  const url = new URL(m[1]!, 'http://placeholder');
  return `${url.pathname}${url.search}`;
}
