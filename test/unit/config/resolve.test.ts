// The one config reader: every key of every layer validated in one place, the --host keys (hosts, sshClient) included.
import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../../src/config/load.js';
import { resolveSettings } from '../../../src/config/resolve.js';

const resolve = (site: object, user: object) =>
  resolveSettings(
    [
      { source: 'site.json', values: site },
      { source: 'user.json', values: user },
    ],
    '/c',
  );

describe('host profiles and the SSH client in the one reader', () => {
  it('reads them from the user config', () => {
    const { settings, errors } = resolve(
      {},
      { hosts: { quest: { hostname: 'login.example', user: 'abc', sshClient: 'openssh' } }, sshClient: 'ssh2' },
    );
    expect(errors).toEqual([]);
    expect(settings.hosts).toEqual({ quest: { hostname: 'login.example', user: 'abc', sshClient: 'openssh' } });
    expect(settings.sshClient).toBe('ssh2');
    expect(resolve({}, {}).settings).toMatchObject({ hosts: {}, sshClient: undefined });
  });

  it('reports their problems with the others, and refuses them in the site config', () => {
    const { errors } = resolve(
      { hosts: {} },
      { hosts: { quest: { port: 'x' }, bad: 1 }, sshClient: 'putty', cacheDir: 'relative' },
    );
    expect(errors).toEqual([
      'site.json: "hosts" is a user setting (for --host); only the user config may set it',
      'user.json: hosts.quest.port has the wrong type',
      'user.json: hosts.bad must be an object',
      'user.json: "sshClient" must be "openssh" or "ssh2"',
      'user.json: "cacheDir" must be an absolute path',
    ]);
  });
});

describe('parseConfigFile', () => {
  it('parses a file once: absent, valid, or the reason it is not JSON', () => {
    expect(parseConfigFile('a.json', undefined)).toEqual({ source: 'a.json', values: undefined, file: true });
    expect(parseConfigFile('a.json', '{"registry": "r"}')).toEqual({
      source: 'a.json',
      values: { registry: 'r' },
      file: true,
    });
    expect(parseConfigFile('a.json', '{').error).toMatch(/^a\.json: not valid JSON \(/);
  });
});

describe('multi-node settings', () => {
  it('mpi, stage, stageDir and distributedEnv from the site, the user overriding', () => {
    const { settings, errors } = resolve(
      { mpi: 'pmix', stage: 'local', stageDir: '/local/scratch', distributedEnv: { NCCL_IB_HCA: '=mlx5_0:1' } },
      { mpi: 'pmi2' },
    );
    expect(errors).toEqual([]);
    expect(settings).toMatchObject({
      mpi: 'pmi2',
      stage: 'local',
      stageDir: '/local/scratch',
      distributedEnv: { NCCL_IB_HCA: '=mlx5_0:1' },
    });
    expect(resolve({}, {}).settings).toMatchObject({ mpi: undefined, stage: undefined, distributedEnv: {} });
  });

  it('refuses unknown words, a relative stageDir and environment that is not NAME: "one line"', () => {
    const { errors } = resolve(
      { mpi: 'openmpi', stage: 'nvme', stageDir: 'tmp' },
      { distributedEnv: { 'NCCL IB': 'x', OK: 'a\nb' } },
    );
    expect(errors).toEqual([
      'site.json: "mpi" must be one of pmix, pmi2, none',
      'site.json: "stage" must be one of shared, local',
      'site.json: "stageDir" must be an absolute path',
      'user.json: "distributedEnv" must be an object of NAME: "value" (single-line strings)',
    ]);
  });
});

describe('the driver map settings', () => {
  it('reads the site config\'s "driverMap" (TTL in hours, admin map, probe kind) over the defaults', () => {
    const { settings, errors } = resolve(
      { driverMap: { dir: '/shared/map', trustedUids: [991], ttlHours: 6, nodes: { gpu01: '580.159.04' } } },
      {},
    );
    expect(errors).toEqual([]);
    expect(settings.driverMap).toEqual({
      dir: '/shared/map',
      trustedUids: [991],
      ttlSeconds: 6 * 3600,
      nodes: { gpu01: '580.159.04' },
      probe: 'cpu',
    });
    expect(resolve({}, {}).settings.driverMap).toMatchObject({ dir: undefined, trustedUids: [], probe: 'cpu' });
  });

  it('refuses it in a user config (whose facts count is a site decision) and reports each bad key', () => {
    const { errors } = resolve(
      { driverMap: { dir: 'rel', trustedUids: ['warm'], ttlHours: 0, nodes: { gpu01: 'new' }, probe: 'nvml', x: 1 } },
      { driverMap: { dir: '/mine' } },
    );
    expect(errors).toEqual([
      'site.json: "driverMap.dir" must be an absolute path',
      'site.json: "driverMap.trustedUids" must be a list of numeric uids (id -u ACCOUNT), e.g. [991]',
      'site.json: "driverMap.ttlHours" must be a number of hours > 0',
      'site.json: "driverMap.nodes" has "gpu01": "new": must map a node name to a driver version',
      'site.json: "driverMap.probe" must be "cpu" or "gpu"',
      'site.json: unknown setting "driverMap.x" (known: dir, trustedUids, ttlHours, nodes, probe)',
      'user.json: "driverMap" is a site setting; only the site config may set it',
    ]);
  });
});

describe('where cacheDir came from, for messages', () => {
  const layers = (user: object, env: object, flags: object) =>
    resolveSettings(
      [
        { source: '/etc/site.json', values: { cacheDir: '/srv/site' }, file: true },
        { source: '/home/u/config.json', values: user, file: true },
        { source: 'hpc:22 environment', values: env },
        { source: 'flags', values: flags },
      ],
      '/c',
    ).settings.cacheDirFrom;

  it('is the highest layer that set it', () => {
    expect(layers({}, {}, {})).toBe('/etc/site.json');
    expect(layers({ cacheDir: '/home/u/c' }, {}, {})).toBe('/home/u/config.json');
    expect(layers({}, { cacheDir: '/e' }, {})).toBe('QSUB_CONTAINER_CACHE_DIR (hpc:22 environment)');
    expect(layers({ cacheDir: '/home/u/c' }, { cacheDir: '/e' }, { cacheDir: '/f' })).toBe('--cache-dir');
  });

  it('is undefined when nothing set it (the default)', () => {
    expect(resolveSettings([{ source: 'flags', values: {} }], '/c').settings.cacheDirFrom).toBeUndefined();
  });
});
