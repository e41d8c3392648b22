// Choosing an image on the testbed registry with a remembered guess: the guess is read alongside the tag list (one
// round trip less), and a wrong or vanished guess never changes the choice, which always comes from today's answers.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/types.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { httpFetch } from '../../src/registry/http-fetch.js';
import { chooseImage, type ChoiceHints } from '../../src/ngc/choose-image.js';
import { NO_CONSTRAINTS } from '../../src/ngc/constraints.js';
import { findFramework } from '../../src/ngc/frameworks.js';
import { NATIVE } from '../../src/ngc/select.js';
import { Secret } from '../../src/secret.js';
import { REGISTRY, REGISTRY_USER, registryPassword } from '../support/cluster.js';
import { observedFetch } from '../support/token-registry.js';

const endpoint = { host: REGISTRY, scheme: 'http' as const };
const framework = findFramework('tensorflow')!;

function memoryHints(): ChoiceHints & { store: Map<string, string> } {
  const store = new Map<string, string>();
  return { store, get: async (k) => store.get(k), put: async (k, t) => void store.set(k, t) };
}

async function choose(hints: ChoiceHints, driver: string) {
  const observed = observedFetch(httpFetch);
  const client = createRegistryClient(endpoint, {
    fetch: observed.fetchFn,
    credentials: { username: REGISTRY_USER, password: new Secret(registryPassword()), source: 'test' },
    blobCache: undefined,
    log: silentLogger,
  });
  await client.ping(); // learn the scheme first, so only the choice's own requests are counted below
  observed.seen.length = 0;
  const choice = await chooseImage(client, { kind: 'framework', framework }, endpoint, driver, {
    tag: undefined,
    force: false,
    constraints: NO_CONSTRAINTS,
    select: NATIVE,
    log: silentLogger,
    hints,
  });
  const manifests = observed.seen
    .filter((s) => s.url.includes('/manifests/'))
    .map((s) => s.url.split('/manifests/')[1]);
  return { tag: choice.reference.tag, digest: choice.candidate.digest, manifests };
}

describe('choosing with a remembered guess', () => {
  it("reads last time's tag alongside the list and chooses the same as without a guess", async () => {
    const hints = memoryHints();
    const first = await choose(hints, '580.159.04');
    expect(first).toMatchObject({ tag: '25.02-tf2-py3', manifests: ['25.02-tf2-py3'] });
    expect([...hints.store.values()]).toEqual(['25.02-tf2-py3']);
    const second = await choose(hints, '580.159.04');
    expect(second).toEqual(first); // same choice, same digest, one manifest read: the prefetched one
  });

  it('a wrong guess (older tag) or a vanished one costs a request, never the choice', async () => {
    for (const guess of ['23.01-tf2-py3', '99.12-tf2-py3']) {
      const hints = memoryHints();
      const fresh = await choose(hints, '580.159.04');
      const [key] = [...hints.store.keys()];
      hints.store.set(key!, guess);
      const guessed = await choose(hints, '580.159.04');
      expect({ tag: guessed.tag, digest: guessed.digest }).toEqual({ tag: fresh.tag, digest: fresh.digest });
      expect(guessed.manifests.sort()).toEqual([guess, '25.02-tf2-py3'].sort());
      expect([...hints.store.values()]).toEqual(['25.02-tf2-py3']);
    }
  });

  it('an older driver: the newer tag is still read and refused, the guessed older one read alongside the list', async () => {
    const hints = memoryHints();
    const first = await choose(hints, '525.105.17');
    expect(first).toMatchObject({ tag: '23.01-tf2-py3', manifests: ['25.02-tf2-py3', '23.01-tf2-py3'] });
    const second = await choose(hints, '525.105.17');
    expect({ tag: second.tag, digest: second.digest }).toEqual({ tag: first.tag, digest: first.digest });
    expect(second.manifests[0]).toBe('23.01-tf2-py3'); // sent with the tag list, before 25.02's
  });
});
