// Dotted version numbers (drivers "580.159.04", CUDA "12.8.0.038"): parse and compare numerically, part by part.

export type Version = readonly number[];

const DOTTED = /^\d+(\.\d+)*$/;

export function parseVersion(text: string): Version | undefined {
  const trimmed = text.trim();
  if (!DOTTED.test(trimmed)) return undefined;
  return trimmed.split('.').map(Number);
}

/** Compare part by part; a missing part counts as 0, so "570.26" equals "570.26.0". */
export function compareVersions(a: Version, b: Version): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** Compare two version strings; throws on text that is not a dotted version (callers validate first). */
export function compareVersionText(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new TypeError(`not a version: ${pa ? b : a}`);
  return compareVersions(pa, pb);
}

/** "12.8.0.038" → "12.8.0": the toolkit release without NGC's build suffix. */
export function cudaRelease(cudaVersion: string): string {
  return cudaVersion.split('.').slice(0, 3).join('.');
}
