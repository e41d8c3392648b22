// What a person should know about how an image reference they typed was read, one stderr line each: the enroot/pyxis
// spelling (registry/reference.ts words it), and a reference naming no registry, which Docker Hub serves, as Docker and
// Apptainer read it, whatever registry the config names; one that looks like NGC's gets its nvcr.io name.
import { frameworkOfRepository } from '../ngc/frameworks.js';
import { formatReference, type ImageReference } from '../registry/reference.js';

const NGC = 'nvcr.io';

/** NGC's repository for a Docker Hub one that looks like it: nvidia/X (NVIDIA's namespace there) or library/FRAMEWORK. */
function ngcLookalike(repository: string): string | undefined {
  if (repository.startsWith('nvidia/')) return repository;
  const framework = frameworkOfRepository(repository.replace(/^library\//, 'nvidia/'));
  return framework?.repository;
}

export function referenceNotes(written: string, reference: ImageReference): string[] {
  const notes = reference.note ? [reference.note] : [];
  if (!reference.registryImplied) return notes;
  const ngc = ngcLookalike(reference.repository);
  const suggestion = ngc
    ? `; if you meant NGC's image, write ${formatReference({ ...reference, registry: { host: NGC, scheme: 'https' }, repository: ngc })}`
    : '';
  notes.push(
    `qsub-container: note: ${JSON.stringify(written)} names no registry, so it comes from Docker Hub (${formatReference(reference)})${suggestion}`,
  );
  return notes;
}
