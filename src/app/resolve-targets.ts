// Targets → the images they want now: probe each partition (cached), select as submit there would (chooseFrameworkImage
// under the target's or the site's policy), and confirm cached tags with one HEAD each. Tags read before are remembered
// (tag → digests), so an idle tick costs one tag list per repository plus one HEAD per selected image.
import { join } from 'node:path';
import type { DesiredImage } from '../cache/plan-warm.js';
import type { WarmTarget } from '../cache/settings.js';
import type { Settings } from '../config/resolve.js';
import { RefusedError, UsageError } from '../errors.js';
import { chooseFrameworkImage, type CandidateSource } from '../ngc/choose-image.js';
import { candidateOf } from '../ngc/seed.js';
import { findFramework } from '../ngc/frameworks.js';
import type { Candidate } from '../ngc/select.js';
import type { RegistryClient } from '../registry/client.js';
import { parseImageReference, parseRegistry, type RegistryEndpoint } from '../registry/reference.js';
import { pinImage } from '../image/names.js';
import { readJsonFile, writeFileAtomic } from '../state/json-file.js';
import { inConfigWords } from './config-words.js';
import type { AppDeps } from './deps.js';
import { findDriver } from './find-driver.js';
import { selectOptions, warmTargetSelection } from './selection.js';

interface Remembered {
  /** What the tag pointed at (an index for multi-arch tags): compared with the HEAD answer. */
  readonly tagDigest: string;
  readonly digest: string;
  readonly configDigest: string;
}

export interface ResolvedTargets {
  readonly desired: DesiredImage[];
  readonly errors: { readonly target: string; readonly error: unknown }[];
}

/** "tensorflow@gengpu", with the target's own selection keys when it has any, so two targets of one partition stay apart in logs. */
function targetLabel(target: Extract<WarmTarget, { kind: 'framework' }>, partition: string): string {
  const own = (['policy', 'variant', 'python'] as const)
    .filter((k) => target[k] !== undefined)
    .map((k) => `${k}=${target[k]}`);
  return `${target.framework}@${partition}${own.length ? `[${own.join(',')}]` : ''}`;
}

/** A fact the warmer recorded this recently is not learned again within the same tick (several targets, one partition). */
const WARMER_FACT_REUSE_SECONDS = 300;

export type ResolveDeps = Pick<AppDeps, 'runner' | 'registry' | 'now' | 'log' | 'note' | 'stateCacheDir' | 'driverMap'>;

