// Read candidates from the registry (newest first, stopping once the answer is known) and choose the image to run.
import { DataError, RefusedError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { RegistryClient } from '../registry/client.js';
import { NotFoundError } from '../registry/hints.js';
import { formatReference, type ImageReference, type RegistryEndpoint } from '../registry/reference.js';
import { registryCandidate } from './candidate.js';
import { cudaFits, describeConstraints, matchingTags, NO_CONSTRAINTS, type Constraints } from './constraints.js';
import { frameworkOfRepository, type Framework } from './frameworks.js';
import { parseNgcTag } from './tags.js';
import {
  judge,
  NATIVE,
  selectTag,
  type Candidate,
  type Policy,
  type SelectOptions,
  type Selection,
  type Verdict,
} from './select.js';

export interface Choice {
  readonly reference: ImageReference;
  readonly candidate: Candidate;
  /** undefined when no driver was checked (no GPU requested). */
  readonly verdict: Verdict | undefined;
  readonly why: string;
}

export interface FrameworkChoice {
  readonly selection: Selection;
  /** Candidates read, newest first: all of them with `all`, else up to the chosen one. */
  readonly candidates: readonly Candidate[];
  /** Tags of the default variant the registry lists, newest first. */
  readonly releaseCount: number;
}

/**
 * The image's CUDA need from its config (by digest, cached forever); with `policy` forward-compat, the branches its
 * release lists from the offline seed, whose ~37 KB of release rows no other policy loads (test/bench/startup.mjs).
 */
async function readCandidate(
  client: RegistryClient,
  repository: string,
  tag: string,
  release: string,
  policy: Policy,
): Promise<Candidate> {
  const manifest = await client.resolveManifest(repository, tag);
  const { env } = await client.readConfig(repository, manifest.configDigest);
  const candidate = registryCandidate(tag, release, manifest.digest, env);
  return policy === 'forward-compat' ? (await import('./seed.js')).withSeedBranches(repository, candidate) : candidate;
}

/**
 * Where candidates come from: the registry as it answers now (submit, tags), or the warmer's remembered answers
 * (resolve-targets.ts), so both select through the same code.
 */
export interface CandidateSource {
  listTags(repository: string): Promise<string[]>;
  read(repository: string, tag: string, release: string): Promise<Candidate>;
}

/** The registry as it answers now; `policy`: the one candidates are judged by (only forward-compat needs the seed). */
export const registrySource = (client: RegistryClient, policy: Policy): CandidateSource => ({
  listTags: (repository) => client.listTags(repository),
  read: (repository, tag, release) => readCandidate(client, repository, tag, release, policy),
});

export interface ChooseOptions {
  readonly all: boolean;
  readonly log: Logger;
  readonly constraints?: Constraints;
  readonly select?: SelectOptions;
  /**
   * A tag this choice will likely read (the one chosen last time): its manifest is requested alongside the tag list,
   * saving a round trip when the fresh list reaches it. Only a prefetch: both answers are from now, the choice is unchanged.
   */
  readonly likelyTag?: string;
}

/** Choices remembered per request (choice-hints.ts keeps them in the tool cache): a guess for ChooseOptions.likelyTag. */
export interface ChoiceHints {
  get(key: string): Promise<string | undefined>;
  put(key: string, tag: string): Promise<void>;
}

/** "tensorflow tf2-py3", or with constraints "tensorflow (variant tf1, CUDA ≥ 11.8)". */
export function subjectOf(framework: Framework, constraints: Constraints): string {
  const narrowed = describeConstraints(constraints);
  return narrowed ? `${framework.name} (${narrowed})` : `${framework.name} ${framework.defaultVariant}`;
}

export async function chooseFrameworkImage(
  source: CandidateSource,
  framework: Framework,
  driver: string | undefined,
  options: ChooseOptions,
): Promise<FrameworkChoice> {
  const constraints = options.constraints ?? NO_CONSTRAINTS;
  const select = options.select ?? NATIVE;
  const likely = options.likelyTag === undefined ? undefined : parseNgcTag(options.likelyTag);
  // A failed guess is no error: the tag is then read the usual way (or not at all, if the list no longer has it).
  const guess = likely && source.read(framework.repository, likely.tag, likely.release).catch(() => undefined);
  const tags = matchingTags(await source.listTags(framework.repository), framework.defaultVariant, constraints);
  const candidates: Candidate[] = [];
  for (const tag of tags) {
    const candidate =
      (tag.tag === likely?.tag ? await guess : undefined) ??
      (await source.read(framework.repository, tag.tag, tag.release));
    options.log.debug({
      event: 'candidate.read',
      tag: candidate.tag,
      digest: candidate.digest,
      cuda: candidate.cudaVersion,
    });
    // --cuda is known only once the config is read.
    if (!cudaFits(candidate.cudaVersion, constraints)) continue;
    candidates.push(candidate);
    // Newest first: the first compatible candidate is the answer, so older configs need not be read.
    if (!options.all && (driver === undefined || judge(candidate, driver, select).compatible)) break;
  }
  return {
    selection: selectTag(candidates, driver, subjectOf(framework, constraints), select),
    candidates,
    releaseCount: tags.length,
  };
}

/** An image the user named: resolve it, and with a driver refuse it when the driver cannot run it. */
async function checkNamedImage(
  client: RegistryClient,
  reference: ImageReference,
  driver: string | undefined,
  options: { select?: SelectOptions; force?: boolean } = {},
): Promise<Choice> {
  const ref = reference.digest ?? reference.tag ?? 'latest';
  const release = /^(\d{2}\.\d{2}(?:\.\d+)?)-/.exec(reference.tag ?? '')?.[1] ?? reference.tag ?? '';
  // The framework by name when it is one (a --tag, or an image of its repository): its tags command is then exact.
  const framework = frameworkOfRepository(reference.repository)?.name;
  const policy = (options.select ?? NATIVE).policy;
  const candidate = await readCandidate(client, reference.repository, ref, release, policy).catch((error: unknown) => {
    if (!(error instanceof NotFoundError) || framework === undefined) throw error;
    throw new NotFoundError(error.message, {
      hint: `list the ${framework} tags there with: qsub-container tags ${framework} --registry ${reference.registry.host}`,
      cause: error,
    });
  });
  const name = formatReference(reference);
  if (driver === undefined)
    return { reference, candidate, verdict: undefined, why: `${name} as given (no GPU requested, no driver check)` };
  if (!candidate.requirement) {
    throw new DataError(`${name} carries neither CUDA_VERSION nor CUDA_DRIVER_VERSION, so its driver need is unknown`, {
      hint: 'use an NGC image, or an image whose config sets CUDA_VERSION',
    });
  }
  const verdict = judge(candidate, driver, options.select ?? NATIVE);
  if (!verdict.compatible) {
    if (options.force)
      return { reference, candidate, verdict, why: `${name} forced (--force) although it ${verdict.why}` };
    const older = framework
      ? `pick an older tag (qsub-container tags ${framework} --driver ${driver} lists them)`
      : `pick an older tag of ${reference.repository}`;
    throw new RefusedError(`${name} cannot run on driver ${driver}: it ${verdict.why}`, {
      hint: `${older}, a partition with a newer driver, or --force to submit anyway`,
    });
  }
  return { reference, candidate, verdict, why: `${name} ${verdict.why}` };
}

export type ImageTarget =
  | { readonly kind: 'image'; readonly reference: ImageReference }
  | { readonly kind: 'framework'; readonly framework: Framework };

/** An image reference as given, a framework's --tag (checked; --force passes it anyway), or the newest release the driver runs. */
export async function chooseImage(
  client: RegistryClient,
  target: ImageTarget,
  endpoint: RegistryEndpoint,
  driver: string | undefined,
  o: {
    tag: string | undefined;
    force: boolean;
    constraints: Constraints;
    select: SelectOptions;
    log: Logger;
    hints?: ChoiceHints;
  },
): Promise<Choice> {
  if (target.kind === 'image')
    return checkNamedImage(client, target.reference, driver, { select: o.select, force: o.force });
  const { framework } = target;
  if (o.tag !== undefined) {
    const reference = { registry: endpoint, repository: framework.repository, tag: o.tag, digest: undefined };
    return checkNamedImage(client, reference, driver, { select: o.select, force: o.force });
  }
  const hintKey = JSON.stringify([
    endpoint.host,
    framework.repository,
    driver ?? null,
    o.select.policy,
    o.select.gpuNames,
    o.constraints,
  ]);
  const likelyTag = await o.hints?.get(hintKey).catch(() => undefined);
  const { selection } = await chooseFrameworkImage(registrySource(client, o.select.policy), framework, driver, {
    all: false,
    log: o.log,
    constraints: o.constraints,
    select: o.select,
    likelyTag,
  });
  if (selection.kind === 'none') {
    throw new RefusedError(selection.why, {
      hint: `list what the registry has with: qsub-container tags ${framework.name}${driver ? ` --driver ${driver}` : ''}`,
    });
  }
  if (selection.candidate.tag !== likelyTag)
    await o.hints?.put(hintKey, selection.candidate.tag).catch(() => undefined);
  const reference = {
    registry: endpoint,
    repository: framework.repository,
    tag: selection.candidate.tag,
    digest: undefined,
  };
  return { reference, candidate: selection.candidate, verdict: selection.verdict, why: selection.why };
}
