// Registry endpoints and image references: "HOST[:PORT]" or URLs, "[host/]repo[:tag][@digest]" (Docker's rules).
import { UsageError } from '../errors.js';

export interface RegistryEndpoint {
  /** host[:port] as it appears in image references and credential files. */
  readonly host: string;
  readonly scheme: 'http' | 'https';
}

export interface ImageReference {
  readonly registry: RegistryEndpoint;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** Set when the reference was written another way (enroot/pyxis "#"): one line for stderr saying how it was read. */
  readonly note?: string | undefined;
  /** The reference named no registry, so it is Docker Hub's, as Docker reads it (image/reference-notes.ts says so). */
  readonly registryImplied?: boolean | undefined;
}

/** Where a reference naming no registry goes (Docker's rule). */
export const DOCKER_HUB = 'registry-1.docker.io';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;
const HOST_PORT = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/;

/** `--registry` value → endpoint. http:// URLs and loopback hosts use plain HTTP, as Docker treats localhost. */
export function parseRegistry(value: string): RegistryEndpoint {
  const url = /^(https?):\/\/([^/]+)\/?$/i.exec(value.trim());
  const host = (url ? url[2]! : value.trim()).toLowerCase();
  if (!HOST_PORT.test(host)) {
    throw new UsageError(`not a registry: ${JSON.stringify(value)}`, {
      hint: 'give HOST[:PORT] or a URL such as https://nvcr.io or http://127.0.0.1:5000',
    });
  }
  const scheme = url ? (url[1]!.toLowerCase() as 'http' | 'https') : LOOPBACK.test(host) ? 'http' : 'https';
  return { host, scheme };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Parse a reference; a first path part with "." or ":" (or "localhost") names the registry, else Docker Hub. */
export function parseImageReference(ref: string): ImageReference {
  const bad = (why: string) =>
    new UsageError(`not an image reference: ${JSON.stringify(ref)} (${why})`, {
      hint: 'write it as registry/repository:tag, e.g. nvcr.io/nvidia/pytorch:24.10-py3',
    });
  let rest = ref.trim();
  if (rest.includes('#')) {
    // enroot/pyxis (and the Quest guide) write REGISTRY#IMAGE (enroot's docs/cmd/import.md: docker://[USER@][REGISTRY#]IMAGE[:TAG]).
    // Docker and Apptainer would read that as a Docker Hub name: it is read here as REGISTRY/IMAGE, and said so.
    const enroot = /^([^#/@]+)#([^#]+)$/.exec(rest);
    if (!enroot || !/[.:]|^localhost$/i.test(enroot[1]!)) {
      throw new UsageError(`not an image reference: ${JSON.stringify(ref)} ("#" is enroot/pyxis syntax)`, {
        hint: 'write it as REGISTRY#IMAGE[:TAG] (nvcr.io#nvidia/pytorch:24.10-py3) or registry/repository:tag',
      });
    }
    const read = parseImageReference(`${enroot[1]}/${enroot[2]}`);
    return {
      ...read,
      note: `qsub-container: note: read ${JSON.stringify(ref)} (the enroot/pyxis spelling) as ${formatReference(read)}`,
    };
  }
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('digest must be sha256:<64 hex>');
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  const registry = hasRegistry ? parseRegistry(first) : { host: DOCKER_HUB, scheme: 'https' as const };
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw bad('bad tag');
  }
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  if (!REPOSITORY.test(path)) throw bad('bad repository name');
  return {
    registry,
    repository: path,
    tag: tag ?? (digest ? undefined : 'latest'),
    digest,
    ...(hasRegistry ? {} : { registryImplied: true }),
  };
}

/** "host/repo:tag" for people; "host/repo@digest" when only the digest is known. */
export function formatReference(ref: {
  registry: RegistryEndpoint;
  repository: string;
  tag?: string | undefined;
  digest?: string | undefined;
}): string {
  const base = `${ref.registry.host}/${ref.repository}`;
  return ref.tag ? `${base}:${ref.tag}` : ref.digest ? `${base}@${ref.digest}` : base;
}
