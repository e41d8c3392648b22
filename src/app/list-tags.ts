// tags: a framework's candidate releases, each judged against a driver, and the one a submission would choose, from
// the registry, or from the offline seed when asked, when the registry cannot be reached, or when no credentials exist.
import type { Settings } from '../config/resolve.js';
import { MissingCredentialsError, UnavailableError } from '../errors.js';
import { chooseFrameworkImage, registrySource, subjectOf } from '../ngc/choose-image.js';
import type { Framework } from '../ngc/frameworks.js';
import { seedCandidates } from '../ngc/seed.js';
import { judge, selectTag, type Candidate, type Selection, type Verdict } from '../ngc/select.js';
import { formatReference, parseRegistry, type RegistryEndpoint } from '../registry/reference.js';
import type { SlurmConstraint } from '../slurm/feature-constraint.js';
import type { AppDeps } from './deps.js';
import { DRIVER_FLAG_BYPASS, findDriver } from './find-driver.js';
import { selectOptions, type SelectionRequest } from './selection.js';

export type TagsDeps = Pick<AppDeps, 'runner' | 'registry' | 'now' | 'log' | 'note' | 'stateCacheDir' | 'driverMap'>;

export interface TagsRequest {
  readonly settings: Settings;
  readonly framework: Framework;
  readonly selection: SelectionRequest;
  /** Judge for this driver; undefined: probe `partition` (else the configured GPU partition), or judge nothing. */
  readonly driver: string | undefined;
  /** The GPU model for forward compatibility; undefined: the probed GPUs' names. */
  readonly gpuName: string | undefined;
  readonly partition: string | undefined;
  readonly gpuType: string | undefined;
  readonly constraint: SlurmConstraint | undefined;
  readonly refresh: boolean;
  /** Only the offline seed, no registry. */
  readonly offline: boolean;
}

export interface TagRow {
  readonly candidate: Candidate;
  readonly image: string;
  /** undefined when no driver was given or probed. */
  readonly verdict: Verdict | undefined;
}

export interface TagsAnswer {
  readonly endpoint: RegistryEndpoint;
  readonly source: 'registry' | 'seed';
  readonly driver: string | undefined;
  readonly gpuNames: readonly string[];
  readonly rows: readonly TagRow[];
  readonly selection: Selection;
  /** The reference of a candidate's tag. */
  readonly imageOf: (tag: string) => string;
}

export async function listTags(deps: TagsDeps, request: TagsRequest): Promise<TagsAnswer> {
  const { settings, framework } = request;
  let driver = request.driver;
  let gpuNames = request.gpuName === undefined ? [] : [request.gpuName];
  const partition = request.partition ?? (driver === undefined ? settings.gpuPartition : undefined);
  if (driver === undefined && partition !== undefined) {
    const probe = await findDriver(deps, settings, partition, { ...request, bypass: DRIVER_FLAG_BYPASS });
    driver = probe.driverVersion;
    if (request.gpuName === undefined) gpuNames = probe.gpus.map((g) => g.name);
  }
  const select = selectOptions(request.selection, gpuNames);
  const { constraints } = request.selection;
  const endpoint = parseRegistry(settings.registry ?? framework.homeRegistry);
  const fromSeed = () => {
    const candidates = seedCandidates(framework, constraints);
    return {
      selection: selectTag(candidates, driver, subjectOf(framework, constraints), select),
      candidates,
      source: 'seed' as const,
    };
  };
  let found: { selection: Selection; candidates: readonly Candidate[]; source: 'registry' | 'seed' };
  if (request.offline) found = fromSeed();
  else {
    try {
      const { client } = await deps.registry.client(endpoint, settings);
      const read = await chooseFrameworkImage(registrySource(client, select.policy), framework, driver, {
        all: true,
        log: deps.log,
        constraints,
        select,
      });
      found = { ...read, source: 'registry' };
    } catch (error) {
      // Refused credentials or a too-open credential file are the user's to fix, not a reason to guess offline.
      if (!(error instanceof UnavailableError || error instanceof MissingCredentialsError)) throw error;
      deps.note(
        `qsub-container: ${error.message}; answering from the offline seed (NGC release notes), which may lag the registry`,
      );
      found = fromSeed();
    }
  }
  const imageOf = (tag: string) => formatReference({ registry: endpoint, repository: framework.repository, tag });
  const rows = found.candidates.map((candidate) => ({
    candidate,
    image: imageOf(candidate.tag),
    verdict: driver === undefined ? undefined : judge(candidate, driver, select),
  }));
  return { endpoint, source: found.source, driver, gpuNames, rows, selection: found.selection, imageOf };
}
