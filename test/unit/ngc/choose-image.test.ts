// chooseFrameworkImage over a candidate source: the one selection path submit, tags and the warmer share, per policy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseFrameworkImage, registrySource, type CandidateSource } from '../../../src/ngc/choose-image.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { candidateOf } from '../../../src/ngc/seed.js';
import { findFramework } from '../../../src/ngc/frameworks.js';
import { silentLogger as log } from '../../../src/log/types.js';
import { NO_CONSTRAINTS } from '../../../src/ngc/constraints.js';

// The testbed registry's images (NGC tags with the env their configs carry), plus PyTorch 24.06 with the CUDA its release
// notes give: the one release here whose notes list forward-compatible data-center branches (535.86 among them).
const LINES = [
  ...readFileSync(new URL('../../../deploy/testbed/images.txt', import.meta.url), 'utf8').split('\n'),
  'nvidia/pytorch 24.06-py3 CUDA_VERSION=12.5.0',
];
const IMAGES = LINES.filter((l) => /^nvidia\//.test(l)).map((l) => {
  const [repository, tag, ...env] = l.split(' ');
  return {
    repository: repository!,
    tag: tag!,
    env: Object.fromEntries(env.map((e) => e.split('=') as [string, string])),
  };
});

/** A source answering from those images; `read` records the tags it was asked for. */
function imagesSource(): CandidateSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    listTags: async (repository) => IMAGES.filter((i) => i.repository === repository).map((i) => i.tag),
    read: async (repository, tag, release) => {
      reads.push(tag);
      const image = IMAGES.find((i) => i.repository === repository && i.tag === tag)!;
      return candidateOf(repository, tag, release, `sha256:${tag}`, image.env);
    },
  };
}

const choose = async (
  framework: string,
  driver: string,
  policy: 'native' | 'minor-compat' | 'forward-compat',
  gpuNames: string[] = [],
  constraints = NO_CONSTRAINTS,
) => {
  const source = imagesSource();
  const { selection } = await chooseFrameworkImage(source, findFramework(framework)!, driver, {
    all: false,
    log,
    constraints,
    select: { policy, gpuNames },
  });
  return {
    tag: selection.kind === 'selected' ? selection.candidate.tag : undefined,
    mode: selection.kind === 'selected' ? selection.verdict?.mode : undefined,
    reads: source.reads,
  };
};

describe('chooseFrameworkImage by policy', () => {
  it('native on gpu-legacy (525.105.17) takes 23.01; minor-compat takes the newest CUDA 12 tag, 25.02', async () => {
    expect(await choose('tensorflow', '525.105.17', 'native')).toMatchObject({
      tag: '23.01-tf2-py3',
      mode: 'native',
      reads: ['25.02-tf2-py3', '23.01-tf2-py3'],
    });
    expect(await choose('tensorflow', '525.105.17', 'minor-compat')).toMatchObject({
      tag: '25.02-tf2-py3',
      mode: 'minor-compat',
      reads: ['25.02-tf2-py3'],
    });
  });

  it('applies variant constraints on the same path', async () => {
    expect(
      await choose('tensorflow', '525.105.17', 'minor-compat', [], { ...NO_CONSTRAINTS, variant: 'tf1' }),
    ).toMatchObject({ tag: '23.01-tf1-py3' });
  });

  it('forward-compat needs data-center GPU names: an H100 on 535 gets 24.06, a GeForce stays on native 23.10', async () => {
    expect(await choose('pytorch', '535.104.05', 'forward-compat', ['NVIDIA H100 80GB HBM3'])).toMatchObject({
      tag: '24.06-py3',
      mode: 'forward-compat',
    });
    expect(await choose('pytorch', '535.104.05', 'forward-compat', ['NVIDIA GeForce RTX 3090'])).toMatchObject({
      tag: '23.10-py3',
      mode: 'native',
    });
    expect(await choose('pytorch', '535.104.05', 'native', ['NVIDIA H100 80GB HBM3'])).toMatchObject({
      tag: '23.10-py3',
      mode: 'native',
    });
  });
});

describe('registrySource', () => {
  // Only the parts of a client a candidate read uses, answering for PyTorch 24.06 (CUDA 12.5.0, forward-compat branches).
  const client = {
    listTags: async () => ['24.06-py3'],
    resolveManifest: async () => ({ digest: 'sha256:m', configDigest: 'sha256:c' }),
    readConfig: async () => ({ env: { CUDA_VERSION: '12.5.0' } }),
  } as unknown as RegistryClient;

  it("adds the seed's forward-compat branches only for the forward-compat policy (no other policy reads the seed)", async () => {
    const forward = await registrySource(client, 'forward-compat').read('nvidia/pytorch', '24.06-py3', '24.06');
    expect(forward.forwardCompatBranches).toContain('535.86');
    expect(forward).toMatchObject({ tag: '24.06-py3', digest: 'sha256:m', cudaVersion: '12.5.0' });
    for (const policy of ['native', 'minor-compat'] as const) {
      const read = await registrySource(client, policy).read('nvidia/pytorch', '24.06-py3', '24.06');
      expect(read.forwardCompatBranches).toBeUndefined();
      expect({ ...read, forwardCompatBranches: forward.forwardCompatBranches }).toEqual(forward);
    }
  });
});
