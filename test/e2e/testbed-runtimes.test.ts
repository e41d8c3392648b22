// The testbed's emulated older runtimes (deploy/testbed/runtimes/): each says its release's version, refuses what that
// release lacked exactly as it did, pulls with the credentials and spellings that release read, and is the runtime a
// job finds on the PATH runtimePath() gives. The credentials never reach a command line on the way to the real one.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asClusterUser, REGISTRY, REGISTRY_USER, registryPassword, runAsUser, runProcess } from '../support/cluster.js';
import { EMULATED_RUNTIMES, runtimeBin, runtimePath, type EmulatedRuntimeName } from '../support/runtimes.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

afterAll(removeUserTempDirs);

const NAMES = Object.keys(EMULATED_RUNTIMES) as EmulatedRuntimeName[];
const IMAGE = `docker://${REGISTRY}/nvidia/pytorch:25.10-py3`;
const bin = (name: EmulatedRuntimeName) => join(runtimeBin(name), EMULATED_RUNTIMES[name].command);

/** `<runtime> pull` as the cluster user with `env` (credentials travel there, never in argv); the SIF's path. */
async function pull(name: EmulatedRuntimeName, args: readonly string[], env: Record<string, string>) {
  const dir = userTempDir('qsc-runtime');
  const sif = join(dir, 'image.sif');
  const result = await runAsUser([bin(name), 'pull', '--disable-cache', ...args, sif, IMAGE], {
    APPTAINER_CACHEDIR: join(dir, 'cache'),
    ...env,
  });
  return { ...result, sif };
}
const credentials = (pair: readonly [string, string]) => ({ [pair[0]]: REGISTRY_USER, [pair[1]]: registryPassword() });

