// The command line: --gpu's optional count, the command after --, settings precedence, option validation, sbatch answers.
import { describe, expect, it } from 'vitest';
import { normalizeGpuFlag, parseCommand } from '../../../src/cli/build-cli.js';
import { envLayer, resolveSettings } from '../../../src/config/resolve.js';
import { ExitCode, formatErrorLine, UsageError } from '../../../src/errors.js';
import { validateMemory, validateTime } from '../../../src/slurm/options.js';
import { interpretSbatch } from '../../../src/slurm/sbatch.js';
import { gpuTypes, parsePartitionInfo } from '../../../src/slurm/sinfo.js';

describe('command line', () => {
  it('lets a bare --gpu mean one GPU without eating the framework', () => {
    expect(normalizeGpuFlag(['--gpu', 'tensorflow'])).toEqual(['--gpu=1', 'tensorflow']);
    expect(normalizeGpuFlag(['--gpu', '2', 'pytorch'])).toEqual(['--gpu=2', 'pytorch']);
    expect(normalizeGpuFlag(['pytorch', '--', '--gpu', '3'])).toEqual(['pytorch', '--', '--gpu', '3']);
  });

  it('keeps the command after -- exactly, options and numbers included', async () => {
    const parsed = await parseCommand([
      '--gpu',
      'tensorflow',
      '-p',
      'gengpu',
      '--',
      'python',
      '-c',
      '1.50',
      '--json',
      '',
    ]);
    expect(parsed).toMatchObject({
      name: 'submit',
      args: {
        target: 'tensorflow',
        gpu: '1',
        partition: 'gengpu',
        json: false,
        command: ['python', '-c', '1.50', '--json', ''],
      },
    });
  });

  it('parses tags and detect', async () => {
    expect(await parseCommand(['tags', 'pytorch', '--driver', '525.105.17', '--json'])).toMatchObject({
      name: 'tags',
      args: { framework: 'pytorch', driver: '525.105.17', json: true },
    });
    expect(await parseCommand(['detect', '-p', 'a', '-p', 'b'])).toMatchObject({
      name: 'detect',
      args: { partition: ['a', 'b'] },
    });
  });

  it('takes -C / --constraint on submit and tags, not confusing it with -c (CPUs)', async () => {
    expect(await parseCommand(['--gpu', 'tensorflow', '-C', 'h100', '-c', '4', '--', 'x'])).toMatchObject({
      name: 'submit',
      args: { constraint: 'h100', cpusPerTask: '4', command: ['x'] },
    });
    expect(await parseCommand(['tags', 'tensorflow', '-p', 'gpu-mixed', '--constraint=[v100|h100]'])).toMatchObject({
      name: 'tags',
      args: { constraint: '[v100|h100]' },
    });
  });

  it.each([
    [['help'], 'qsub-container [submit] <framework|image-ref> [options] [-- command args...]'],
    [['tensorflow', 'help'], 'qsub-container [submit] <framework|image-ref> [options] [-- command args...]'],
    [['tags', 'help'], 'qsub-container tags <framework>'],
    [['tags', 'pytorch', 'help'], 'qsub-container tags <framework>'],
    [['cache', 'help'], 'qsub-container cache <action>'],
    [['detect', 'help'], 'qsub-container detect'],
    [['logout', 'help'], 'qsub-container logout <registry>'],
  ])('answers the word help in %j with help, not a run with its positionals unset', async (argv, usage) => {
    const parsed = await parseCommand(argv);
    expect(parsed).toMatchObject({ name: 'help' });
    expect(parsed.name === 'help' && parsed.text.split('\n')[0]).toBe(usage);
  });

  it('turns unknown options into usage errors', async () => {
    await expect(parseCommand(['tensorflow', '--frobnicate'])).rejects.toMatchObject({ exitCode: ExitCode.usage });
  });
});

