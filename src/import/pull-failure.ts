// Reading Apptainer's failure: was it the registry refusing its credentials (so the tool's own client may still get through)?

/** Apptainer (containers/image) words for a registry's 401/403, as it prints them (test/fixtures/apptainer). */
const AUTH_FAILURE =
  /\b(?:UNAUTHORIZED|DENIED)\b|authentication (?:required|failed)|unauthorized: |\b40[13] (?:Unauthorized|Forbidden)\b/i;

export function isAuthFailure(stderr: string): boolean {
  return AUTH_FAILURE.test(stderr);
}
