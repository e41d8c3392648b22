// parseDriverVersionFile over real /proc/driver/nvidia/version captures (test/fixtures/nvidia-proc-version), plus edge cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDriverVersionFile } from '../../../src/gpu/driver-version-file.js';
import { EDGE_TEXTS, PROC_VERSION_DIR, procVersionFiles } from '../../support/driver-version-texts.js';

/** Every capture and the driver it names (null: none); a file without a row fails the completeness test. */
const CAPTURES: ReadonlyArray<readonly [file: string, driver: string | null]> = [
  ['public-384.98-x86_64-proprietary.txt', '384.98'],
  ['public-525.60.11-x86_64-open-arch.txt', '525.60.11'],
  ['public-565.57.01-x86_64-open-ubuntu.txt', '565.57.01'],
  ['public-550.90.07-x86_64-dgx-v100-excerpt.txt', '550.90.07'],
  ['public-jetson-l4t-35.3.1-aarch64-open.txt', null], // the L4T release, not a driver version
];

describe('parseDriverVersionFile', () => {
  it.each(CAPTURES)('reads %s as %s', (file, driver) => {
    expect(parseDriverVersionFile(readFileSync(new URL(file, PROC_VERSION_DIR), 'utf8'))).toBe(driver);
  });

  it('has a row for every capture', () => {
    expect(CAPTURES.map(([f]) => f).sort()).toEqual(procVersionFiles());
  });

  it.each(EDGE_TEXTS)('reads %s', (_label, text, driver) => {
    expect(parseDriverVersionFile(text)).toBe(driver);
  });
});
