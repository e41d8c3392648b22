// Every golden job script (test/fixtures/golden, kept byte for byte by test/unit/templates/golden.test.ts) is read by
// real bash (bash -n).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);
const scripts = readdirSync(GOLDEN).filter((name) => name.endsWith('.sh'));

describe('golden job scripts under bash', () => {
  it('are there', () => expect(scripts.length).toBeGreaterThan(5));
  it.each(scripts)('%s is a script bash accepts', (name) => {
    const script = readFileSync(new URL(name, GOLDEN), 'utf8');
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: 'pipe' })).not.toThrow();
  });
});
