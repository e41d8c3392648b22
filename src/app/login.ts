// login / logout: check credentials against the registry, then store them in (or drop them from) the credential file
// of the side the command runs against (this machine's, or with --host and --remote the cluster side's).
import type { Settings } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { createRegistryClient } from '../registry/client.js';
import type { FetchPort } from '../registry/http.js';
import type { RegistryEndpoint } from '../registry/reference.js';
import type { Secret } from '../secret.js';
import type { AppDeps, CredentialStore } from './deps.js';

export type LoginDeps = Pick<AppDeps, 'cluster' | 'log' | 'now'> & { readonly fetch: FetchPort };

/**
 * This side's store: with --host, the cluster side's file, and only when `remote` says so in so many words (a local
 * secret is never copied to the cluster otherwise); without --host, `remote` is a mistake.
 */
export function credentialStore(
  deps: Pick<AppDeps, 'cluster'>,
  settings: Settings,
  command: 'login' | 'logout',
  registry: string,
  remote: boolean,
): CredentialStore {
  const { hostLabel } = deps.cluster;
  if (hostLabel !== undefined && !remote) {
    throw new UsageError(
      `${command} with --host changes the credentials on the cluster side, and needs --remote to say so`,
      {
        hint: `qsub-container --host ${hostLabel} ${command} ${registry} --remote (or drop --host to use this machine's file)`,
      },
    );
  }
  if (hostLabel === undefined && remote)
    throw new UsageError('--remote needs --host', {
      hint: 'name the cluster: --host user@login-node (or an ~/.ssh/config alias)',
    });
  return deps.cluster.credentialStore(settings);
}

/** Prove the credentials before storing: the /v2/ challenge decides Basic or a token fetched with them. */
export async function login(
  deps: LoginDeps,
  store: CredentialStore,
  endpoint: RegistryEndpoint,
  username: string,
  password: Secret,
): Promise<void> {
  const client = createRegistryClient(endpoint, {
    fetch: deps.fetch,
    credentials: { username, password, source: 'qsub-container login' },
    blobCache: undefined,
    log: deps.log,
    now: deps.now,
  });
  await client.ping();
  await store.save(endpoint.host, username, password);
  deps.log.info({ event: 'registry.login', registry: endpoint.host, user: username, file: store.where });
}
