// Docker's credential helper protocol: `docker-credential-NAME get` with the server URL on stdin answers
// {"ServerURL","Username","Secret"} on stdout (docker/docker-credential-helpers). Run through the Runner port, so the
// secret arrives on the helper's stdout only: never in an argv, a log line or an error message.
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';
import type { Runner, RunResult } from '../transport/runner.js';

/** The helpers' own "not found" message (credentials.ErrCredentialsNotFound); they print it and exit non-zero. */
const NOT_FOUND = 'credentials not found in native keychain';
const TIMEOUT_MS = 30_000;

export type HelperAnswer =
  | { readonly kind: 'found'; readonly username: string; readonly secret: Secret; readonly identityToken: boolean }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-installed' };

/** The server URL Docker hands a helper: Docker Hub's historic key, else the registry host[:port]. */
export const helperServerUrl = (host: string) =>
  host === 'registry-1.docker.io' ? 'https://index.docker.io/v1/' : host;

/** A finished helper run → its answer (pure). Username "<token>" marks the secret as an identity token. */
export function readHelperAnswer(name: string, result: RunResult): HelperAnswer {
  const program = `docker-credential-${name}`;
  if (result.code === 127) return { kind: 'not-installed' };
  if (result.timedOut)
    throw new AuthError(`credential helper ${program} did not answer within ${TIMEOUT_MS / 1000} s`, {
      hint: `it may be waiting for a keyring unlock; check: echo <registry> | ${program} get`,
    });
  if (result.code !== 0) {
    if (result.stdout.trim() === NOT_FOUND || result.stderr.trim() === NOT_FOUND) return { kind: 'not-found' };
    // Its output is not quoted: a helper that fails half-way may have printed part of a secret.
    throw new AuthError(`credential helper ${program} failed (exit ${result.code})`, {
      hint: `see why with: echo <registry> | ${program} get`,
    });
  }
  let answer: { Username?: unknown; Secret?: unknown } | undefined;
  try {
    answer = JSON.parse(result.stdout) as typeof answer;
  } catch {
    answer = undefined;
  }
  if (typeof answer?.Secret !== 'string' || typeof answer.Username !== 'string') {
    throw new AuthError(`credential helper ${program} answered something other than {"Username","Secret"} JSON`, {
      hint: `check it with: echo <registry> | ${program} get`,
    });
  }
  if (answer.Secret === '') return { kind: 'not-found' };
  const identityToken = answer.Username === '<token>';
  return { kind: 'found', username: answer.Username, secret: new Secret(answer.Secret), identityToken };
}

/** Ask helper `name` for `host`'s credentials; `runner` runs on this machine, with the registry credentials' variables removed. */
export async function askCredentialHelper(runner: Runner, name: string, host: string): Promise<HelperAnswer> {
  const result = await runner.run({
    argv: [`docker-credential-${name}`, 'get'],
    // As Docker's client writes it: the URL alone, no newline.
    stdin: helperServerUrl(host),
    timeoutMs: TIMEOUT_MS,
  });
  return readHelperAnswer(name, result);
}