describe.each(NAMES)('emulated %s', (name) => {
  const facts = EMULATED_RUNTIMES[name];

  it('prints its release version', async () => {
    expect((await runAsUser([bin(name), 'version'])).stdout).toBe(`${facts.version}\n`);
    expect((await runAsUser([bin(name), '--version'])).stdout).toBe(`${facts.versionLine}\n`);
  });

  it.each([
    ['pull', ['pull', '--authfile', '/dev/null', 'x.sif', IMAGE]],
    ['build', ['build', '--authfile=/dev/null', 'x.sif', IMAGE]],
    ['exec', ['exec', '--nv', '--authfile', '/dev/null', 'x.sif', 'true']],
  ])('refuses --authfile on %s as the release did: its unknown-flag error, exit 1', async (command, argv) => {
    const result = await runAsUser([bin(name), ...argv]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error for command "${command}": unknown flag: --authfile\n\n`);
    expect(result.stdout).toBe(`Run '${facts.command} --help' for more detailed usage information.\n`);
  });

  it("passes a container command's own --authfile through (flags end at the image) and its exit code back", async () => {
    const { sif } = await pull(name, [facts.noHttpsFlag], credentials(facts.credentialVariables[0]));
    const result = await runAsUser([
      bin(name),
      'exec',
      '--bind',
      '/tmp:/mnt',
      sif,
      'sh',
      '-c',
      'echo "$@"; exit 7',
      'sh',
      '--authfile',
    ]);
    expect(result.stdout).toBe('--authfile\n');
    expect(result.code).toBe(7);
  });

  it.each(facts.credentialVariables.map((pair) => [pair.join('/'), pair] as const))(
    'pulls with the credentials in %s',
    async (_, pair) => {
      const result = await pull(name, [facts.noHttpsFlag], credentials(pair));
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(result.sif).subarray(32, 41).toString()).toBe('SIF_MAGIC');
    },
  );
});

describe('what differs between the emulated releases', () => {
  it('the singularity-only releases ignore APPTAINER_* credentials and no-https (pull fails), Apptainer 1.3 reads them', async () => {
    const env = { ...credentials(['APPTAINER_DOCKER_USERNAME', 'APPTAINER_DOCKER_PASSWORD']), APPTAINER_NOHTTPS: '1' };
    expect((await pull('apptainer-1.3', [], env)).code).toBe(0);
    for (const name of ['singularityce-3.11', 'singularity-3.8'] as const) {
      const result = await pull(name, [], env);
      expect(result.code, name).toBe(255);
      expect(result.stderr).toContain('FATAL');
    }
  });

  it('Singularity 3.8 reads neither unprefixed DOCKER_* nor SINGULARITY_NO_HTTPS; SingularityCE 3.11 reads both', async () => {
    const env = { ...credentials(['DOCKER_USERNAME', 'DOCKER_PASSWORD']), SINGULARITY_NO_HTTPS: '1' };
    expect((await pull('singularityce-3.11', [], env)).code).toBe(0);
    expect((await pull('singularity-3.8', [], env)).code).toBe(255);
  });

  it('Singularity 3.8 spells it --nohttps only; the others refuse --nohttps on pull, as Apptainer 1.4.5 does', async () => {
    const refused = await runAsUser([bin('singularity-3.8'), 'pull', '--no-https', 'x.sif', IMAGE]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Error for command "pull": unknown flag: --no-https\n\n');
    for (const name of ['apptainer-1.3', 'singularityce-3.11'] as const) {
      const result = await runAsUser([bin(name), 'pull', '--nohttps', 'x.sif', IMAGE]);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toContain('Error for command "pull": unknown flag: --nohttps');
    }
  });

  it('a job given runtimePath() finds that runtime, and no apptainer for the singularity-only ones', async () => {
    const script = 'command -v apptainer || echo "no apptainer"; command -v singularity; singularity version';
    for (const name of NAMES) {
      const result = await runAsUser(['srun', '-p', 'short', '-c1', 'bash', '-c', script], { PATH: runtimePath(name) });
      expect(result.code, result.stderr).toBe(0);
      const apptainer = name === 'apptainer-1.3' ? `${runtimeBin(name)}/apptainer` : 'no apptainer';
      expect(result.stdout).toBe(`${apptainer}\n${runtimeBin(name)}/singularity\n${EMULATED_RUNTIMES[name].version}\n`);
    }
  });

  it('hands the password to the real runtime in its environment, never in an argv (strace)', async () => {
    const dir = userTempDir('qsc-runtime-strace');
    const trace = join(dir, 'trace');
    const password = registryPassword();
    const run = asClusterUser(
      [bin('singularity-3.8'), 'pull', '--disable-cache', '--nohttps', join(dir, 'x.sif'), IMAGE],
      {
        ...credentials(['SINGULARITY_DOCKER_USERNAME', 'SINGULARITY_DOCKER_PASSWORD']),
        APPTAINER_CACHEDIR: join(dir, 'c'),
      },
    );
    const traced = await runProcess({
      command: 'strace',
      args: [
        '-f',
        '-qq',
        '-v',
        '-e',
        'trace=execve',
        '-e',
        'signal=none',
        '-s',
        '100000',
        '-o',
        trace,
        run.command,
        ...run.args,
      ],
      env: run.env,
    });
    expect(traced.code, traced.stderr).toBe(0);
    const execs = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => line.includes('execve("'));
    // Each execve line is `execve("PATH", [ARGV...], [ENV...])`: the argv is the first bracketed list.
    const argvs = execs.map((line) => /execve\("[^"]*", (\[.*?\]), (?:\[|0x)/.exec(line)?.[1] ?? line);
    expect(argvs.some((argv) => argv.includes('"/usr/bin/apptainer"') && argv.includes('"--no-https"'))).toBe(true);
    expect(argvs.filter((argv) => argv.includes(password))).toEqual([]);
    expect(spawnSync('grep', ['-c', 'APPTAINER_DOCKER_PASSWORD=', trace], { encoding: 'utf8' }).stdout.trim()).not.toBe(
      '0',
    );
  });
});
