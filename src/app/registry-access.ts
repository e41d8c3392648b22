// A registry client for an endpoint, with the first credentials found for it, its blob and challenge caches in the
// tool's state cache; and the auth file a job names for that registry.
import { join } from 'node:path';
import type { Settings } from '../config/resolve.js';
import type { Logger } from '../log/types.js';
import { createFileBlobCache } from '../registry/blob-cache.js';
import { createFileChallengeCache } from '../registry/challenge-cache.js';
import { createRegistryClient, type RegistryClient } from '../registry/client.js';
import { findCredentials, type FoundCredentials } from '../registry/credentials.js';
import type { FetchPort } from '../registry/http.js';
import type { RegistryEndpoint } from '../registry/reference.js';
import type { ClusterSide } from './deps.js';

export interface RegistryAccess {
  /** A client with the first credentials found for the endpoint (README: Registry credentials). */
  client(
    endpoint: RegistryEndpoint,
    settings: Settings,
  ): Promise<{ client: RegistryClient; credentials: FoundCredentials | undefined }>;
  /** The auth file the job names for this registry (ClusterSide.jobAuthFile). */
  jobAuthFile(settings: Settings, host: string, credentials: FoundCredentials | undefined): Promise<string | undefined>;
  /** The same access, its requests also ended when `signal` aborts (a warm tick's shutdown). */
  stoppedBy(signal: AbortSignal): RegistryAccess;
}

export interface RegistryAccessDeps {
  readonly fetch: FetchPort;
  /** Credential variables and $HOME, for findCredentials. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stateCacheDir: string;
  readonly cluster: ClusterSide;
  readonly log: Logger;
  readonly now: () => number;
}

export function createRegistryAccess(deps: RegistryAccessDeps): RegistryAccess {
  return {
    async client(endpoint, settings) {
      // Over SSH the registry is queried from here with this machine's credentials; the job names the cluster side's file.
      const toolFile = deps.cluster.toolAuthFile(settings);
      // Then, over SSH, those login --remote stored on the cluster side (one more round trip, only when none are here).
      const credentials =
        (await findCredentials(endpoint.host, deps.env, {
          toolFile,
          home: deps.env.HOME ?? '',
          registry: settings.registry,
        })) ?? (await deps.cluster.storedCredentials(settings, endpoint.host));
      deps.log.debug({
        event: 'registry.credentials',
        registry: endpoint.host,
        source: credentials?.source ?? 'none',
        user: credentials?.username ?? null,
      });
      const { hostLabel } = deps.cluster;
      const client = createRegistryClient(endpoint, {
        fetch: deps.fetch,
        credentials,
        clusterFile: hostLabel === undefined ? undefined : { hostLabel, path: settings.authFile },
        blobCache: createFileBlobCache(join(deps.stateCacheDir, 'blobs')),
        challengeCache: createFileChallengeCache(deps.stateCacheDir, endpoint),
        log: deps.log,
        now: deps.now,
      });
      return { client, credentials };
    },
    jobAuthFile: (settings, host, credentials) => deps.cluster.jobAuthFile(settings, host, credentials),
    stoppedBy: (signal) =>
      createRegistryAccess({
        ...deps,
        fetch: (url, init) =>
          deps.fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
      }),
  };
}
