// import: a file (with --as) or a docker:// reference into the SIF cache (app/import-image.ts), reported as text or --json.
import type { AppDeps } from '../../app/deps.js';
import { importFile, importFromRegistry } from '../../app/import-image.js';
import { UsageError } from '../../errors.js';
import { PULL_VIAS, type PullVia } from '../../import/pull-to-cache.js';
import { referenceNotes } from '../../image/reference-notes.js';
import { formatReference, parseImageReference } from '../../registry/reference.js';
import type { ImportArgs } from '../args.js';
import type { CliIo } from '../io.js';

export async function importCommand(args: ImportArgs, deps: AppDeps, io: CliIo): Promise<void> {
  const settings = await deps.cluster.settings({ cacheDir: args.cacheDir });
  if (args.source.startsWith('docker://')) {
    const written = args.source.slice('docker://'.length);
    const reference = parseImageReference(written);
    for (const note of referenceNotes(written, reference)) io.note(note);
    if (args.as !== undefined && formatReference(parseImageReference(args.as)) !== formatReference(reference)) {
      throw new UsageError('--as names another image than the docker:// source', {
        hint: 'leave --as out when importing from a registry',
      });
    }
    if (!PULL_VIAS.includes(args.via as PullVia))
      throw new UsageError(`--via must be one of ${PULL_VIAS.join(', ')}`, {
        hint: 'auto tries Apptainer, then the tool',
      });
    const done = await importFromRegistry(deps, settings, reference, args.via as PullVia);
    if (args.json) io.out(`${JSON.stringify(done, null, 2)}\n`);
    else
      io.out(
        `${done.built ? `pulled (${done.via})` : 'already cached'}: ${done.image} (${done.digest}) → ${done.sif}\n`,
      );
    return;
  }
  if (args.as === undefined)
    throw new UsageError('import of a file needs --as IMAGE-REF', {
      hint: 'say which image it is, e.g. --as nvcr.io/nvidia/pytorch:24.10-py3',
    });
  const as = parseImageReference(args.as);
  for (const note of referenceNotes(args.as, as)) io.note(note);
  const done = await importFile(deps, settings, args.source, as);
  if (args.json) {
    io.out(`${JSON.stringify(done, null, 2)}\n`);
    return;
  }
  io.note(`qsub-container: ${done.checked}`);
  io.out(`${done.built ? 'imported' : 'already cached'}: ${done.image} (${done.digest}) → ${done.sif}\n`);
}
