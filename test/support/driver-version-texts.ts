// /proc/driver/nvidia/version texts for the parser's and the job guard's tests: the real captures' folder, and edge cases.
import { readdirSync } from 'node:fs';

/** Real captures, one per file (README.md there gives each one's source). */
export const PROC_VERSION_DIR = new URL('../fixtures/nvidia-proc-version/', import.meta.url);
export const procVersionFiles = () =>
  readdirSync(PROC_VERSION_DIR)
    .filter((f) => f !== 'README.md')
    .sort();

/** Hand-written variants of the captured layout, for cases no capture covers: [label, text, driver or null]. */
export const EDGE_TEXTS: ReadonlyArray<readonly [label: string, text: string, driver: string | null]> = [
  [
    'an aarch64 open module',
    'NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.95.05  Release Build  (b@h)  Tue Sep 30\n',
    '580.95.05',
  ],
  ['a version ending the line', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05\n', '580.95.05'],
  ['no trailing newline', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Tue Sep 30 2025', '580.95.05'],
  ['an empty file', '', null],
  ['nvidia-smi output', '580.159.04\n', null],
  ['the GCC line alone', 'GCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04)\n', null],
  [
    'the version on the second line only',
    'something else\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Tue\n',
    null,
  ],
  [
    'an old dash-numbered driver',
    'NVRM version: NVIDIA UNIX x86 Kernel Module  1.0-9631  Thu Nov  9 17:38:30 PST 2006\n',
    null,
  ],
  ['a version glued to a word', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05beta  Tue\n', null],
  ['a bare number', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580  Tue\n', null],
];