describe('settings', () => {
  it('resolves flags > environment > user file > site file > defaults', () => {
    const { settings, errors } = resolveSettings(
      [
        { source: 'site', values: { registry: 'site.example', cacheDir: '/site/cache', gpuPartition: 'gengpu' } },
        { source: 'user', values: { registry: 'user.example' } },
        envLayer({ QSUB_CONTAINER_REGISTRY: 'env.example', SBATCH_ACCOUNT: 'p1' }),
        { source: 'flags', values: { registry: undefined, account: 'p2' } },
      ],
      '/home/u/.config/qsub-container',
    );
    expect(errors).toEqual([]);
    expect(settings).toMatchObject({
      registry: 'env.example',
      cacheDir: '/site/cache',
      gpuPartition: 'gengpu',
      account: 'p2',
      authFile: '/home/u/.config/qsub-container/auth.json',
      probeWaitSeconds: 60,
    });
  });

  it('reports every problem at once', () => {
    const { errors } = resolveSettings(
      [{ source: 'f.json', values: { registy: 'x', cacheDir: 'relative', probeWaitSeconds: 'soon' } }],
      '/c',
    );
    expect(errors).toEqual([
      'f.json: unknown setting "registy" (known: registry, cacheDir, gpuPartition, partition, account, time, authFile, policy, forwardCompat, submitPull, driverVersionFile, mpi, stage, stageDir, driverCacheTtlMinutes, probeWaitSeconds, cache, warm, driverMap, distributedEnv)',
      'f.json: "cacheDir" must be an absolute path',
      'f.json: "probeWaitSeconds" must be a number ≥ 0',
    ]);
  });

  it('takes driverVersionFile from the site config only, as an absolute path', () => {
    const layers = (site: object, user: object = {}) =>
      resolveSettings(
        [
          { source: 'site.json', values: site },
          { source: 'user.json', values: user },
        ],
        '/c',
      );
    expect(layers({}).settings.driverVersionFile).toBeUndefined();
    expect(layers({ driverVersionFile: '/run/nvidia/version' }).settings.driverVersionFile).toBe('/run/nvidia/version');
    expect(layers({}, { driverVersionFile: '/tmp/v' }).errors).toEqual([
      'user.json: "driverVersionFile" is a site setting; only the site config may set it',
    ]);
    expect(layers({ driverVersionFile: 'proc/version' }).errors).toEqual([
      'site.json: "driverVersionFile" must be an absolute path',
    ]);
  });
});

describe('slurm options', () => {
  it.each(['30', '30:00', '04:00:00', '1-12', '1-12:30', '2-00:00:00', 'UNLIMITED'])('accepts --time %s', (t) => {
    expect(validateTime(t)).toBe(t);
  });
  it.each(['4h', '1:2:3:4', '-5', 'soon', ''])('refuses --time %j with exit 2', (t) => {
    expect(() => validateTime(t)).toThrow(UsageError);
  });
  it('normalizes --mem and refuses junk', () => {
    expect(validateMemory('16gb')).toBe('16G');
    expect(() => validateMemory('lots')).toThrow(/malformed memory/);
  });
});

describe('sbatch and sinfo answers', () => {
  const result = (code: number, stdout: string, stderr = '') => ({ code, stdout, stderr, timedOut: false });
  it('reads the job id from --parsable', () => {
    expect(interpretSbatch(result(0, '1234\n'))).toEqual({ jobId: '1234' });
    expect(interpretSbatch(result(0, '1234;cluster\n'))).toEqual({ jobId: '1234' });
  });
  it('classifies refusals', () => {
    const bad = interpretSbatch(
      result(1, '', 'sbatch: error: Batch job submission failed: Invalid partition name specified\n'),
    );
    expect('error' in bad && bad.error.exitCode).toBe(ExitCode.unknownPartition);
    const account = interpretSbatch(
      result(
        1,
        '',
        'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n',
      ),
    );
    expect('error' in account && account.error.exitCode).toBe(ExitCode.refused);
  });
  it('finds a partition and its GPU types', () => {
    const info = parsePartitionInfo('gengpu|gpu:h100:2(S:0),gpu:v100:2\nshort|(null)\n', 'gengpu');
    expect(info).toEqual({ name: 'gengpu', gres: ['gpu:h100:2', 'gpu:v100:2'] });
    expect(gpuTypes(info!)).toEqual(['h100', 'v100']);
    expect(gpuTypes(parsePartitionInfo('short|(null)\n', 'short')!)).toEqual([]);
    expect(parsePartitionInfo('short|(null)\n', 'nope')).toBeUndefined();
  });
});

describe('error lines', () => {
  it('are one line with a hint', () => {
    const line = formatErrorLine(new UsageError('bad\nthing', { hint: 'do\nthis' }));
    expect(line).toBe('qsub-container: bad thing. Hint: do this');
  });

  it("an internal error's hint names the switch that really shows the stack (main.ts prints it with that variable)", () => {
    expect(formatErrorLine(new TypeError('x is undefined'))).toBe(
      'qsub-container: internal error: x is undefined. Hint: this is a bug; rerun with QSUB_CONTAINER_DEBUG=1 for the stack and report it.',
    );
  });
});
