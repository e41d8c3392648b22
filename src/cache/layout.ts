// The shared cache's layout, one protocol for jobs, submissions and the warmer (pure): the image's own files are named
// in image/names.ts; locks, partial downloads, tag links, logs and quarantine are named here.
//
//   <cache>/sha256-<hex>.sif                 the image, content-addressed
//   <cache>/sha256-<hex>.json                its metadata sidecar (source ref, digest, size, CUDA env, pulled-at, by, with which runtime)
//   <cache>/sha256-<hex>.sif.lock            flock target while pulling (jobs and warmer)
//   <cache>/sha256-<hex>.sif.submit.lock     flock target while a submission finds or submits the digest's pull job
//   <cache>/.logs/pull-<jobid>.out           output of those CPU pull jobs (warm-<jobid>.out: the warmer's)
//   <cache>/sha256-<hex>.sif.lockd/owner     lock directory where flock does not work: "host pid epoch", refreshed
//   <cache>/sha256-<hex>.sif.partial.<host>.<pid>.<random>/   a pull in progress: a private 0700 directory (mktemp -d)
//                                            holding every temporary file of it (removed on exit, TERM, ENOSPC)
//   <cache>/tags/<host>/<repo>/<tag>.sif -> ../../../sha256-<hex>.sif   tag references for people and the warmer
//   <cache>/quarantine/                      images `cache verify` found broken
//   <cache>/.warm.lock                       the single warmer instance

import { sifName } from '../image/names.js';

/** The pull's private directory; the random part is mktemp's (older versions wrote a file without it). */
const PARTIAL = /^sha256-([0-9a-f]{64})\.sif\.partial\.(.+)\.(\d+)(?:\.[A-Za-z0-9]{6})?$/;

export const TAGS_DIR = 'tags';
export const QUARANTINE_DIR = 'quarantine';
export const WARM_LOCK = '.warm.lock';
export const LOGS_DIR = '.logs';
/** Output files of pull jobs (sbatch --output patterns under LOGS_DIR): a submission's, the warmer's. */
export const PULL_JOB_LOG = 'pull-%j.out';
export const WARM_JOB_LOG = 'warm-%j.out';

export const lockName = (digest: string) => `${sifName(digest)}.lock`;
export const submitLockName = (digest: string) => `${sifName(digest)}.submit.lock`;

export function parsePartialName(name: string): { digest: string; host: string; pid: number } | undefined {
  const m = PARTIAL.exec(name);
  return m ? { digest: `sha256:${m[1]}`, host: m[2]!, pid: Number(m[3]) } : undefined;
}

/** "host/repo/path:tag" → the link's path under the cache dir and the relative target for a digest. */
export function tagLinkPath(ref: string): string {
  const colon = ref.lastIndexOf(':');
  const slash = ref.indexOf('/');
  if (colon < slash || slash < 0) throw new TypeError(`not a host/repository:tag reference: ${ref}`);
  const path = `${ref.slice(0, colon)}/${ref.slice(colon + 1)}.sif`;
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw new TypeError(`unsafe reference: ${ref}`);
  return `${TAGS_DIR}/${path}`;
}

export function tagLinkTarget(ref: string, digest: string): string {
  const depth = tagLinkPath(ref).split('/').length - 1;
  return `${'../'.repeat(depth)}${sifName(digest)}`;
}

/** The reverse of tagLinkPath: "tags/h/r/t.sif" → "h/r:t". */
export function refOfTagLink(path: string): string | undefined {
  if (!path.startsWith(`${TAGS_DIR}/`) || !path.endsWith('.sif')) return undefined;
  const rest = path.slice(TAGS_DIR.length + 1, -'.sif'.length);
  const slash = rest.lastIndexOf('/');
  return slash < 0 ? undefined : `${rest.slice(0, slash)}:${rest.slice(slash + 1)}`;
}

/** What a sidecar says. Written by the job template's pull block and by nothing else, so one writer defines it. */
export interface Sidecar {
  readonly digest: string;
  readonly source: string;
  readonly cudaVersion: string | null;
  readonly cudaDriverVersion: string | null;
  readonly size: number;
  /** The SIF's own sha256 at publish, and its "inode:size:mtime" then (a job hashes again only when those change). */
  readonly sha256?: string;
  readonly file?: string;
  /** ISO time. */
  readonly pulledAt: string;
  readonly pulledBy: string;
  /** The runtime that pulled it, as its --version names it (apptainer, singularity-ce, singularity); older sidecars lack it. */
  readonly runtime?: string;
  readonly runtimeVersion?: string;
}

export function parseSidecar(text: string): Sidecar | undefined {
  try {
    const v = JSON.parse(text) as Partial<Sidecar>;
    return typeof v.digest === 'string' && typeof v.size === 'number' && typeof v.source === 'string'
      ? (v as Sidecar)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The static head of the sidecar the job writes; it appends size, sha256, file, pulledAt, pulledBy and the runtime
 * once the file is verified.
 */
export function sidecarHead(
  digest: string,
  source: string,
  cudaVersion: string | undefined,
  cudaDriverVersion: string | undefined,
): string {
  return JSON.stringify({
    digest,
    source,
    cudaVersion: cudaVersion ?? null,
    cudaDriverVersion: cudaDriverVersion ?? null,
  }).slice(0, -1);
}

/** SIF starts with a 32-byte launch line then "SIF_MAGIC" (sylabs/sif global header). */
export const SIF_MAGIC_OFFSET = 32;
export const SIF_MAGIC = 'SIF_MAGIC';
