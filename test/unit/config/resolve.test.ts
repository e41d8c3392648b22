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
    expect(parseConfigFile('a.json', undefined)).toEqual({ source: 'a.json', values: undefined });
    expect(parseConfigFile('a.json', '{"registry": "r"}')).toEqual({ source: 'a.json', values: { registry: 'r' } });
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
