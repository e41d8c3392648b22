// How a typed reference was read, said on stderr: Docker Hub for one naming no registry (with NGC's name when it looks
// like NGC's), the enroot/pyxis spelling, and nothing for a reference that names its registry.
import { describe, expect, it } from 'vitest';
import { referenceNotes } from '../../../src/image/reference-notes.js';
import { parseImageReference } from '../../../src/registry/reference.js';

const notes = (written: string) => referenceNotes(written, parseImageReference(written));

describe('reference notes', () => {
  it.each([
    [
      'nvidia/pytorch:23.10-py3',
      'qsub-container: note: "nvidia/pytorch:23.10-py3" names no registry, so it comes from Docker Hub (registry-1.docker.io/nvidia/pytorch:23.10-py3); if you meant NGC\'s image, write nvcr.io/nvidia/pytorch:23.10-py3',
    ],
    [
      'pytorch:23.10-py3',
      'qsub-container: note: "pytorch:23.10-py3" names no registry, so it comes from Docker Hub (registry-1.docker.io/library/pytorch:23.10-py3); if you meant NGC\'s image, write nvcr.io/nvidia/pytorch:23.10-py3',
    ],
    [
      'nvidia/cuda:12.4.1-base-ubuntu22.04',
      'qsub-container: note: "nvidia/cuda:12.4.1-base-ubuntu22.04" names no registry, so it comes from Docker Hub (registry-1.docker.io/nvidia/cuda:12.4.1-base-ubuntu22.04); if you meant NGC\'s image, write nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04',
    ],
    [
      'ubuntu:22.04',
      'qsub-container: note: "ubuntu:22.04" names no registry, so it comes from Docker Hub (registry-1.docker.io/library/ubuntu:22.04)',
    ],
  ])('%s: Docker Hub, said', (written, line) => {
    expect(notes(written)).toEqual([line]);
  });

  it('a reference naming its registry (or the enroot spelling of one) gets no Docker Hub note', () => {
    expect(notes('nvcr.io/nvidia/pytorch:23.10-py3')).toEqual([]);
    expect(notes('127.0.0.1:5000/nvidia/pytorch:23.10-py3')).toEqual([]);
    expect(notes('nvcr.io#nvidia/pytorch:23.10-py3')).toEqual([
      'qsub-container: note: read "nvcr.io#nvidia/pytorch:23.10-py3" (the enroot/pyxis spelling) as nvcr.io/nvidia/pytorch:23.10-py3',
    ]);
  });
});
