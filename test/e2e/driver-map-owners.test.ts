// The driver map with real owners (root gives files to other uids; the cluster user runs the job's recorder): a
// neighbour who squats your directory or plants a false fact changes nothing you read and fails nothing you run.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFactRecord, knowGroup, type NodeFact } from '../../src/gpu/driver-facts.js';
import { nodeDriverMapFs, recordFact } from '../../src/gpu/driver-map-fs.js';
import { recordPath, writerDir } from '../../src/gpu/driver-map-layout.js';
import type { NodeState } from '../../src/gpu/node-state.js';
import { readGroupFacts } from '../../src/gpu/read-driver-map.js';
import { runnerDriverMap } from '../../src/gpu/remote-driver-map.js';
import { createLocalRunner } from '../../src/transport/local-runner.js';
import { CLUSTER_USER, runAsUser, sh } from '../support/cluster.js';
import { copyForUser, dirForUser, removeUserFixtures } from '../support/user-fixtures.js';

const ME = process.getuid!(); // root: the e2e project runs as root
const NEIGHBOUR = 65534;
const HPCUSER = Number(sh('id', ['-u', CLUSTER_USER]).trim());
const NOW = Math.floor(Date.now() / 1000);
const SNIPPET = copyForUser(new URL('../../job-templates/_record-node-fact.mustache', import.meta.url));
const temps: string[] = [];
afterAll(() => {
  temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeUserFixtures();
});

function map(): string {
  const root = mkdtempSync('/tmp/qsc-driver-map-owners-');
  temps.push(root);
  const dir = join(root, 'map');
  chmodSync(root, 0o755);
  mkdirSync(dir);
  chmodSync(dir, 0o1777); // as a site makes it: everyone may add a directory, no one may take another's
  return dir;
}
const fact = (node: string, driver = '580.159.04'): NodeFact => ({
  node,
  driverVersion: driver,
  gpuModels: ['NVIDIA H100 80GB HBM3'],
  source: 'job',
  recordedAt: NOW - 60,
  recordedBy: { uid: NEIGHBOUR, user: 'mallory' },
});
const state = (node: string): NodeState => ({
  node,
  bootTime: NOW - 86400,
  slurmdStartTime: NOW - 3600,
  state: 'IDLE',
  gres: '',
  features: [],
  partitions: [],
});

describe('the driver map with other owners', () => {
  it("ignores a neighbour's false fact by its real owner: in your squatted directory or in theirs", async () => {
    const m = map();
    // The neighbour made your directory first and planted a fact in it, and keeps their own directory too.
    mkdirSync(writerDir(m, ME), { mode: 0o755 });
    writeFileSync(recordPath(m, ME, 'gpu01'), formatFactRecord(fact('gpu01', '999.99.99')));
    chownSync(recordPath(m, ME, 'gpu01'), NEIGHBOUR, NEIGHBOUR);
    chownSync(writerDir(m, ME), NEIGHBOUR, NEIGHBOUR);
    mkdirSync(writerDir(m, NEIGHBOUR), { mode: 0o755 });
    writeFileSync(recordPath(m, NEIGHBOUR, 'gpu02'), formatFactRecord(fact('gpu02', '999.99.99')));
    chownSync(recordPath(m, NEIGHBOUR, 'gpu02'), NEIGHBOUR, NEIGHBOUR);
    const [readings] = await readGroupFacts(nodeDriverMapFs, {
      mapDir: m,
      writers: [ME],
      groups: [{ nodes: ['gpu01', 'gpu02'] }],
    });
    const states = new Map(['gpu01', 'gpu02'].map((n) => [n, state(n)]));
    expect(knowGroup(readings!, states, { me: ME, trustedAccounts: [], now: NOW })).toEqual({
      kind: 'unknown',
      rejected: [{ node: 'gpu01', reason: expect.stringContaining(`written by uid ${NEIGHBOUR}`) }],
    });
    // And the TypeScript writer refuses the squatted directory rather than write facts no one would trust.
    expect(await recordFact(m, ME, fact('gpu03'))).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining(`belongs to uid ${NEIGHBOUR}`),
    });
  });

  it('over --host, reads nothing from a writer directory its writer does not own (a FIFO swap there cannot hold it)', async () => {
    const m = map();
    // A trusted account's directory, squatted by the neighbour: a regular record (bash could be made to open a FIFO
    // swapped in after its -f check, and bash cannot open without blocking) and a FIFO; and your own, with a record.
    const TRUSTED = 4242;
    mkdirSync(writerDir(m, TRUSTED), { mode: 0o777 });
    writeFileSync(recordPath(m, TRUSTED, 'gpu02'), formatFactRecord(fact('gpu02')));
    execFileSync('mkfifo', [recordPath(m, TRUSTED, 'gpu03')]);
    chownSync(writerDir(m, TRUSTED), NEIGHBOUR, NEIGHBOUR);
    await recordFact(m, ME, { ...fact('gpu01'), recordedBy: { uid: ME, user: 'root' } });
    const groups = [{ nodes: ['gpu01'] }, { nodes: ['gpu02', 'gpu03'] }];
    const access = runnerDriverMap(createLocalRunner(process.env));
    const read = await access.readGroups({ mapDir: m, trustedUids: [TRUSTED], groups });
    expect(read.readings.map((r) => r.map((x) => x.node))).toEqual([['gpu01'], []]);
    // Once the trusted account owns its directory again, its record is read.
    chownSync(writerDir(m, TRUSTED), TRUSTED, TRUSTED);
    const again = await access.readGroups({ mapDir: m, trustedUids: [TRUSTED], groups });
    expect(again.readings[1]!.map((x) => [x.node, x.ownerUid])).toEqual([['gpu02', ME]]);
  });

  it("the job's recorder, as the cluster user, writes nothing into its squatted directory and still succeeds", async () => {
    const m = map();
    const gpus = dirForUser('gpus');
    mkdirSync(join(gpus, '0000:01:00.0'), { mode: 0o755 });
    writeFileSync(join(gpus, '0000:01:00.0', 'information'), 'Model: \t\t NVIDIA H100 80GB HBM3\n', { mode: 0o644 });
    const squatted = writerDir(m, HPCUSER);
    mkdirSync(squatted, { mode: 0o777 });
    chownSync(squatted, NEIGHBOUR, NEIGHBOUR);
    const call = `set -euo pipefail; source '${SNIPPET}'; record_node_fact '${m}' gpu01 580.159.04 job 0 21600 '${gpus}'; echo done`;
    const result = await runAsUser(['bash', '--norc', '-c', call]);
    expect(result.stdout, result.stderr).toBe('done\n');
    expect(readdirSync(squatted)).toEqual([]);
    // Its own directory, once free, takes the record.
    rmSync(squatted, { recursive: true });
    expect((await runAsUser(['bash', '--norc', '-c', call])).stdout).toBe('done\n');
    expect(readdirSync(writerDir(m, HPCUSER))).toEqual(['gpu01']);
  });
});
