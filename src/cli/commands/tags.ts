// tags: the framework's candidate releases, each judged against a driver, and the one submit would choose.
import { MissingCredentialsError, UnavailableError, UsageError } from '../../errors.js';
import { chooseFrameworkImage, registrySource, subjectOf } from '../../ngc/choose-image.js';
import { FRAMEWORKS, findFramework, type Framework } from '../../ngc/frameworks.js';
import { seedCandidates } from '../../ngc/seed.js';
import { judge, selectTag, type Candidate, type Selection, type SelectOptions } from '../../ngc/select.js';
import { cudaRelease } from '../../ngc/version.js';
import { formatReference, parseRegistry, type RegistryEndpoint } from '../../registry/reference.js';
import type { TagsArgs } from '../args.js';
import type { Context } from '../context.js';
import { formatTable } from '../output.js';
import { selectionRequest, selectOptions, type SelectionRequest } from '../selection.js';
import { findDriver, registryClientFor, settingsFor, validateDriver } from '../shared.js';

interface Found {
  readonly selection: Selection;
  readonly candidates: readonly Candidate[];
  readonly source: 'registry' | 'seed';
}

/** The registry first; the offline seed when asked (--offline), when the registry cannot be reached, or when no credentials exist for it. */
async function findCandidates(
  ctx: Context,
  args: TagsArgs,
  framework: Framework,
  endpoint: RegistryEndpoint,
  settings: Parameters<typeof registryClientFor>[1],
  driver: string | undefined,
  request: SelectionRequest,
  select: SelectOptions,
): Promise<Found> {
  const fromSeed = (): Found => {
    const candidates = seedCandidates(framework, request.constraints);
    return {
      selection: selectTag(candidates, driver, subjectOf(framework, request.constraints), select),
      candidates,
      source: 'seed',
    };
  };
  if (args.offline) return fromSeed();
  try {
    const { client } = await registryClientFor(ctx, settings, endpoint);
    const found = await chooseFrameworkImage(registrySource(client), framework, driver, {
      all: true,
      log: ctx.log,
      constraints: request.constraints,
      select,
    });
    return { ...found, source: 'registry' };
  } catch (error) {
    // Refused credentials or a too-open credential file are the user's to fix, not a reason to guess offline.
    if (!(error instanceof UnavailableError || error instanceof MissingCredentialsError)) throw error;
    ctx.note(
      `qsub-container: ${error.message}; answering from the offline seed (NGC release notes), which may lag the registry`,
    );
    return fromSeed();
  }
}

export async function tagsCommand(args: TagsArgs, ctx: Context): Promise<void> {
  const framework = findFramework(args.framework);
  if (!framework) {
    throw new UsageError(`unknown framework ${JSON.stringify(args.framework)}`, {
      hint: `known: ${FRAMEWORKS.map((f) => f.name).join(', ')}`,
    });
  }
  const settings = await settingsFor(ctx, { registry: args.registry, account: args.account });
  const request = selectionRequest(args, settings);
  let driver = args.driver === undefined ? undefined : validateDriver(args.driver);
  let gpuNames = args.gpuName === undefined ? [] : [args.gpuName];
  const partition = args.partition ?? (driver === undefined ? settings.gpuPartition : undefined);
  if (driver === undefined && partition !== undefined) {
    const probe = await findDriver(ctx, settings, {
      partition,
      gpuType: args.gpuType,
      constraint: args.constraint,
      account: settings.account,
      refresh: args.refresh,
    });
    driver = probe.driverVersion;
    if (args.gpuName === undefined) gpuNames = probe.gpus.map((g) => g.name);
  }
  const select = selectOptions(request, gpuNames);
  const endpoint = parseRegistry(settings.registry ?? framework.homeRegistry);
  const { selection, candidates, source } = await findCandidates(
    ctx,
    args,
    framework,
    endpoint,
    settings,
    driver,
    request,
    select,
  );
  const imageOf = (tag: string) => formatReference({ registry: endpoint, repository: framework.repository, tag });
  const rows = candidates.map((c) => {
    const verdict = driver === undefined ? undefined : judge(c, driver, select);
    return {
      release: c.release,
      tag: c.tag,
      image: imageOf(c.tag),
      digest: c.digest ?? null,
      cudaVersion: c.cudaVersion ?? null,
      minDriver: c.requirement?.minDriver ?? null,
      minDriverSource: c.requirement?.source ?? null,
      compatible: verdict ? verdict.compatible : null,
      mode: verdict?.mode ?? null,
      why: verdict?.why ?? null,
    };
  });
  const chosen = selection.kind === 'selected' ? selection : undefined;
  const selected = chosen
    ? {
        tag: chosen.candidate.tag,
        image: imageOf(chosen.candidate.tag),
        digest: chosen.candidate.digest ?? null,
        mode: chosen.verdict?.mode ?? null,
        why: chosen.why,
      }
    : null;
  const warning = chosen?.verdict?.warning ?? null;
  if (args.json) {
    ctx.out(
      `${JSON.stringify({ framework: framework.name, registry: endpoint.host, repository: framework.repository, source, policy: request.policy, driver: driver ?? null, gpuNames, candidates: rows, selected, why: selection.why, warning }, null, 2)}\n`,
    );
    return;
  }
  const ok = (r: (typeof rows)[number]) =>
    r.compatible === null ? '-' : !r.compatible ? 'no' : r.mode === 'native' ? 'yes' : `yes (${r.mode})`;
  const header = ['RELEASE', 'TAG', 'CUDA', 'MIN DRIVER', 'OK?', ...(args.explain ? ['WHY'] : [])];
  ctx.out(
    formatTable(
      header,
      rows.map((r) => [
        r.release,
        r.tag,
        r.cudaVersion ? cudaRelease(r.cudaVersion) : '?',
        r.minDriver ?? '?',
        ok(r),
        ...(args.explain ? [r.why ?? 'no driver given'] : []),
      ]),
    ),
  );
  if (source === 'seed') ctx.out('(from the offline seed: NGC release notes, not the registry)\n');
  ctx.out(`\n${selected ? `selected ${selected.image}: ` : 'none selected: '}${selection.why}\n`);
  if (warning) ctx.out(`warning: ${warning}\n`);
}
