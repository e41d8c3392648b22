// Multi-node jobs on gpu-multi (gpu04 + gpu05), submitted by the CLI: one container per task through srun, the
// distributed environment in each, a TCP message between the containers of two nodes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_HOME, freshCacheDir, jobFields, qsc, sh, waitForJob } from '../support/cluster.js';
import { asDirectiveValue, hostileValues } from '../support/hostile-gen.js';
import { sifName } from '../../src/image/names.js';
import { MULTI_NODES, MULTI_PARTITION, nodeLocalTmp, switchNodeDriver } from '../support/nodes.js';

const TF = ['--gpu', 'tensorflow', '--driver', '580.159.04', '--tag', '25.02-tf2-py3', '--pull', 'job', '--json'];
const outputs: string[] = [];
afterAll(() => {
  for (const file of outputs) rmSync(file, { force: true, recursive: true });
});

/** Submits on gpu-multi with the output in the cluster user's home (each node's /tmp is its own); waits for the end. */
async function submitMulti(
  flags: readonly string[],
  command: readonly string[],
  cacheDir = freshCacheDir('multi'),
  env: Record<string, string> = {},
) {
  const output = `${CLUSTER_HOME}/qsc-multi-${process.pid}-${outputs.length}.out`;
  outputs.push(output);
  const result = await qsc(
    [...TF, '-p', MULTI_PARTITION, '--cache-dir', cacheDir, '-o', output, ...flags, '--', ...command],
    env,
  );
  expect(result.code, result.stderr).toBe(0);
  const { jobId, digest } = JSON.parse(result.stdout) as { jobId: string; digest: string };
  const run = await waitForJob(jobId);
  return { jobId, digest, cacheDir, ...run, exitCode: jobFields(jobId).ExitCode };
}

// inotify through libc (Debian's python3): prints the name of each file opened in the directory, one per line.
const OPEN_WATCHER = `import ctypes, os, signal, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x20) < 0: sys.exit('inotify: ' + os.strerror(ctypes.get_errno()))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print('ready', flush=True)
while True:
    data = os.read(fd, 65536)
    i = 0
    while i < len(data):
        wd, mask, cookie, size = struct.unpack_from('iIII', data, i)
        print(data[i + 16:i + 16 + size].rstrip(b'\\0').decode(), flush=True)
        i += 16 + size
`;

