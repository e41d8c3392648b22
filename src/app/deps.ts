// What the use cases may touch, as one value: cli/compose.ts composes it from the real adapters, tests from fakes. Each
// use case names the part it needs (Pick<AppDeps, ...>), so a test passes only that.
import type { UserConfigRule } from '../config/load.js';
import type { Settings, SettingsFlags } from '../config/resolve.js';
import type { DriverMapAccess } from '../gpu/read-driver-map.js';
import type { Logger } from '../log/types.js';
import type { FoundCredentials } from '../registry/credentials.js';
import type { Secret } from '../secret.js';
import type { Template } from '../templates/render.js';
import type { Runner } from '../transport/runner.js';
import type { RegistryAccess } from './registry-access.js';

export interface AppDeps {
  /** Runs argv on the cluster side: here, or over SSH with --host. */
  readonly runner: Runner;
  /** Where settings and the job's credentials come from: this machine, or the cluster side over the runner. */
  readonly cluster: ClusterSide;
  readonly registry: RegistryAccess;
  readonly now: () => number;
  readonly log: Logger;
  /** Notes for the person who ran the command (stderr), beside the structured log. */
  readonly note: (text: string) => void;
  /** Progress lines of long pulls for a person at a terminal; undefined when nobody watches. */
  readonly progress: ((line: string) => void) | undefined;
  /** Aborted on Ctrl-C / SIGTERM: following a job stops (never the job), a warm tick stops its pulls. */
  readonly signal: AbortSignal;
  /** Resolves after ms, or early on abort. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The tool's own cache (probe results, remembered choices and tags); not the SIF cache. */
  readonly stateCacheDir: string;
  /** The user this process acts for (state/user.ts): job queries, per-user temp dirs. */
  readonly user: string;
  /**
   * Unique to this run of the tool, carried in the names of the Slurm work it starts and waits on (the driver probe),
   * so stopping the run (Ctrl-C, SIGTERM, SIGHUP, a closed pipe) cancels exactly that work by name; absent in tests
   * replaying recorded commands.
   */
  readonly runTag?: string;
  /** A job template and its partials, by file name (job/templates.ts names them). */
  readonly readTemplate: (name: string) => Promise<Template>;
  /**
   * The site's driver map where the cluster side is: this machine's file system, or over --host the login node's,
   * read and written through the runner (one command per read). Undefined: none (tests that do not need one).
   */
  readonly driverMap: DriverMapAccess | undefined;
}

export type { DriverMapAccess };

/** Where a registry credential is kept, for login and logout. */
export interface CredentialStore {
  /** For messages: the file, prefixed with the cluster side's id when it is remote. */
  readonly where: string;
  save(host: string, username: string, password: Secret): Promise<void>;
  remove(host: string): Promise<boolean>;
}

/** The side of the cluster a command runs against: this machine, or (--host) the login node over the runner. */
export interface ClusterSide {
  /** What --host named, for hints; undefined for local runs. */
  readonly hostLabel: string | undefined;
  /**
   * Settings as that side resolves them (its files and environment), with `flags` as the top layer; `userConfig`: which
   * user config counts (config/load.ts: UserConfigRule; the warmer's is "named").
   */
  settings(flags: SettingsFlags, userConfig?: UserConfigRule): Promise<Settings>;
  /** The credential file registry requests made from this machine read (over SSH: this machine's own file). */
  toolAuthFile(settings: Settings): string;
  /**
   * Over SSH, when this machine has no credentials for the registry: the entry login --remote stored in the cluster
   * side's file (its path: settings.authFile there). Locally: nothing more to look at.
   */
  storedCredentials(settings: Settings, host: string): Promise<FoundCredentials | undefined>;
  /**
   * The auth file the job names by path: over SSH the cluster side's own file (no secret is copied there); locally the
   * tool's file, or a 0600 copy of credentials that came from elsewhere (registry/credentials.ts: authFileForJob).
   */
  jobAuthFile(settings: Settings, host: string, credentials: FoundCredentials | undefined): Promise<string | undefined>;
  /** Where login and logout keep credentials on this side. */
  credentialStore(settings: Settings): CredentialStore;
}
