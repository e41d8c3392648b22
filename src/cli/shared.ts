// Steps several commands share: settings, driver detection, a registry client for a target.
import { join } from 'node:path';
import { loadSettings } from '../config/load.js';
import type { Settings } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { detectDriver } from '../gpu/detect.js';
import { createFileDriverCache } from '../gpu/driver-cache.js';
import type { DriverProbe } from '../gpu/probe.js';
import { parseVersion } from '../ngc/version.js';
import { createFileBlobCache } from '../registry/blob-cache.js';
import { createFileChallengeCache } from '../registry/challenge-cache.js';
import { createRegistryClient, type RegistryClient } from '../registry/client.js';
import { authFileForJob, findCredentials, type FoundCredentials } from '../registry/credentials.js';
import type { RegistryEndpoint } from '../registry/reference.js';
import { parseFeatureConstraint, validateConstraint } from '../slurm/feature-constraint.js';
import { validateSlurmName } from '../slurm/options.js';
import type { Context } from './context.js';

export function settingsFor(ctx: Context, flags: Record<string, unknown>): Promise<Settings> {
  return ctx.remote ? ctx.remote.settings(flags) : loadSettings(ctx.paths, ctx.env, flags);
}

export function validateDriver(value: string): string {
  if (!parseVersion(value) || value.split('.').length < 2) {
    throw new UsageError(`malformed --driver ${JSON.stringify(value)}`, {
      hint: 'give the driver version nvidia-smi prints, e.g. 535.104.05',
    });
  }
  return value;
}

export interface DriverTarget {
  readonly partition: string;
  readonly gpuType: string | undefined;
  readonly constraint?: string | undefined;
  readonly account: string | undefined;
  readonly refresh: boolean;
}

export function findDriver(
  ctx: Context,
  settings: Settings,
  target: DriverTarget,
): Promise<DriverProbe & { cached: boolean }> {
  validateSlurmName('--partition', target.partition);
  if (target.gpuType) validateSlurmName('--gpu-type', target.gpuType);
  if (target.constraint !== undefined) {
    const parsed = parseFeatureConstraint(validateConstraint(target.constraint));
    if (parsed.kind === 'unevaluated') {
      ctx.note(
        `qsub-container: warning: --constraint ${target.constraint} is left to Slurm (${parsed.why}); selecting for the lowest driver of all of ${target.partition}`,
      );
    }
  }
  const cache = createFileDriverCache(ctx.paths.stateCacheDir, settings.driverCacheTtlMinutes * 60_000);
  return detectDriver(
    { runner: ctx.runner, cache, now: ctx.now, log: ctx.log },
    {
      partition: target.partition,
      gpuType: target.gpuType,
      constraint: target.constraint,
      account: target.account,
      waitSeconds: settings.probeWaitSeconds,
    },
    target.refresh,
  );
}

/** A client for the registry with the first credentials found for it (README: Registry credentials). */
export async function registryClientFor(
  ctx: Context,
  settings: Settings,
  endpoint: RegistryEndpoint,
): Promise<{ client: RegistryClient; credentials: FoundCredentials | undefined }> {
  // Over SSH the registry is queried from here with this machine's credentials; the job names the cluster side's file.
  const toolFile = ctx.remote?.localAuthFile ?? settings.authFile;
  const credentials = await findCredentials(endpoint.host, ctx.env, { toolFile, home: ctx.env.HOME ?? '' });
  ctx.log.debug({
    event: 'registry.credentials',
    registry: endpoint.host,
    source: credentials?.source ?? 'none',
    user: credentials?.username ?? null,
  });
  const client = createRegistryClient(endpoint, {
    fetch: ctx.fetch,
    credentials,
    blobCache: createFileBlobCache(join(ctx.paths.stateCacheDir, 'blobs')),
    challengeCache: createFileChallengeCache(ctx.paths.stateCacheDir, endpoint),
    log: ctx.log,
    now: ctx.now,
  });
  return { client, credentials };
}

/**
 * The auth file the job names by path: over SSH the cluster side's own file (no secret is copied there); locally the
 * tool's file, or a 0600 copy of credentials that came from elsewhere (credentials.ts: authFileForJob).
 */
export async function jobAuthFileFor(
  ctx: Context,
  settings: Settings,
  host: string,
  credentials: FoundCredentials | undefined,
): Promise<string | undefined> {
  if (ctx.remote) return ctx.remote.jobAuthFile(settings);
  return credentials ? authFileForJob(credentials, host, ctx.paths.configDir) : undefined;
}