/** Counts opens of files in `dir` (IN_OPEN) until stop() is called: how often a job read the shared SIF. */
async function countOpens(dir: string) {
  const child = spawn('/usr/bin/python3', ['-c', OPEN_WATCHER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
  while (!text.startsWith('ready\n')) {
    if (child.exitCode !== null) throw new Error(`the open watcher ended: ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop(name: string): Promise<number> {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      return text.split('\n').filter((line) => line === name).length;
    },
  };
}

/** One line per task: what the container sees, then (rank 0) a message received over TCP from rank 1's container. */
const REPORT = String.raw`echo "task node=$SLURMD_NODENAME RANK=$RANK WORLD_SIZE=$WORLD_SIZE LOCAL_RANK=$LOCAL_RANK LOCAL_WORLD_SIZE=$LOCAL_WORLD_SIZE NODE_RANK=$NODE_RANK MASTER=$MASTER_ADDR:$MASTER_PORT NOUSERSITE=$PYTHONNOUSERSITE"`;
const EXCHANGE = String.raw`port=$((MASTER_PORT + 1))
if [ "$RANK" = 0 ]; then echo "rank 0 got: $(timeout 60 nc -l -p "$port")";
elif [ "$RANK" = 1 ]; then
  for i in $(seq 1 100); do echo "hello from rank 1 on $SLURMD_NODENAME" | nc "$MASTER_ADDR" "$port" && break; sleep 0.3; done
fi`;

const tasks = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('task '))
    .map((l) =>
      Object.fromEntries(
        l
          .split(' ')
          .slice(1)
          .map((kv) => kv.split('=') as [string, string]),
      ),
    )
    .sort((a, b) => Number(a.RANK) - Number(b.RANK));

describe('multi-node jobs through srun', () => {
  it('-N 2: one task per node, RANK 0 and 1, one MASTER_ADDR:PORT, and a TCP message between the containers', async () => {
    const run = await submitMulti(['-N', '2'], ['sh', '-c', `${REPORT}\n${EXCHANGE}`]);
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const seen = tasks(run.output);
    expect(seen.map((t) => [t.RANK, t.WORLD_SIZE, t.LOCAL_RANK, t.NODE_RANK])).toEqual([
      ['0', '2', '0', '0'],
      ['1', '2', '0', '1'],
    ]);
    expect(seen.map((t) => t.node).sort()).toEqual([...MULTI_NODES]);
    const master = seen[0]!.MASTER!;
    expect(master).toMatch(/^\S+:6\d{4}$/);
    expect(seen[1]!.MASTER).toBe(master);
    expect(Number(master.split(':')[1])).toBe((Number(run.jobId) % 4536) + 61000);
    expect(run.output).toMatch(/rank 0 got: hello from rank 1 on gpu0[45]/);
    expect(seen.every((t) => t.NOUSERSITE === '1')).toBe(true);
  });

  it('-N 2 --ntasks-per-node 2: RANK 0-3, LOCAL_RANK 0-1 on each node, LOCAL_WORLD_SIZE 2', async () => {
    const run = await submitMulti(['-N', '2', '--ntasks-per-node', '2', '--user-site'], ['sh', '-c', REPORT]);
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const seen = tasks(run.output);
    expect(seen.map((t) => t.RANK)).toEqual(['0', '1', '2', '3']);
    expect(seen.every((t) => t.WORLD_SIZE === '4' && t.LOCAL_WORLD_SIZE === '2')).toBe(true);
    for (const node of MULTI_NODES)
      expect(
        seen
          .filter((t) => t.node === node)
          .map((t) => t.LOCAL_RANK)
          .sort(),
      ).toEqual(['0', '1']);
    expect(new Set(seen.map((t) => t.MASTER)).size).toBe(1);
    // --user-site: the user's ~/.local is no longer hidden.
    expect(seen.every((t) => t.NOUSERSITE === '')).toBe(true);
  });

  it('one node under the image minimum: exit 86 naming it, before the pull and before any rank starts', async () => {
    // 25.02-tf2-py3 needs driver 570.86.10; gpu05 gets 550.90.07 (its slurmd restarts, as after an upgrade).
    const change = switchNodeDriver('gpu05', 'h100-550.90.07');
    try {
      const run = await submitMulti(['-N', '2'], ['sh', '-c', REPORT]);
      expect(run, run.output).toMatchObject({ state: 'FAILED', exitCode: '86:0' });
      expect(run.output).toContain(
        'GPU driver 550.90.07 on gpu05 (kernel module, /proc/driver/nvidia/version) is older than 570.86.10',
      );
      expect(run.output).not.toMatch(/on gpu04 .*older than/);
      expect(run.output).not.toContain('qsub-container: pulling');
      expect(tasks(run.output)).toEqual([]);
    } finally {
      change.revert();
    }
  });

  it('--stage local: the shared SIF is read once (sbcast), each node runs its own copy, gone after the job', async () => {
    const cacheDir = freshCacheDir('multi-stage');
    const LIST = 'echo "task node=$SLURMD_NODENAME RANK=$RANK staged=$(ls /tmp/qsc-$SLURM_JOB_ID)"';
    // First the shared way, which also pulls the image into the fresh cache (the pull opens only its partial file):
    // every open of the SIF is a node's runtime reading it.
    const sharedWatch = await countOpens(cacheDir);
    const shared = await submitMulti(['-N', '2'], ['sh', '-c', REPORT], cacheDir);
    expect(shared, shared.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const sharedOpens = await sharedWatch.stop(sifName(shared.digest));

    const stagedWatch = await countOpens(cacheDir);
    const staged = await submitMulti(['-N', '2', '--stage', 'local'], ['sh', '-c', LIST], cacheDir);
    expect(staged, staged.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const stagedOpens = await stagedWatch.stop(sifName(staged.digest));
    console.log(`opens of the shared SIF by a 2-node job: shared ${sharedOpens}, --stage local ${stagedOpens}`);
    expect(sharedOpens).toBeGreaterThanOrEqual(MULTI_NODES.length);
    // The submission's cache check reads the cached SIF's header (9 bytes, on the login node); the job itself reads the
    // shared file once, with sbcast.
    expect(stagedOpens).toBe(2);

    // During the job each node's task saw the copy in its own /tmp; after it, no node keeps one.
    const seen = tasks(staged.output);
    expect(seen.map((t) => t.node).sort()).toEqual([...MULTI_NODES]);
    for (const t of seen) expect(t.staged).toBe(sifName(staged.digest));
    expect(staged.output).toContain(`copied ${cacheDir}/${sifName(staged.digest)} to /tmp/qsc-${staged.jobId}`);
    for (const node of MULTI_NODES) expect(existsSync(`${nodeLocalTmp(node)}/qsc-${staged.jobId}`)).toBe(false);
  });

  it('one node, no launcher: PYTHONNOUSERSITE=1 too; --python-user-base gives PYTHONUSERBASE per image digest instead', async () => {
    const base = `${CLUSTER_HOME}/qsc-pyuser-${process.pid}`;
    outputs.push(base);
    const SHOW = 'echo "python NOUSERSITE=$PYTHONNOUSERSITE USERBASE=$PYTHONUSERBASE"';
    const plain = await submitMulti([], ['sh', '-c', SHOW]);
    expect(plain, plain.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    expect(plain.output).toContain('python NOUSERSITE=1 USERBASE=\n');
    const kept = await submitMulti(['--python-user-base', base], ['sh', '-c', SHOW]);
    expect(kept, kept.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const perImage = `${base}/${kept.digest.replace('sha256:', '').slice(0, 16)}`;
    expect(kept.output).toContain(`python NOUSERSITE= USERBASE=${perImage}\n`);
    expect(existsSync(perImage)).toBe(true);
  });

  it('--launcher per-node --mpi none: one container per node with NNODES, NODE_RANK, NPROC_PER_NODE (no RANK)', async () => {
    const SHOW =
      'echo "task node=$SLURMD_NODENAME RANK=$RANK NNODES=$NNODES NODE_RANK=$NODE_RANK NPROC_PER_NODE=$NPROC_PER_NODE MASTER=$MASTER_ADDR:$MASTER_PORT"';
    const run = await submitMulti(['-N', '2', '--launcher', 'per-node', '--mpi', 'none'], ['sh', '-c', SHOW]);
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const seen = run.output
      .split('\n')
      .filter((l) => l.startsWith('task '))
      .sort();
    expect(seen).toHaveLength(2);
    const port = (Number(run.jobId) % 4536) + 61000;
    expect(seen.map((l) => l.replace(/MASTER=\S+:/, 'MASTER=:'))).toEqual(
      [...MULTI_NODES].map(
        (node, i) => `task node=${node} RANK= NNODES=2 NODE_RANK=${i} NPROC_PER_NODE=1 MASTER=:${port}`,
      ),
    );
  });

  it('200 generated hostile values reach every rank byte for byte through srun; -e and --mail-user reach Slurm as typed', async () => {
    const values = hostileValues(200, 15);
    const envValues = values.slice(0, 40);
    const tag = `${process.pid}-${Date.now()}`;
    const error = `${CLUSTER_HOME}/qsc-multi-err-${asDirectiveValue(values[3]!).replace(/[%/]/g, '')}-${tag}`;
    const mailUser = `${asDirectiveValue(values[9]!).replace(/[\s"\\]/g, '') || 'x'}@example.edu`;
    const hexFile = `${CLUSTER_HOME}/qsc-multi-hex-${tag}`;
    outputs.push(error, `${hexFile}-0`, `${hexFile}-1`);
    const printer = `printf '%s\\000' "$@" ${envValues.map((_, i) => `"$V${i}"`).join(' ')} | od -An -tx1 -v > ${hexFile}-"$RANK"`;
    const run = await submitMulti(
      [
        '-N',
        '2',
        '-e',
        error,
        '--mail-user',
        mailUser,
        '--mail-type',
        'end,fail',
        ...envValues.flatMap((v, i) => ['--env', `V${i}=${v}`]),
      ],
      ['sh', '-c', printer, 'sh', ...values],
    );
    expect(run, run.output).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    const job = sh('scontrol', ['show', 'job', '-o', run.jobId]);
    expect(/ StdErr=(.*) StdIn=/.exec(job)?.[1]).toBe(error);
    // scontrol shows the mail fields only with a mail type.
    expect(/ MailUser=(\S+) MailType=(\S+)/.exec(job)?.slice(1)).toEqual([mailUser, 'END,FAIL']);
    for (const rank of [0, 1]) {
      const hex = readFileSync(`${hexFile}-${rank}`, 'utf8').replace(/\s/g, '');
      expect(Buffer.from(hex, 'hex').toString('utf8')).toBe([...values, ...envValues].map((a) => `${a}\0`).join(''));
    }
  });
});
