// A candidate as the registry describes a tag: its CUDA need from the image config's environment (pure). The
// forward-compat branches a release lists come from the offline seed (seed.ts: withSeedBranches), read only when the
// forward-compat policy asks for them.
import { driverRequirement } from './compat.js';
import type { Candidate } from './select.js';

export function registryCandidate(
  tag: string,
  release: string,
  digest: string,
  env: Readonly<Record<string, string | undefined>>,
): Candidate {
  return {
    tag,
    release,
    digest,
    cudaVersion: env.CUDA_VERSION,
    requirement: driverRequirement({ cudaVersion: env.CUDA_VERSION, cudaDriverVersion: env.CUDA_DRIVER_VERSION }),
  };
}
