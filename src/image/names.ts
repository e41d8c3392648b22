// The names of an image pinned by digest, each made here and nowhere else: how people see it, what a runtime pulls,
// the SIF and sidecar file names in a cache, and the cache directory used when none is configured (pure).
import { formatReference, type RegistryEndpoint } from '../registry/reference.js';
import { SHELL_STATE_PATHS } from '../state/paths.js';

/** An image as a job or the warmer uses it: a registry's tag resolved to the one digest that runs. */
export interface PinnedImage {
  /** For people and logs: host/repository:tag (host/repository@digest when no tag is known). */
  readonly displayRef: string;
  /** docker://host/repository@sha256:...: the runtime pulls exactly this digest, whatever the tag says later. */
  readonly pullRef: string;
  readonly digest: string;
  /** The registry speaks plain HTTP (loopback). */
  readonly noHttps: boolean;
}

/** An image as a pull puts it into a cache: pinned, how the pull authenticates, what its sidecar records. */
export interface PullableImage extends PinnedImage {
  /** Auth file the pull hands to Apptainer; undefined when the registry needs none. */
  readonly authFile: string | undefined;
  /**
   * Build the SIF from this Apptainer source (docker-archive:, oci:, oci-archive:) instead of pulling pullRef: how
   * `import` puts an image made elsewhere into the cache through the same lock, verification and publish steps.
   */
  readonly buildSource?: string | undefined;
  /** The image's CUDA_VERSION and CUDA_DRIVER_VERSION, recorded in the sidecar; undefined when unknown. */
  readonly cudaVersion?: string | undefined;
  readonly cudaDriverVersion?: string | undefined;
}

/** The reference as given names the image for people (its tag, or the digest it was given by); `digest` pins it. */
export function pinImage(
  reference: {
    readonly registry: RegistryEndpoint;
    readonly repository: string;
    readonly tag?: string | undefined;
    readonly digest?: string | undefined;
  },
  digest: string,
): PinnedImage {
  const { registry, repository } = reference;
  return {
    displayRef: formatReference(reference.tag || reference.digest ? reference : { registry, repository, digest }),
    pullRef: `docker://${registry.host}/${repository}@${digest}`,
    digest,
    noHttps: registry.scheme === 'http',
  };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const SIF = /^sha256-([0-9a-f]{64})\.sif$/;

/** The SIF's file name in a cache: content-addressed, so a moved tag never reuses a stale image. */
export function sifName(digest: string): string {
  if (!DIGEST.test(digest)) throw new TypeError(`not a sha256 digest: ${digest}`);
  return `${digest.replace(':', '-')}.sif`;
}

/** The metadata sidecar beside the SIF (cache/layout.ts: what it holds). */
export const sidecarName = (digest: string) => sifName(digest).replace(/\.sif$/, '.json');

/** The reverse of sifName: a cache file name → its digest, or undefined for any other file. */
export function digestOfSif(name: string): string | undefined {
  const m = SIF.exec(name);
  return m ? `sha256:${m[1]}` : undefined;
}

/** Without a configured cache directory, images go to images/ in the tool's own cache of whoever runs the job. */
const DEFAULT_IMAGE_SUBDIR = 'images';

/** The default image directory here, from this process's tool cache directory (state/paths.ts). */
export const defaultImageDir = (stateCacheDir: string) => `${stateCacheDir}/${DEFAULT_IMAGE_SUBDIR}`;

/** The same directory as a shell expansion, for scripts that run where it is (a job's node, the cluster side). */
export const DEFAULT_IMAGE_DIR_SHELL = `${SHELL_STATE_PATHS.stateCacheDir}/${DEFAULT_IMAGE_SUBDIR}`;
