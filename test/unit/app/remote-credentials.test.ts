// --host with credentials stored on the cluster by login --remote (issue 16): when this machine has none for the
// registry, the cluster side's entry is read over the connection and used; a file readable by others is refused there
// as here; and credentials found here are used without asking the cluster.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteClusterSide } from '../../../src/app/cluster-side.js';
import { createRegistryAccess } from '../../../src/app/registry-access.js';
import type { FetchPort } from '../../../src/registry/http.js';
import { parseRegistry } from '../../../src/registry/reference.js';
import { REGISTRY, testSettings } from '../../support/app-deps.js';
import { fakeRegistry } from '../../support/fake-registry.js';
import { fakeRunner, ok } from '../../support/fake-runner.js';

const CLUSTER_FILE = '/home/hpcuser/.config/qsub-container/auth.json';
const READ_ARGV = ['/bin/sh', '-c', '<script>', 'sh', CLUSTER_FILE];
const stored = (mode: string) =>
  ok(READ_ARGV, `${mode}\n${JSON.stringify({ auths: { [REGISTRY]: { auth: btoa('qsc:s3cret') } } })}`);

/** A registry that wants credentials for everything (Basic, as the testbed's htpasswd registry). */
const wantsCredentials: FetchPort = () =>
  Promise.resolve(new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } }));

function access(
  exchanges: Parameters<typeof fakeRunner>[0],
  env: Record<string, string> = {},
  fetch: FetchPort = fakeRegistry().fetch,
) {
  const home = mkdtempSync(join(tmpdir(), 'qsc-remote-creds-'));
  const runner = fakeRunner(exchanges, 'hpcuser@127.0.0.1:2222');
  const cluster = remoteClusterSide(runner, '127.0.0.1:2222', join(home, 'auth.json'));
  const registry = createRegistryAccess({
    fetch,
    env: { HOME: home, ...env },
    stateCacheDir: join(home, 'state'),
    cluster,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    now: () => 0,
  });
  return { runner, registry, settings: testSettings({ authFile: CLUSTER_FILE }) };
}

describe('--host and the credentials login --remote stored on the cluster', () => {
  it('uses them when this machine has none, naming where they came from', async () => {
    const { registry, settings } = access([stored('600')]);
    const { credentials } = await registry.client(parseRegistry(REGISTRY), settings);
    expect(credentials).toMatchObject({
      username: 'qsc',
      source: `auth file hpcuser@127.0.0.1:2222:${CLUSTER_FILE} (stored by login --remote)`,
      origin: 'tool-file',
      file: CLUSTER_FILE,
    });
    expect(credentials?.password.reveal()).toBe('s3cret');
    expect(String(credentials?.password)).toBe('[redacted]');
  });

  it('refuses a cluster-side file readable by others (77)', async () => {
    const { registry, settings } = access([stored('644')]);
    await expect(registry.client(parseRegistry(REGISTRY), settings)).rejects.toMatchObject({
      exitCode: 77,
      message: `credential file ${CLUSTER_FILE} on hpcuser@127.0.0.1:2222 is readable by others (mode 644)`,
    });
  });

  it('asks the cluster nothing when this machine has credentials', async () => {
    const env = { APPTAINER_DOCKER_USERNAME: 'here', APPTAINER_DOCKER_PASSWORD: 'pw' };
    const { runner, registry } = access([], env);
    const settings = testSettings({ authFile: CLUSTER_FILE });
    const { credentials } = await registry.client(parseRegistry(REGISTRY), settings);
    expect(credentials?.username).toBe('here');
    expect(runner.calls).toEqual([]);
  });

  it('says where it looked, and how to store them on either side, when neither side has any (77)', async () => {
    const { registry, settings } = access([{ ...ok(READ_ARGV), code: 3 }], {}, wantsCredentials);
    const { client } = await registry.client(parseRegistry(REGISTRY), settings);
    await expect(client.ping()).rejects.toMatchObject({
      exitCode: 77,
      message: `registry ${REGISTRY} requires credentials and none were found, neither on this machine (the registry is asked from here) nor in ${CLUSTER_FILE} on 127.0.0.1:2222`,
      hint: `store them on the cluster with: qsub-container --host 127.0.0.1:2222 login ${REGISTRY} --remote; or here with: qsub-container login ${REGISTRY} (APPTAINER_DOCKER_USERNAME/APPTAINER_DOCKER_PASSWORD count only for the configured registry: add --registry ${REGISTRY})`,
    });
  });
});
