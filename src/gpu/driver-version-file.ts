// Parse the NVIDIA kernel module's version file (/proc/driver/nvidia/version): a node's driver, read without NVML.

/** Where the loaded kernel module reports its version on Linux; the job's runtime guard reads it before nvidia-smi. */
export const DRIVER_VERSION_FILE = '/proc/driver/nvidia/version';

/**
 * Its first line, as the proprietary and the open module print it (test/fixtures/nvidia-proc-version):
 *   NVRM version: NVIDIA UNIX x86_64 Kernel Module  384.98  Thu Oct 26 15:16:01 PDT 2017
 *   NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  565.57.01  Release Build  (dvs-builder@U16-A24-9-2)  ...
 * The job template's guard matches the same POSIX ERE with bash's =~ (keep the two in step: a unit test runs both
 * over every fixture), so this uses nothing ERE lacks: a greedy .*, groups, bracket classes.
 */
const NVRM_LINE = /^NVRM version: .*Kernel Module( for [^\s]+)?\s+([0-9]+(\.[0-9]+)+)(\s|$)/;

/**
 * Desktop and data-center drivers have had 3-digit majors since 2008; Jetson's module prints its L4T release there
 * ("35.3.1"), which no CUDA driver table knows, so a smaller major is no driver version at all.
 */
const LOWEST_DRIVER_MAJOR = 100;

/** The kernel module's driver version ("580.95.05"), or null when the text is not that file or names no driver. */
export function parseDriverVersionFile(text: string): string | null {
  const match = NVRM_LINE.exec(text.split('\n', 1)[0] ?? '');
  const version = match?.[2];
  if (!version || Number(version.split('.')[0]) < LOWEST_DRIVER_MAJOR) return null;
  return version;
}
