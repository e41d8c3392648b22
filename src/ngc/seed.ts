// Candidates from the offline seed (ngc-releases.ts): what selection uses when the registry cannot be asked.
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
