// What a registry client knows about authenticating: the scheme the registry asked for (learned from a 401, or
// remembered from an earlier run), and Bearer tokens by scope, reused until shortly before they expire.
import { UnavailableError } from '../errors.js';
import type { Logger } from '../log/types.js';
import { basicAuthorization, readTokenAnswer, realmProblem, type Challenge, type IssuedToken } from './auth.js';
import type { ChallengeCache, RegistryCredentials } from './client.js';
import { missingCredentials, refusedCredentials, refusedRealm, type CredentialFacts } from './hints.js';
import type { createSender } from './http.js';

export interface AuthStateDeps {
  readonly host: string;
  /** The registry's scheme: an https registry's token realm must be https too (auth.ts: realmProblem). */
  readonly scheme: 'http' | 'https';
  readonly creds: RegistryCredentials | undefined;
  readonly facts: CredentialFacts;
  readonly send: ReturnType<typeof createSender>;
  readonly now: () => number;
  readonly log: Logger;
  readonly challengeCache: ChallengeCache | undefined;
}

export function createAuthState(deps: AuthStateDeps) {
  const { creds, facts, send, now } = deps;
  const tokens = new Map<string, IssuedToken>();
  /** The scheme the registry asked for, learned from the first 401 (or remembered from an earlier run) and used up front. */
  let challenge: Challenge | undefined;
  /** True while `challenge` is only remembered: if using it fails, the registry is asked afresh. */
  let remembered = false;
  let recalled: Promise<void> | undefined;
  const problemOf = (c: Challenge) => (c.scheme === 'bearer' ? realmProblem(c.realm, deps.scheme) : undefined);

  return {
    get challenge() {
      return challenge;
    },
    get remembered() {
      return remembered;
    },
    /** The remembered scheme worked (or was replaced): it is today's. */
    confirm() {
      remembered = false;
    },
    /** A remembered realm that no longer answers: forget it, so the next 401 says anew. */
    forget() {
      [challenge, remembered] = [undefined, false];
    },
    recall: () =>
      (recalled ??= (deps.challengeCache?.get() ?? Promise.resolve(undefined)).then(
        (found) => {
          // A remembered realm is checked as a fresh one is: a file is no reason to send credentials somewhere.
          if (challenge === undefined && found && !problemOf(found)) [challenge, remembered] = [found, true];
        },
        () => undefined, // an unreadable cache is no cache
      )),
    /** A challenge the registry itself sent (the caller checks where the 401 came from): kept, and remembered. */
    async learn(found: Challenge): Promise<void> {
      const problem = problemOf(found);
      if (problem) throw refusedRealm(deps.host, found.realm ?? '', problem);
      const same =
        challenge &&
        challenge.scheme === found.scheme &&
        challenge.realm === found.realm &&
        (challenge.scheme === 'basic' || (found.scheme === 'bearer' && challenge.service === found.service));
      challenge = found;
      if (same && !remembered) return;
      remembered = false;
      if (!same)
        await deps.challengeCache
          ?.put(found)
          .catch((error: Error) =>
            deps.log.debug({ event: 'registry.challenge.unsaved', registry: deps.host, reason: error.message }),
          );
    },
    authorizationFor(scopeKey: string): string | undefined {
      if (challenge?.scheme === 'basic')
        // An identity token is a refresh token for a token service: it is never sent to a registry as a password.
        return creds && creds.kind !== 'identity-token'
          ? basicAuthorization(creds.username, creds.password.reveal())
          : undefined;
      const token = tokens.get(scopeKey);
      return token && now() < token.reuseUntil ? `Bearer ${token.token}` : undefined;
    },
    /** Fetch and keep a token for a Bearer challenge: anonymous, or with the credentials as Basic (nvcr.io: $oauthtoken + API key). */
    async refreshToken(
      found: Extract<Challenge, { scheme: 'bearer' }>,
      scopeKey: string,
      scope: string | undefined,
    ): Promise<void> {
      const problem = realmProblem(found.realm, deps.scheme);
      if (problem) throw refusedRealm(deps.host, found.realm, problem);
      const url = new URL(found.realm);
      const wanted = scope ?? found.scope;
      let response;
      if (creds?.kind === 'identity-token') {
        // Docker's identitytoken is an OAuth2 refresh token: POSTed as a form (distribution's token auth,
        // registry/client/auth/session.go fetchTokenWithOAuth; docs/spec/auth/oauth.md). client_id is required and
        // "should be a meaningful value". The body holds the token, so a redirect is never followed with it.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.password.reveal() });
        if (found.service) form.set('service', found.service);
        if (wanted) form.set('scope', wanted);
        form.set('client_id', 'qsub-container');
        response = await send(url.toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          redirect: 'manual',
        });
      } else {
        if (found.service) url.searchParams.set('service', found.service);
        if (wanted) url.searchParams.set('scope', wanted);
        const headers: Record<string, string> = creds
          ? { authorization: basicAuthorization(creds.username, creds.password.reveal()) }
          : {};
        response = await send(url.toString(), { headers });
      }
      if (response.status === 401 || response.status === 403)
        throw creds ? refusedCredentials(facts, response.status) : missingCredentials(deps.facts);
      if (!response.ok) throw new UnavailableError(`token service ${url.host} answered HTTP ${response.status}`);
      const issued = readTokenAnswer(await response.json().catch(() => undefined), now());
      if (!issued) throw new UnavailableError(`token service ${url.host} returned no token`);
      deps.log.debug({
        event: 'registry.token',
        registry: deps.host,
        scope: scope ?? found.scope ?? null,
        reuseForMs: issued.reuseUntil - now(),
      });
      tokens.set(scopeKey, issued);
    },
  };
}
