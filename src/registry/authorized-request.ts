// The one way a registry request goes out: with auth exactly as the registry's challenge says (learned, remembered,
// refreshed once), and each refusal turned into its verdict (no credentials, wrong ones, no pull access, a redirect
// target's refusal). client.ts builds the registry's API on it.
import { AuthError } from '../errors.js';
import { parseChallenge, pullScope } from './auth.js';
import { createAuthState } from './auth-state.js';
import type { RegistryClientDeps } from './client.js';
import { createSender, type FetchResponse } from './http.js';
import {
  deniedAccess,
  foreignRefusal,
  identityTokenNeedsTokenService,
  missingCredentials,
  refusedCredentials,
  type CredentialFacts,
} from './hints.js';
import type { RegistryEndpoint } from './reference.js';

/** Sends `method path` to the registry of `endpoint`, authorized for `repository`'s pull scope (none: /v2/ itself). */
export function createAuthorizedRequest(endpoint: RegistryEndpoint, deps: RegistryClientDeps) {
  const base = `${endpoint.scheme}://${endpoint.host}`;
  const origin = new URL(base).origin;
  const now = deps.now ?? Date.now;
  const send = createSender({
    fetch: deps.fetch,
    log: deps.log,
    now,
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: deps.random ?? Math.random,
    timeoutMs: deps.timeoutMs ?? 30_000,
  });
  const creds = deps.credentials;
  const facts: CredentialFacts = {
    host: endpoint.host,
    username: creds?.username,
    source: creds?.source,
    clusterFile: deps.clusterFile,
  };
  const auth = createAuthState({
    host: endpoint.host,
    scheme: endpoint.scheme,
    creds,
    facts,
    send,
    now,
    log: deps.log,
    challengeCache: deps.challengeCache,
  });

  /**
   * A request with auth exactly as the registry's 401 challenge says. A stale or expired token is refreshed once;
   * a second 401 is a verdict: wrong credentials (authentication) or no pull access (authorization).
   */
  async function request(
    method: 'GET' | 'HEAD',
    path: string,
    repository: string | undefined,
    headers: Record<string, string> = {},
    timeoutMs?: number,
  ): Promise<FetchResponse> {
    const scope = repository === undefined ? undefined : pullScope(repository);
    const scopeKey = scope ?? '';
    const url = `${base}${path}`;
    await auth.recall();
    const attempt = async () => {
      // Once the registry has said "Bearer", a missing or expired token is fetched up front, saving a 401 round trip.
      const known = auth.challenge;
      if (known?.scheme === 'bearer' && auth.authorizationFor(scopeKey) === undefined) {
        try {
          await auth.refreshToken(known, scopeKey, scope);
        } catch (error) {
          if (!auth.remembered) throw error;
          // A remembered realm that no longer answers is forgotten: the request goes out bare and the 401 says anew.
          deps.log.debug({
            event: 'registry.challenge.stale',
            registry: endpoint.host,
            reason: (error as Error).message,
          });
          auth.forget();
        }
      }
      const authorization = auth.authorizationFor(scopeKey);
      return {
        authorization,
        response: await send(
          url,
          { method, headers: { ...headers, ...(authorization ? { authorization } : {}) } },
          timeoutMs,
        ),
      };
    };
    const first = await attempt();
    const authorization = first.authorization;
    let response = first.response;
    // A redirect target's refusal (object storage, a CDN) is not the registry's challenge: nothing it names is
    // learned or remembered, and no credentials go to it (the fetch port drops them on the cross-origin hop).
    refuseForeign(response, path);
    if (response.status !== 401) auth.confirm(); // the remembered scheme worked: it is today's
    if (response.status === 401) {
      const found = parseChallenge(response.headers.get('www-authenticate')) ?? auth.challenge;
      if (!found)
        throw new AuthError(`registry ${endpoint.host} refused the request and named no auth scheme it accepts`);
      await auth.learn(found);
      if (found.scheme === 'bearer' && found.error === 'insufficient_scope' && authorization) {
        // Without credentials (an anonymous token fetched up front from a remembered realm) the verdict is the same as when the 401 came first.
        throw creds ? deniedAccess(facts, repository ?? '/v2/') : missingCredentials(facts);
      }
      if (found.scheme === 'basic') {
        if (!creds) throw missingCredentials(facts);
        if (creds.kind === 'identity-token') throw identityTokenNeedsTokenService(facts);
        if (authorization) throw refusedCredentials(facts, 401);
      } else {
        if (authorization)
          deps.log.debug({ event: 'registry.token.rejected', registry: endpoint.host, error: found.error ?? null });
        await auth.refreshToken(found, scopeKey, scope);
      }
      await response.body?.cancel();
      ({ response } = await attempt());
      refuseForeign(response, path);
      if (response.status === 401) {
        const again = parseChallenge(response.headers.get('www-authenticate'));
        if (found.scheme === 'basic' || (again?.scheme === 'bearer' && again.error === 'invalid_token'))
          throw refusedCredentials(facts, 401);
        throw creds ? deniedAccess(facts, repository ?? '/v2/') : missingCredentials(facts);
      }
    }
    if (response.status === 403) throw deniedAccess(facts, repository ?? '/v2/');
    deps.log.debug({ event: 'registry.request', registry: endpoint.host, method, path, status: response.status });
    return response;
  }

  /** Throws when a 401 or 403 came from a host other than the registry's own origin (after a redirect). */
  function refuseForeign(response: FetchResponse, path: string): void {
    if (response.status !== 401 && response.status !== 403) return;
    if (!response.url || new URL(response.url).origin === origin) return;
    response.body?.cancel().catch(() => undefined);
    throw foreignRefusal(endpoint.host, response.url, response.status, path);
  }

  return request;
}