export async function resolveTargets(
  deps: ResolveDeps,
  settings: Settings,
  targets: readonly WarmTarget[],
  refresh = false,
): Promise<ResolvedTargets> {
  const memoFile = join(deps.stateCacheDir, 'warm-tags.json');
  const memo: Record<string, Remembered> = (await readJsonFile<Record<string, Remembered>>(memoFile)) ?? {};
  const clients = new Map<string, { client: RegistryClient; authFile: string | undefined }>();
  const verified = new Set<string>();
  const tagLists = new Map<string, Promise<string[]>>();

  const clientFor = async (endpoint: RegistryEndpoint) => {
    if (!clients.has(endpoint.host)) {
      const { client, credentials } = await deps.registry.client(endpoint, settings);
      clients.set(endpoint.host, {
        client,
        authFile: await deps.registry.jobAuthFile(settings, endpoint.host, credentials),
      });
    }
    return clients.get(endpoint.host)!.client;
  };

  /** Read a tag fresh: HEAD for what it points at, then its manifest and config. */
  async function readFresh(client: RegistryClient, repository: string, tag: string): Promise<Remembered> {
    const tagDigest = await client.resolveDigest(repository, tag);
    const manifest = await client.resolveManifest(repository, tagDigest);
    const entry = { tagDigest, digest: manifest.digest, configDigest: manifest.configDigest };
    memo[`${client.endpoint.host}/${repository}:${tag}`] = entry;
    verified.add(`${client.endpoint.host}/${repository}:${tag}`);
    return entry;
  }

  /** The remembered answer for a tag, confirmed by one HEAD per tick when `confirm`; re-read when the tag moved. */
  async function lookup(
    client: RegistryClient,
    repository: string,
    tag: string,
    confirm: boolean,
  ): Promise<Remembered> {
    const key = `${client.endpoint.host}/${repository}:${tag}`;
    const known = memo[key];
    if (!known) return readFresh(client, repository, tag);
    if (!confirm || verified.has(key)) return known;
    const now = await client.resolveDigest(repository, tag);
    verified.add(key);
    if (now === known.tagDigest) return known;
    deps.log.info({ event: 'warm.tag-moved', image: key, from: known.tagDigest, to: now });
    const manifest = await client.resolveManifest(repository, now);
    return (memo[key] = { tagDigest: now, digest: manifest.digest, configDigest: manifest.configDigest });
  }

  type ReadCandidate = Candidate & { readonly digest: string };
  async function candidate(
    client: RegistryClient,
    repository: string,
    tag: string,
    release: string,
    confirm: boolean,
  ): Promise<ReadCandidate> {
    const entry = await lookup(client, repository, tag, confirm);
    const { env } = await client.readConfig(repository, entry.configDigest);
    return { ...candidateOf(repository, tag, release, entry.digest, env), digest: entry.digest };
  }

  /** Candidates here are always read from the registry, so they carry a digest (only offline seed ones lack it). */
  const desiredImage = (
    endpoint: RegistryEndpoint,
    repository: string,
    c: ReadCandidate,
    wantedBy: string,
  ): DesiredImage => ({
    ...pinImage({ registry: endpoint, repository, tag: c.tag }, c.digest),
    authFile: clients.get(endpoint.host)?.authFile,
    cudaVersion: c.cudaVersion,
    cudaDriverVersion: c.requirement?.source === 'image-env' ? c.requirement.minDriver : undefined,
    wantedBy: [wantedBy],
  });

  /** Submit's candidate source, answered from remembered tags: one tag list per repository per tick, no HEADs. */
  const rememberedSource = (client: RegistryClient): CandidateSource => ({
    listTags(repository) {
      const key = `${client.endpoint.host}/${repository}`;
      if (!tagLists.has(key)) tagLists.set(key, client.listTags(repository));
      return tagLists.get(key)!;
    },
    read: (repository, tag, release) => candidate(client, repository, tag, release, false),
  });

  async function frameworkImage(
    target: Extract<WarmTarget, { kind: 'framework' }>,
    partition: string,
  ): Promise<DesiredImage> {
    const label = targetLabel(target, partition);
    const found = findFramework(target.framework);
    if (!found) throw new UsageError(`warm target names an unknown framework ${JSON.stringify(target.framework)}`);
    const request = warmTargetSelection(target, settings);
    const framework = { ...found, repository: target.repository ?? found.repository };
    const endpoint = parseRegistry(settings.registry ?? framework.homeRegistry);
    const client = await clientFor(endpoint);
    // The warmer keeps the site's driver map current for everyone: each tick learns its partitions' node groups again
    // (a CPU step each), except those it learned minutes ago for another target of this tick.
    const probe = await findDriver(deps, settings, partition, {
      gpuType: undefined,
      refresh,
      asWarmer: { refreshAfterSeconds: WARMER_FACT_REUSE_SECONDS },
    });
    // What submit on this partition passes: the probed GPUs' names decide forward compatibility.
    const select = selectOptions(
      request,
      probe.gpus.map((g) => g.name),
    );
    const source = rememberedSource(client);
    for (;;) {
      const { selection } = await chooseFrameworkImage(source, framework, probe.driverVersion, {
        all: false,
        log: deps.log,
        constraints: request.constraints,
        select,
      });
      if (selection.kind === 'none') throw new RefusedError(`${label}: ${selection.why}`);
      const chosen = selection.candidate as ReadCandidate;
      // The one HEAD per selected image: has its tag moved since it was remembered? If so, choose again with what it is now.
      const now = await candidate(client, framework.repository, chosen.tag, chosen.release, true);
      if (now.digest !== chosen.digest) continue;
      deps.log.info({
        event: 'warm.selected',
        target: label,
        driver: probe.driverVersion,
        policy: request.policy,
        mode: selection.verdict?.mode,
        tag: chosen.tag,
        digest: chosen.digest,
      });
      return desiredImage(endpoint, framework.repository, chosen, label);
    }
  }

  async function namedImage(target: Extract<WarmTarget, { kind: 'image' }>): Promise<DesiredImage> {
    const reference = parseImageReference(target.image);
    const client = await clientFor(reference.registry);
    const tag = reference.tag ?? 'latest';
    if (reference.digest) {
      const manifest = await client.resolveManifest(reference.repository, reference.digest);
      const { env } = await client.readConfig(reference.repository, manifest.configDigest);
      const c = { ...candidateOf(reference.repository, tag, '', manifest.digest, env), digest: manifest.digest };
      return desiredImage(reference.registry, reference.repository, c, target.image);
    }
    return desiredImage(
      reference.registry,
      reference.repository,
      await candidate(client, reference.repository, tag, '', true),
      target.image,
    );
  }

  const desired: DesiredImage[] = [];
  const errors: { target: string; error: unknown }[] = [];
  const jobs = targets.flatMap((t) =>
    t.kind === 'image'
      ? [{ label: t.image, run: () => namedImage(t) }]
      : t.partitions.map((p) => ({ label: targetLabel(t, p), run: () => frameworkImage(t, p) })),
  );
  for (const job of jobs) {
    try {
      desired.push(await job.run());
    } catch (error) {
      errors.push({ target: job.label, error: inConfigWords(error) });
    }
  }
  await writeFileAtomic(memoFile, `${JSON.stringify(memo, null, 1)}\n`);
  return { desired, errors };
}
