// Read candidates from the registry (newest first, stopping once the answer is known) and choose the image to run.
import { DataError, RefusedError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { RegistryClient } from '../registry/client.js';
import { formatReference, type ImageReference } from '../registry/reference.js';
import { driverRequirement } from './compat.js';
import type { Framework } from './frameworks.js';
import { judge, selectTag, type Candidate, type Selection } from './select.js';
import { releasesOfVariant } from './tags.js';

export interface Choice {
  readonly reference: ImageReference;
  readonly candidate: Candidate;
  readonly why: string;
}

export interface FrameworkChoice {
  readonly selection: Selection;
  /** Candidates read, newest first: all of them with `all`, else up to the chosen one. */
  readonly candidates: readonly Candidate[];
  /** Tags of the default variant the registry lists, newest first. */
  readonly releaseCount: number;
}

async function readCandidate(client: RegistryClient, repository: string, tag: string, release: string): Promise<Candidate> {
  const manifest = await client.resolveManifest(repository, tag);
  const { env } = await client.readConfig(repository, manifest.configDigest);
  return {
    tag,
    release,
    digest: manifest.digest,
    cudaVersion: env.CUDA_VERSION,
    requirement: driverRequirement({ cudaVersion: env.CUDA_VERSION, cudaDriverVersion: env.CUDA_DRIVER_VERSION }),
  };
}

export async function chooseFrameworkImage(
  client: RegistryClient,
  framework: Framework,
  driver: string | undefined,
  options: { all: boolean; log: Logger },
): Promise<FrameworkChoice> {
  const tags = releasesOfVariant(await client.listTags(framework.repository), framework.defaultVariant);
  const candidates: Candidate[] = [];
  for (const tag of tags) {
    const candidate = await readCandidate(client, framework.repository, tag.tag, tag.release);
    candidates.push(candidate);
    options.log.debug({ event: 'candidate.read', tag: candidate.tag, digest: candidate.digest, cuda: candidate.cudaVersion });
    // Newest first: the first compatible candidate is the answer, so older configs need not be read.
    if (!options.all && (driver === undefined || judge(candidate, driver).compatible)) break;
  }
  const subject = `${framework.name} ${framework.defaultVariant}`;
  return { selection: selectTag(candidates, driver, subject), candidates, releaseCount: tags.length };
}

/** An image the user named: resolve it, and with a driver refuse it when the driver cannot run it. */
export async function checkNamedImage(client: RegistryClient, reference: ImageReference, driver: string | undefined): Promise<Choice> {
  const ref = reference.digest ?? reference.tag ?? 'latest';
  const candidate = await readCandidate(client, reference.repository, ref, reference.tag ?? '');
  const name = formatReference(reference);
  if (driver === undefined) return { reference, candidate, why: `${name} as given (no GPU requested, no driver check)` };
  if (!candidate.requirement) {
    throw new DataError(`${name} carries neither CUDA_VERSION nor CUDA_DRIVER_VERSION, so its driver need is unknown`, {
      hint: 'use an NGC image, or an image whose config sets CUDA_VERSION',
    });
  }
  const verdict = judge(candidate, driver);
  if (!verdict.compatible) {
    throw new RefusedError(`${name} cannot run on driver ${driver}: it ${verdict.why}`, {
      hint: 'pick an older tag (qsub-container tags <framework> --driver D lists them) or a partition with a newer driver',
    });
  }
  return { reference, candidate, why: `${name} ${verdict.why}` };
}
