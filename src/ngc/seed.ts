// The offline seed (ngc-releases.ts): candidates when the registry cannot be asked, and the forward-compat branches a
// release lists, which the registry does not say (added to its candidates for the forward-compat policy and the warmer).
import { registryCandidate } from './candidate.js';
import { driverRequirement } from './compat.js';
import { cudaFits, matchingTags, type Constraints } from './constraints.js';
import type { Framework } from './frameworks.js';
import { NGC_RELEASES, type NgcReleaseRow } from './ngc-releases.js';
import type { Candidate } from './select.js';

const rowsOf = (framework: string) => NGC_RELEASES.filter((r) => r.framework === framework);

/** The seed row for a framework's tag (or, without one listing the tag, its release): forward-compat branches, explanations. */
export function seedRow(framework: string, release: string, tag?: string): NgcReleaseRow | undefined {
  const rows = rowsOf(framework).filter((r) => r.release === release);
  return (tag === undefined ? undefined : rows.find((r) => r.tags.includes(tag))) ?? rows[0];
}

/** Every tag of the framework the seed knows. */
const seedTags = (framework: string): string[] => rowsOf(framework).flatMap((r) => r.tags);

/** Seed candidates for the framework's tags that fit the constraints, newest first (no digests: nothing was read). */
export function seedCandidates(framework: Framework, constraints: Constraints): Candidate[] {
  return matchingTags(seedTags(framework.name), framework.defaultVariant, constraints)
    .map((tag) => {
      const row = seedRow(framework.name, tag.release, tag.tag)!;
      return {
        tag: tag.tag,
        release: tag.release,
        digest: undefined,
        cudaVersion: row.cuda,
        requirement: driverRequirement({ cudaVersion: row.cuda, cudaDriverVersion: row.minDriver }),
        forwardCompatBranches: row.forwardCompatBranches,
      };
    })
    .filter((c) => cudaFits(c.cudaVersion, constraints));
}

/** The forward-compat branches the seed lists for an nvidia/ repository's tag (the registry does not say them). */
export function withSeedBranches(repository: string, candidate: Candidate): Candidate {
  const [owner, name] = repository.split('/');
  const branches =
    owner === 'nvidia' && name ? (seedRow(name, candidate.release, candidate.tag)?.forwardCompatBranches ?? []) : [];
  return { ...candidate, forwardCompatBranches: branches };
}

/** A candidate from what the registry says of a tag, with the seed's forward-compat branches (the warmer, tests). */
export const candidateOf = (
  repository: string,
  tag: string,
  release: string,
  digest: string,
  env: Readonly<Record<string, string | undefined>>,
): Candidate => withSeedBranches(repository, registryCandidate(tag, release, digest, env));
