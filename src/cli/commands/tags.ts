// tags: the framework's candidate releases, each judged against a driver, and the one submit would choose.
import { UsageError } from '../../errors.js';
import { chooseFrameworkImage } from '../../ngc/choose-image.js';
import { FRAMEWORKS, findFramework } from '../../ngc/frameworks.js';
import { judge } from '../../ngc/select.js';
import { cudaRelease } from '../../ngc/version.js';
import { formatReference, parseRegistry } from '../../registry/reference.js';
import type { TagsArgs } from '../build-cli.js';
import type { Context } from '../context.js';
import { formatTable } from '../output.js';
import { findDriver, registryClientFor, settingsFor, validateDriver } from '../shared.js';

export async function tagsCommand(args: TagsArgs, ctx: Context): Promise<void> {
  const framework = findFramework(args.framework);
  if (!framework) {
    throw new UsageError(`unknown framework ${JSON.stringify(args.framework)}`, { hint: `known: ${FRAMEWORKS.map((f) => f.name).join(', ')}` });
  }
  const settings = await settingsFor(ctx, { registry: args.registry, account: args.account });
  let driver = args.driver === undefined ? undefined : validateDriver(args.driver);
  const partition = args.partition ?? (driver === undefined ? settings.gpuPartition : undefined);
  if (driver === undefined && partition !== undefined) {
    driver = (await findDriver(ctx, settings, { partition, gpuType: args.gpuType, account: settings.account, refresh: args.refresh })).driverVersion;
  }
  const endpoint = parseRegistry(settings.registry ?? framework.homeRegistry);
  const { client } = await registryClientFor(ctx, settings, endpoint);
  const { selection, candidates } = await chooseFrameworkImage(client, framework, driver, { all: true, log: ctx.log });
  const imageOf = (tag: string) => formatReference({ registry: endpoint, repository: framework.repository, tag });
  const rows = candidates.map((c) => {
    const verdict = driver === undefined ? undefined : judge(c, driver);
    return {
      release: c.release,
      tag: c.tag,
      image: imageOf(c.tag),
      digest: c.digest,
      cudaVersion: c.cudaVersion ?? null,
      minDriver: c.requirement?.minDriver ?? null,
      minDriverSource: c.requirement?.source ?? null,
      compatible: verdict ? verdict.compatible : null,
      why: verdict?.why ?? null,
    };
  });
  const selected =
    selection.kind === 'selected'
      ? { tag: selection.candidate.tag, image: imageOf(selection.candidate.tag), digest: selection.candidate.digest, why: selection.why }
      : null;
  if (args.json) {
    ctx.out(`${JSON.stringify({ framework: framework.name, registry: endpoint.host, repository: framework.repository, driver: driver ?? null, candidates: rows, selected, why: selection.why }, null, 2)}\n`);
    return;
  }
  ctx.out(
    formatTable(
      ['RELEASE', 'TAG', 'CUDA', 'MIN DRIVER', 'OK?'],
      rows.map((r) => [r.release, r.tag, r.cudaVersion ? cudaRelease(r.cudaVersion) : '?', r.minDriver ?? '?', r.compatible === null ? '-' : r.compatible ? 'yes' : 'no']),
    ),
  );
  ctx.out(`\n${selected ? `selected ${selected.image}: ` : 'none selected: '}${selection.why}\n`);
}
