// One registry HTTP exchange over an injected fetch: a timeout per attempt, retries with jittered backoff on network
// errors, 429 and 5xx (Retry-After honoured); any other status is the caller's to interpret.
import { StoppedError, UnavailableError } from '../errors.js';
import type { Logger } from '../log/types.js';
import { isRetryableStatus, MAX_RETRIES, retryDelayMs } from './backoff.js';

/** What a request may carry: GET and HEAD with headers and a deadline; a token request may POST a form. */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** A form body (the OAuth2 token request, whose body holds a refresh token). */
  readonly body?: string;
  /** 'manual': a redirect is answered as it is, not followed (fetch's option of that name). */
  readonly redirect?: 'follow' | 'manual';
  readonly signal?: AbortSignal;
}

/** The members of a fetch Response the client reads; a real Response has them all. */
export interface FetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  /** The URL that answered, after any redirects (fetch's Response.url); absent or empty means the one asked. */
  readonly url?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The fetch port: globalThis.fetch fits it, and so does http-fetch.ts (node:http, without undici's start-up cost). */
export type FetchPort = (url: string, init?: FetchInit) => Promise<FetchResponse>;

export interface SenderDeps {
  readonly fetch: FetchPort;
  readonly log: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random: () => number;
  /** Default per-attempt timeout. */
  readonly timeoutMs: number;
}

export function createSender(deps: SenderDeps) {
  return async function send(
    url: string,
    init: FetchInit,
    timeoutMs = deps.timeoutMs,
    attempt = 0,
  ): Promise<FetchResponse> {
    const host = new URL(url).host;
    let response: FetchResponse;
    try {
      const deadline = AbortSignal.timeout(timeoutMs);
      response = await deps.fetch(url, {
        ...init,
        signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
      });
      // Every exchange, 401s and token requests included: what the round-trip count in `npm run bench` reads.
      deps.log.debug({
        event: 'registry.http',
        host,
        method: init.method ?? 'GET',
        path: new URL(url).pathname,
        status: response.status,
      });
    } catch (error) {
      // Stopped (a signal, a closed pipe, the warmer's shutdown: its AbortError, where a deadline gives a TimeoutError):
      // no retry.
      if (init.signal?.aborted || (error instanceof Error && error.name === 'AbortError'))
        throw new StoppedError(`stopped while asking registry ${host}`, { cause: error });
      if (attempt >= MAX_RETRIES) {
        throw new UnavailableError(`registry ${host} is unreachable (${describeNetworkError(error)})`, {
          // Not only submit and tags, which have --registry, reach a registry: warm and import do too.
          hint: `check the registry address (the image reference, the config's "registry" or QSUB_CONTAINER_REGISTRY; submit and tags also take --registry) and that ${new URL(url).origin} answers`,
          cause: error,
        });
      }
      await deps.sleep(retryDelayMs(attempt, deps.random(), null, deps.now()));
      return send(url, init, timeoutMs, attempt + 1);
    }
    if (isRetryableStatus(response.status) && attempt < MAX_RETRIES) {
      const delay = retryDelayMs(attempt, deps.random(), response.headers.get('retry-after'), deps.now());
      deps.log.debug({
        event: 'registry.retry',
        registry: host,
        status: response.status,
        attempt: attempt + 1,
        delayMs: delay,
      });
      await response.body?.cancel();
      await deps.sleep(delay);
      return send(url, init, timeoutMs, attempt + 1);
    }
    if (isRetryableStatus(response.status)) {
      throw new UnavailableError(`registry ${host} answered HTTP ${response.status} ${MAX_RETRIES + 1} times`, {
        hint: 'the registry is failing or rate-limiting; retry later',
      });
    }
    return response;
  };
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'EPROXY') return cause.message ?? cause.code; // names the proxy, never its credentials
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.message : String(error);
}
