// When to retry a registry request: 429/5xx and network errors, exponential backoff with full jitter, Retry-After honoured.

export const RETRY_BASE_MS = 250;
export const RETRY_MAX_MS = 8_000;
/** Attempts after the first; with the delays above a dead registry is given up on within ~4 s. */
export const MAX_RETRIES = 3;

export const isRetryableStatus = (status: number) =>
  status === 429 || status === 502 || status === 503 || status === 504 || status === 500;

/**
 * Delay before retry number `attempt` (0-based): a Retry-After the server sent (seconds or an HTTP date, capped),
 * else a uniformly random delay up to base·2^attempt ("full jitter"), so clients hammering one registry spread out.
 */
export function retryDelayMs(attempt: number, random: number, retryAfter: string | null, nowMs: number): number {
  if (retryAfter) {
    const seconds = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - nowMs;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, RETRY_MAX_MS * 4);
  }
  return Math.round(random * Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt));
}
