// Every command example of README.md, run on the testbed as the cluster user: the exit code it documents (0 unless
// `# exit N`) and the output it shows (CONTRIBUTING.md, "README examples"). Examples marked as not runnable here are
// listed with their reasons, each as a test of its own, so none is left out silently. Jobs an example submits are
// waited for (`--wait`) or cancelled, and their output files removed.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOME, CLUSTER_USER, E2E_PREFIX, queuedJobIds, runAsUser, sh } from '../support/cluster.js';
import { matchesShown, readmeExamples } from '../support/readme-examples.js';

const { examples, problems } = readmeExamples(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));
const PATH = `${E2E_PREFIX}/bin:/usr/local/bin:/usr/bin:/bin`;
const submitted = new Set<string>();

/** Job ids a submission reports: `submitted job N` on stderr, `pull job N` while following, `--json`'s ids. */
const jobIds = (text: string) =>
  [...text.matchAll(/submitted job (\d+)|\bpull job (\d+)|"(?:jobId|pullJobId)": (\d+)/g)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );

/** The cluster user's queued and running jobs (array tasks by their job id). */
const usersQueuedJobs = () =>
  new Set(
    sh('squeue', ['--noheader', '--format=%i', `--user=${CLUSTER_USER}`])
      .split('\n')
      .filter(Boolean)
      .map((id) => id.split('_')[0]!),
  );

/** Cancel the jobs, wait until they have left the queue, and remove their output files from the user's home. */
async function cleanUp(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // Only the cluster user's jobs.
  try {
    execFileSync('scancel', [`--user=${CLUSTER_USER}`, ...ids], { stdio: 'ignore' });
  } catch {
    // scancel exits 1 when a job had already ended: nothing to cancel then.
  }
  for (let i = 0; i < 60 && queuedJobIds().some((id) => ids.includes(id.split('_')[0]!)); i++)
    await new Promise((r) => setTimeout(r, 500));
  const outputs = new RegExp(`-(${ids.join('|')})(_\\d+)?\\.out$`);
  for (const name of readdirSync(CLUSTER_HOME)) if (outputs.test(name)) rmSync(join(CLUSTER_HOME, name));
}

describe('README.md examples on the testbed', () => {
  afterAll(() => {
    // Nothing left behind: none of the jobs the examples submitted is still queued or running, nor their output files.
    expect(queuedJobIds().filter((id) => submitted.has(id.split('_')[0]!))).toEqual([]);
    const output = /-(\d+)(_\d+)?\.out$/;
    expect(readdirSync(CLUSTER_HOME).filter((name) => submitted.has(output.exec(name)?.[1] ?? ''))).toEqual([]);
    expect(submitted.size).toBeGreaterThan(0);
  });

  it('follow the convention, and some cannot run here, each saying why', () => {
    expect(problems).toEqual([]);
    expect(examples.filter((e) => e.skip !== undefined).every((e) => e.skip!.length > 0)).toBe(true);
  });

  it.each(
    examples
      .filter((e) => e.skip !== undefined)
      .map((e) => [`README.md:${e.line}: not run here: ${e.skip}`, e] as const),
  )('%s', (_name, example) => {
    // Reported by name above; the reason is what makes leaving it out visible and deliberate.
    expect(example.skip!.length).toBeGreaterThan(0);
  });

  it.each(examples.filter((e) => e.skip === undefined).map((e) => [`README.md:${e.line}: ${e.command}`, e] as const))(
    '%s',
    async (_name, example) => {
      const before = usersQueuedJobs();
      const result = await runAsUser(['sh', '-c', example.command], { PATH });
      // The ids the tool printed (a job that already ended is no longer queued), and any new job of the user's that an
      // example's pipe kept from being printed.
      const ids = [
        ...new Set([
          ...jobIds(`${result.stdout}\n${result.stderr}`),
          ...[...usersQueuedJobs()].filter((id) => !before.has(id)),
        ]),
      ];
      ids.forEach((id) => submitted.add(id));
      try {
        const shown = `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
        expect(result.code, shown).toBe(example.exit);
        const lines = `${result.stdout}\n${result.stderr}`.split('\n');
        for (const line of example.output)
          expect(
            lines.some((actual) => matchesShown(line, actual)),
            `shown line not in the output: ${line}\n${shown}`,
          ).toBe(true);
      } finally {
        await cleanUp(ids);
      }
    },
  );
});
