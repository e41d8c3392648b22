// AppDeps for use-case unit tests: a scripted fake Runner, the recorded registry, a fixed clock, temp directories for
// the tool's state, and every note and log event kept for assertions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localClusterSide } from '../../src/app/cluster-side.js';
import type { AppDeps } from '../../src/app/deps.js';
import { createRegistryAccess } from '../../src/app/registry-access.js';
import { resolveSettings, type Settings } from '../../src/config/resolve.js';
import type { Logger } from '../../src/log/types.js';
import { resolveStatePaths } from '../../src/state/paths.js';
import type { Exchange } from './fake-runner.js';
import { fakeRunner } from './fake-runner.js';
import { fakeRegistry, type FakeRegistry } from './fake-registry.js';
import { shippedTemplate } from './templates.js';

export const NOW = Date.UTC(2026, 11, 4, 12);
/** The cache directory the recorded exchanges name (test/fixtures/slurm/README.md). */
export const RECORDED_CACHE = '/srv/qsc-cache/fixture-record';
export const REGISTRY = '127.0.0.1:5000';

export interface TestDeps extends AppDeps {
  readonly runner: ReturnType<typeof fakeRunner>;
  readonly notes: string[];
  readonly events: Record<string, unknown>[];
  readonly registryServer: FakeRegistry;
}

/** Settings as a site config with these values would give (registry: the recorded one). */
export const testSettings = (values: Record<string, unknown> = {}): Settings => {
  const { settings, errors } = resolveSettings(
    [{ source: 'site.json', values: { registry: REGISTRY, ...values } }],
    '/c',
  );
  if (errors.length > 0) throw new Error(errors.join('; '));
  return settings;
};

export function testDeps(
  exchanges: readonly Exchange[],
  options: { registry?: FakeRegistry; home?: string; now?: () => number } = {},
): TestDeps {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'qsc-app-'));
  const env = { HOME: home };
  const paths = resolveStatePaths(env, home);
  const notes: string[] = [];
  const events: Record<string, unknown>[] = [];
  const capture = (level: string) => (event: Record<string, unknown>) => void events.push({ level, ...event });
  const log: Logger = {
    debug: capture('debug'),
    info: capture('info'),
    warn: capture('warn'),
    error: capture('error'),
  };
  const registryServer = options.registry ?? fakeRegistry();
  const cluster = localClusterSide(paths, env);
  const now = options.now ?? (() => NOW);
  return {
    runner: fakeRunner(exchanges),
    cluster,
    registry: createRegistryAccess({
      fetch: registryServer.fetch,
      env,
      stateCacheDir: paths.stateCacheDir,
      cluster,
      log,
      now,
    }),
    registryServer,
    now,
    log,
    note: (text) => void notes.push(text),
    notes,
    events,
    progress: undefined,
    signal: new AbortController().signal,
    sleep: async () => {},
    stateCacheDir: paths.stateCacheDir,
    user: 'hpcuser',
    driverMap: undefined,
    readTemplate: async (name) => shippedTemplate(name),
  };
}
