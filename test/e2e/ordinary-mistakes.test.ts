// Ordinary mistakes on the real testbed, as the cluster user (issue 16): a missing or unreadable path, a flag without
// its value, a directory the user cannot write. Each is one line naming its path or value, with a hint, and a
// documented exit code that is not 70 ("internal error": a bug).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { qsc, REGISTRY } from '../support/cluster.js';

// Root-owned, 0755: the cluster user can read it, not write in it.
const rootOnly = mkdtempSync('/tmp/qsc-e2e-mistakes-');
chmodSync(rootOnly, 0o755);
// A site config with one warm target, so warm --once has something to pull into its (unwritable) cache.
const siteConfig = join(rootOnly, 'site.json');
writeFileSync(
  siteConfig,
  JSON.stringify({ warm: { targets: [{ image: `${REGISTRY}/nvidia/tensorflow:25.02-tf2-py3` }] } }),
);
chmodSync(siteConfig, 0o644);
afterAll(() => rmSync(rootOnly, { recursive: true, force: true }));

/** Documented in README.md's exit code table, and not 70. */
const DOCUMENTED = [1, 2, 65, 66, 68, 69, 73, 75, 77, 78];

interface Row {
  readonly what: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly code: number;
  /** What the sentence must name: the path or the value. */
  readonly names: string;
}

const ROWS: readonly Row[] = [
  {
    what: 'a missing --nvidia-smi-output',
    args: ['detect', '--nvidia-smi-output', '/nonexistent-smi.txt'],
    code: 66,
    names: '/nonexistent-smi.txt',
  },
  {
    what: 'a directory as --nvidia-smi-output',
    args: ['detect', '--nvidia-smi-output', '/tmp'],
    code: 66,
    names: '/tmp',
  },
  { what: '-p without a value', args: ['--gpu', 'tensorflow', '--dry-run', '-p'], code: 2, names: '-p' },
  { what: '-p right before --', args: ['--gpu', 'tensorflow', '-p', '--', 'true'], code: 2, names: '-p needs a value' },
  { what: '--mem right before --', args: ['--gpu', 'tensorflow', '--mem', '--', 'true'], code: 2, names: '--mem' },
  {
    what: 'cache verify of a directory it cannot read',
    args: ['cache', 'verify', '--cache-dir', '/root'],
    code: 77,
    names: '/root',
  },
  {
    what: 'cache ls of a missing directory',
    args: ['cache', 'ls', '--cache-dir', '/nonexistent'],
    code: 66,
    names: '/nonexistent',
  },
  {
    what: 'warm --once into a cache it cannot write',
    args: ['warm', '--once', '--cache-dir', rootOnly],
    env: { QSUB_CONTAINER_SITE_CONFIG: siteConfig },
    code: 77,
    names: rootOnly,
  },
  {
    what: 'a submission with an XDG_CACHE_HOME it cannot write',
    args: ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--', 'true'],
    env: { XDG_CACHE_HOME: rootOnly },
    code: 77,
    names: rootOnly,
  },
  {
    // Node's recursive mkdir spun here forever at full CPU, deaf to SIGTERM (src/state/make-dirs.ts).
    what: 'a submission with an XDG_CACHE_HOME that cannot exist (under /proc)',
    args: ['--gpu', 'tensorflow', '-p', 'gengpu', '--dry-run', '--', 'true'],
    env: { XDG_CACHE_HOME: '/proc/qsc-nope' },
    code: 66,
    names: '/proc/qsc-nope',
  },
  {
    what: 'import of a missing file',
    args: ['import', '/nonexistent.tar', '--as', `${REGISTRY}/nvidia/pytorch:23.10-py3`],
    code: 66,
    names: '/nonexistent.tar',
  },
];

describe('ordinary mistakes are not internal errors', () => {
  it.each(ROWS.map((row) => [row.what, row] as const))('%s', async (_what, row) => {
    const result = await qsc(row.args, row.env);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    const [line] = lines as [string];
    expect(result.code, line).toBe(row.code);
    expect(DOCUMENTED).toContain(result.code);
    expect(line).toMatch(/^qsub-container: [^\n]+\. Hint: \S/);
    expect(line).not.toMatch(/internal error|this is a bug|\n\s+at /);
    expect(line).toContain(row.names);
  });
});
