// Registry HTTP API v2 client over an injected fetch: tags, manifests (indexes → linux/amd64), config blobs, auth.
import { createHash } from 'node:crypto';
import { AuthError, RefusedError, UnavailableError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { Secret } from '../secret.js';
import { basicAuthorization, parseChallenge, pullScope, type Challenge } from './auth.js';
import type { RegistryEndpoint } from './reference.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: Secret;
  /** Where they came from, for messages (never the secret itself). */
  readonly source: string;
}

/** Immutable content by digest; a file-backed implementation lives in blob-cache.ts. */
export interface BlobCache {
  get(digest: string): Promise<string | undefined>;
  put(digest: string, content: string): Promise<void>;
}

export interface RegistryClientDeps {
  readonly fetch: typeof fetch;
  readonly credentials: RegistryCredentials | undefined;
  readonly blobCache: BlobCache | undefined;
  readonly log: Logger;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ResolvedManifest {
  /** Digest of the linux/amd64 image manifest: what a pull of this tag on this platform fetches. */
  readonly digest: string;
  readonly configDigest: string;
}

export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

const RETRY_DELAYS_MS = [250, 1000];

export function createRegistryClient(endpoint: RegistryEndpoint, deps: RegistryClientDeps) {
  const base = `${endpoint.scheme}://${endpoint.host}`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** Authorization header per scope, learned from the first 401 and reused for the rest of the run. */
  const authorizations = new Map<string, string>();
  let challenge: Challenge | undefined;

  async function send(url: string, init: RequestInit, attempt = 0): Promise<Response> {
    try {
      return await deps.fetch(url, { ...init, signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000) });
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        throw new UnavailableError(`registry ${endpoint.host} is unreachable (${describeNetworkError(error)})`, {
          hint: `check the registry address (--registry or the config's "registry") and that ${base} answers`,
          cause: error,
        });
      }
      await sleep(delay);
      return send(url, init, attempt + 1);
    }
  }

  async function authorize(found: Challenge, scope: string): Promise<string> {
    const creds = deps.credentials;
    if (found.scheme === 'basic') {
      if (!creds) throw missingCredentials();
      return basicAuthorization(creds.username, creds.password.reveal());
    }
    const url = new URL(found.realm);
    if (found.service) url.searchParams.set('service', found.service);
    url.searchParams.set('scope', found.scope ?? scope);
    const headers: Record<string, string> = creds ? { authorization: basicAuthorization(creds.username, creds.password.reveal()) } : {};
    const response = await send(url.toString(), { headers });
    if (response.status === 401 || response.status === 403) throw refusedCredentials(response.status);
    if (!response.ok) throw new UnavailableError(`token service ${url.host} answered HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new UnavailableError(`token service ${url.host} returned no token`);
    return `Bearer ${token}`;
  }

  async function get(path: string, repository: string, headers: Record<string, string> = {}, attempt = 0, method = 'GET'): Promise<Response> {
    const scope = pullScope(repository);
    const known = authorizations.get(scope);
    const response = await send(`${base}${path}`, { method, headers: { ...headers, ...(known ? { authorization: known } : {}) } });
    if (response.status === 401 && !known) {
      challenge = parseChallenge(response.headers.get('www-authenticate')) ?? challenge;
      if (!challenge) throw new AuthError(`registry ${endpoint.host} refused the request and named no auth scheme`);
      authorizations.set(scope, await authorize(challenge, scope));
      deps.log.debug({ event: 'registry.auth', registry: endpoint.host, scheme: challenge.scheme });
      return get(path, repository, headers, attempt, method);
    }
    if (response.status === 401 || response.status === 403) throw refusedCredentials(response.status);
    if ((response.status === 429 || response.status >= 500) && RETRY_DELAYS_MS[attempt] !== undefined) {
      await sleep(RETRY_DELAYS_MS[attempt]!);
      return get(path, repository, headers, attempt + 1, method);
    }
    if (response.status >= 500 || response.status === 429) {
      throw new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} for ${path}`, {
        hint: 'the registry is failing or rate-limiting; retry later',
      });
    }
    return response;
  }

  function missingCredentials() {
    return new AuthError(`registry ${endpoint.host} requires credentials and none were found`, {
      hint: `add them to the auth file (Docker config.json format, mode 0600): {"auths":{"${endpoint.host}":{"auth":"<base64 user:password>"}}}`,
    });
  }

  function refusedCredentials(status: number) {
    return new AuthError(
      `registry ${endpoint.host} refused the credentials from ${deps.credentials?.source ?? '(none)'} (HTTP ${status})`,
      {
        hint:
          endpoint.host === 'nvcr.io'
            ? 'for nvcr.io the user must be the literal $oauthtoken and the password an NGC API key with NGC Catalog access'
            : 'check the user and password for this registry in the auth file',
      },
    );
  }

  function notFound(what: string, repository: string) {
    return new RefusedError(`${what} not found on ${endpoint.host}`, {
      hint: `check the name; the registry's tags for ${repository} are listed by: qsub-container tags <framework> --registry ${endpoint.host}`,
    });
  }

  async function readVerified(response: Response, digest: string | undefined): Promise<{ text: string; digest: string }> {
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest && digest !== actual) {
      throw new UnavailableError(`registry ${endpoint.host} sent content for ${digest} whose digest is ${actual}`);
    }
    return { text: bytes.toString('utf8'), digest: actual };
  }

  return {
    endpoint,

    /** Every tag of a repository, following Link pagination. */
    async listTags(repository: string): Promise<string[]> {
      const tags: string[] = [];
      let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
      while (path) {
        const response = await get(path, repository);
        if (response.status === 404) throw notFound(`repository ${repository}`, repository);
        if (!response.ok) throw new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} listing ${repository}`);
        const body = (await response.json()) as { tags?: string[] | null };
        tags.push(...(body.tags ?? []));
        path = nextLink(response.headers.get('link'));
      }
      return tags;
    },

    /** Resolve a tag or digest to the linux/amd64 image manifest digest and its config digest. */
    async resolveManifest(repository: string, reference: string): Promise<ResolvedManifest> {
      const response = await get(`/v2/${repository}/manifests/${reference}`, repository, { accept: MANIFEST_TYPES });
      if (response.status === 404) throw notFound(`image ${repository}:${reference}`, repository);
      if (!response.ok) throw new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} for ${repository}:${reference}`);
      const { text, digest } = await readVerified(response, reference.startsWith('sha256:') ? reference : undefined);
      const manifest = JSON.parse(text) as ManifestJson;
      const mediaType = manifest.mediaType ?? response.headers.get('content-type') ?? '';
      if (INDEX_TYPES.has(mediaType) || manifest.manifests) {
        const amd64 = manifest.manifests?.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64');
        if (!amd64) throw new RefusedError(`image ${repository}:${reference} has no linux/amd64 variant`);
        return this.resolveManifest(repository, amd64.digest);
      }
      if (!manifest.config?.digest) throw new UnavailableError(`manifest of ${repository}:${reference} names no config`);
      return { digest, configDigest: manifest.config.digest };
    },

    /**
     * The digest a tag points at now, by one HEAD request (for a multi-arch tag, the index's digest). The warmer
     * uses it to confirm a cached tag has not moved without reading manifests again.
     */
    async resolveDigest(repository: string, tag: string): Promise<string> {
      const response = await get(`/v2/${repository}/manifests/${tag}`, repository, { accept: MANIFEST_TYPES }, 0, 'HEAD');
      if (response.status === 404) throw notFound(`image ${repository}:${tag}`, repository);
      const digest = response.headers.get('docker-content-digest');
      if (!response.ok || !digest) throw new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} without a digest for ${repository}:${tag}`);
      return digest;
    },

    /** The image config's env; immutable by digest, so cached for good. */
    async readConfig(repository: string, configDigest: string): Promise<ImageConfig> {
      let text = await deps.blobCache?.get(configDigest);
      if (text === undefined) {
        const response = await get(`/v2/${repository}/blobs/${configDigest}`, repository);
        if (!response.ok) throw new UnavailableError(`registry ${endpoint.host} answered HTTP ${response.status} for config ${configDigest}`);
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

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.message : String(error);
}
