// tags: the framework's candidate releases, each judged against a driver, and the one submit would choose
// (app/list-tags.ts), as a table or --json.
import type { AppDeps } from '../../app/deps.js';
import { listTags } from '../../app/list-tags.js';
import { selectionRequest } from '../../app/selection.js';
import { UsageError } from '../../errors.js';
import { FRAMEWORKS, findFramework } from '../../ngc/frameworks.js';
import { cudaRelease } from '../../ngc/version.js';
import { parseConstraint } from '../../slurm/feature-constraint.js';
import type { TagsArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { formatTable } from '../output.js';
import { validateDriver } from './driver-flag.js';

export async function tagsCommand(args: TagsArgs, deps: AppDeps, io: CliIo): Promise<void> {
  const framework = findFramework(args.framework);
  if (!framework) {
    throw new UsageError(`unknown framework ${JSON.stringify(args.framework)}`, {
      hint: `known: ${FRAMEWORKS.map((f) => f.name).join(', ')}`,
    });
  }
  const settings = await deps.cluster.settings({ registry: args.registry, account: args.account });
  const selection = selectionRequest(args, settings);
  const driverFlag = args.driver === undefined ? undefined : validateDriver(args.driver);
  const answer = await listTags(deps, {
    settings,
    framework,
    selection,
    driver: driverFlag,
    gpuName: args.gpuName,
    partition: args.partition,
    gpuType: args.gpuType,
    constraint: args.constraint === undefined ? undefined : parseConstraint(args.constraint),
    refresh: args.refresh,
    offline: args.offline,
  });
  const { driver, selection: chosenOrNot, endpoint, source } = answer;
  const rows = answer.rows.map(({ candidate: c, image, verdict }) => ({
    release: c.release,
    tag: c.tag,
    image,
    digest: c.digest ?? null,
    cudaVersion: c.cudaVersion ?? null,
    minDriver: c.requirement?.minDriver ?? null,
    minDriverSource: c.requirement?.source ?? null,
    compatible: verdict ? verdict.compatible : null,
    mode: verdict?.mode ?? null,
    why: verdict?.why ?? null,
  }));
  const chosen = chosenOrNot.kind === 'selected' ? chosenOrNot : undefined;
  const selected = chosen
    ? {
        tag: chosen.candidate.tag,
        image: answer.imageOf(chosen.candidate.tag),
        digest: chosen.candidate.digest ?? null,
        mode: chosen.verdict?.mode ?? null,
        why: chosen.why,
      }
    : null;
  const warning = chosen?.verdict?.warning ?? null;
  if (args.json) {
    io.out(
      `${JSON.stringify({ framework: framework.name, registry: endpoint.host, repository: framework.repository, source, policy: selection.policy, driver: driver ?? null, gpuNames: answer.gpuNames, candidates: rows, selected, why: chosenOrNot.why, warning }, null, 2)}\n`,
    );
    return;
  }
  const ok = (r: (typeof rows)[number]) =>
    r.compatible === null ? '-' : !r.compatible ? 'no' : r.mode === 'native' ? 'yes' : `yes (${r.mode})`;
  const header = ['RELEASE', 'TAG', 'CUDA', 'MIN DRIVER', 'OK?', ...(args.explain ? ['WHY'] : [])];
  io.out(
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
  if (source === 'seed') io.out('(from the offline seed: NGC release notes, not the registry)\n');
  io.out(`\n${selected ? `selected ${selected.image}: ` : 'none selected: '}${chosenOrNot.why}\n`);
  if (warning) io.out(`warning: ${warning}\n`);
}
