// What to tell people when a registry refuses them: the usual traps (nvcr.io's $oauthtoken, key scopes, Docker Hub's 401s).
import { AuthError, MissingCredentialsError, RefusedError, UnavailableError } from '../errors.js';
import { DOCKER_HUB } from './reference.js';

export interface CredentialFacts {
  readonly host: string;
  /** The user name sent, undefined when anonymous. Not a secret; the password never reaches this module. */
  readonly username: string | undefined;
  /** Where the credentials came from, e.g. "auth file /home/u/.config/qsub-container/auth.json". */
  readonly source: string | undefined;
  /** With --host: the cluster side's auth file, looked in too when this machine had none. */
  readonly clusterFile?: ClusterAuthFile | undefined;
}

/** The cluster side's auth file as --host named its side: for the sentence when neither side has credentials. */
export interface ClusterAuthFile {
  /** What --host named. */
  readonly hostLabel: string;
  readonly path: string;
}

const NVCR = 'nvcr.io';
const login = (host: string) =>
  host === NVCR
    ? `qsub-container login ${NVCR} (user $oauthtoken, password your NGC API key), or set NGC_API_KEY`
    : `qsub-container login ${host}`;

/** APPTAINER_DOCKER_* name no registry: they count only for the configured one (credentials.ts: environmentCredentials). */
const envHint = (host: string) =>
  host === NVCR
    ? 'NGC_API_KEY counts for nvcr.io only'
    : `APPTAINER_DOCKER_USERNAME/APPTAINER_DOCKER_PASSWORD count only for the configured registry: add --registry ${host}`;

/** No credentials for the registry: where they were looked for, and how to store them there (both sides for --host). */
export function missingCredentials({ host, clusterFile }: Pick<CredentialFacts, 'host' | 'clusterFile'>): AuthError {
  if (!clusterFile)
    return new MissingCredentialsError(`registry ${host} requires credentials and none were found`, {
      hint: `store them with: ${login(host)} (${envHint(host)})`,
    });
  const { hostLabel, path } = clusterFile;
  return new MissingCredentialsError(
    `registry ${host} requires credentials and none were found, neither on this machine (the registry is asked from here) nor in ${path} on ${hostLabel}`,
    {
      hint: `store them on the cluster with: qsub-container --host ${hostLabel} login ${host} --remote; or here with: ${login(host)} (${envHint(host)})`,
    },
  );
}

/** The registry or its token service rejected the user and password themselves (authentication). */
export function refusedCredentials(facts: CredentialFacts, status: number): AuthError {
  const where = facts.source ? ` from ${facts.source}` : '';
  return new AuthError(`registry ${facts.host} refused the credentials${where} (HTTP ${status})`, {
    hint: refusedHint(facts),
  });
}

function refusedHint({ host, username }: CredentialFacts): string {
  if (host === NVCR) {
    if (username === '')
      return 'the user is empty: an unquoted $oauthtoken was expanded by the shell; the user must be the literal text $oauthtoken (quote it)';
    if (username !== '$oauthtoken')
      return `for ${NVCR} the user must be the literal $oauthtoken, not ${JSON.stringify(username)}; the password is the NGC API key`;
    return `the NGC API key was refused: it may be revoked, expired or a legacy key; create a Personal API key with the NGC Catalog service and run ${login(host)}`;
  }
  return `check the user and password; store new ones with: ${login(host)}`;
}

/** Authenticated (or anonymous) but not allowed to pull this repository (authorization). */
export function deniedAccess(facts: CredentialFacts, repository: string): AuthError {
  const who =
    facts.username === undefined
      ? 'anonymous access'
      : `user ${JSON.stringify(facts.username)}${facts.source ? ` (${facts.source})` : ''}`;
  return new AuthError(`registry ${facts.host} does not let ${who} pull ${repository}`, {
    hint: deniedHint(facts, repository),
  });
}

function deniedHint({ host, username }: CredentialFacts, repository: string): string {
  if (host === DOCKER_HUB) {
    return `Docker Hub answers this for repositories that do not exist too; NGC images are ${NVCR}/${repository.replace(/^library\//, '')}`;
  }
  if (username === undefined) return `this repository needs credentials: ${login(host)}`;
  if (host === NVCR) {
    return 'the key authenticates but may not pull this image: a Personal API key needs the NGC Catalog scope, and org/team images need membership of that org';
  }
  return `ask the registry's administrators for pull access to ${repository}, or use credentials that have it`;
}

/** A repository, tag or blob the registry does not have (404). ngc/choose-image.ts names the framework's tags command. */
export class NotFoundError extends RefusedError {}

export function notFound(host: string, what: string, repository: string): NotFoundError {
  const ngc = host === DOCKER_HUB ? `; NGC images are ${NVCR}/${repository.replace(/^library\//, '')}` : '';
  return new NotFoundError(`${what} not found on ${host}`, { hint: `check the repository name and the tag${ngc}` });
}

/** The registry's challenge names a token service the credentials may not go to (auth.ts: realmProblem). */
export function refusedRealm(host: string, realm: string, problem: string): AuthError {
  return new AuthError(
    `registry ${host} names a token service ${JSON.stringify(realm.slice(0, 200))} that ${problem}; no credentials were sent to it`,
    { hint: `the registry is misconfigured or its answers were tampered with; tell ${host}'s administrators` },
  );
}

/**
 * A host the registry redirected a download to (object storage, a CDN) refused it. Its 401 is not the registry's
 * challenge: no credentials or tokens go to that host, and nothing it says is remembered.
 */
export function foreignRefusal(host: string, answeredBy: string, status: number, what: string): UnavailableError {
  return new UnavailableError(
    `${new URL(answeredBy).host}, where registry ${host} redirected the download of ${what}, refused it (HTTP ${status})`,
    {
      hint: `credentials are sent only to ${host} itself, never to a host it redirects to; retry later, or tell the registry's administrators`,
    },
  );
}

/** An identity token (an OAuth2 refresh token) is only good at a token service; this registry asks for Basic. */
export function identityTokenNeedsTokenService(facts: CredentialFacts): AuthError {
  return new AuthError(
    `registry ${facts.host} asks for a user and password, but the credentials${facts.source ? ` from ${facts.source}` : ''} are an identity token`,
    { hint: `store a user and password with: ${login(facts.host)}` },
  );
}
