// The typed arguments of each command, as parse-command hands them to the commands.
import type { LogLevel } from '../log/logger.js';

export interface CommonArgs {
  readonly json: boolean;
  readonly logLevel: LogLevel;
  /** --host: run on the cluster over SSH (profile name, ~/.ssh/config alias or user@host[:port]). */
  readonly host: string | undefined;
  readonly acceptNewHostKey: boolean;
  /** --ssh-client: "openssh" (the user's ssh) or "ssh2" (built in); undefined: config, else a live ControlMaster decides. */
  readonly sshClient: string | undefined;
}

/** Tag-selection flags shared by submit and tags (validated in app/selection.ts). */
export interface SelectionArgs {
  readonly policy: string | undefined;
  readonly release: string | undefined;
  readonly cuda: string | undefined;
  readonly variant: string | undefined;
  readonly python: string | undefined;
}

export interface SubmitArgs extends CommonArgs, SelectionArgs {
  readonly target: string;
  readonly gpu: string | undefined;
  readonly gpuType: string | undefined;
  /** Slurm feature constraint (-C): selection uses only node groups that satisfy it; the job gets #SBATCH --constraint. */
  readonly constraint?: string | undefined;
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly time: string | undefined;
  readonly mem: string | undefined;
  readonly cpus: string | undefined;
  readonly jobName: string | undefined;
  readonly output: string | undefined;
  readonly registry: string | undefined;
  readonly cacheDir: string | undefined;
  readonly driver: string | undefined;
  readonly dryRun: boolean;
  readonly refresh: boolean;
  readonly wait: boolean;
  readonly command: readonly string[];
  /** --tag: this tag of the framework, still checked against the driver. */
  readonly tag: string | undefined;
  /** --force: submit an explicit tag the driver cannot run (the job's runtime guard still checks the node). */
  readonly force: boolean;
  /** --pull auto|local|slurm|job: where a missing image is pulled (job/pull-mode.ts); undefined: the config's. */
  readonly pull?: string | undefined;
  /** --array: sbatch array indexes. */
  readonly array?: string | undefined;
  /** --bind SRC[:DST[:ro|rw]], repeatable. */
  readonly bind?: readonly string[] | undefined;
  /** --env NAME=VALUE, repeatable: environment inside the container. */
  readonly env?: readonly string[] | undefined;
  /** --commands FILE: one shell command per line, each an array task. */
  readonly commands?: string | undefined;
}

export interface TagsArgs extends CommonArgs, SelectionArgs {
  readonly framework: string;
  readonly gpuName: string | undefined;
  readonly explain: boolean;
  readonly offline: boolean;
  readonly driver: string | undefined;
  readonly partition: string | undefined;
  readonly gpuType: string | undefined;
  /** Slurm feature constraint (-C): probe only node groups that satisfy it. */
  readonly constraint?: string | undefined;
  readonly account: string | undefined;
  readonly registry: string | undefined;
  readonly refresh: boolean;
}

export interface DetectArgs extends CommonArgs {
  readonly nvidiaSmiOutput: string | undefined;
  /** Slurm feature constraint (-C): probe only node groups that have it. */
  readonly constraint: string | undefined;
  readonly partition: readonly string[];
  readonly gpuType: string | undefined;
  readonly account: string | undefined;
  readonly refresh: boolean;
}

export interface CacheArgs extends CommonArgs {
  readonly action: 'ls' | 'verify' | 'prune';
  readonly cacheDir: string | undefined;
  readonly maxSize: string | undefined;
  readonly olderThan: string | undefined;
  readonly dryRun: boolean;
}

export interface WarmArgs extends CommonArgs {
  readonly cacheDir: string | undefined;
  readonly once: boolean;
  readonly daemon: boolean;
  readonly dryRun: boolean;
  /** Re-probe the targets' partitions even when a cached driver answer is fresh. */
  readonly refresh: boolean;
}

export interface LoginArgs extends CommonArgs {
  readonly registry: string;
  readonly username: string | undefined;
  readonly passwordStdin: boolean;
  /** With --host: store on the cluster side (the only way a secret is copied there). */
  readonly remote: boolean;
}

export interface LogoutArgs extends CommonArgs {
  readonly registry: string;
  readonly remote: boolean;
}

export interface ImportArgs extends CommonArgs {
  readonly source: string;
  readonly as: string | undefined;
  readonly cacheDir: string | undefined;
  readonly via: string;
}

export type ParsedCommand =
  | { readonly name: 'submit'; readonly args: SubmitArgs }
  | { readonly name: 'login'; readonly args: LoginArgs }
  | { readonly name: 'logout'; readonly args: LogoutArgs }
  | { readonly name: 'import'; readonly args: ImportArgs }
  | { readonly name: 'tags'; readonly args: TagsArgs }
  | { readonly name: 'detect'; readonly args: DetectArgs }
  | { readonly name: 'cache'; readonly args: CacheArgs }
  | { readonly name: 'warm'; readonly args: WarmArgs }
  | { readonly name: 'help'; readonly text: string };
