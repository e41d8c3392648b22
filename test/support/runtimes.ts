// The testbed's emulated older runtimes (deploy/testbed/runtimes/README.md): their facts and the PATH that finds one.
export const RUNTIMES_DIR = '/opt/qsc-runtimes';
/** /usr/bin without apptainer and singularity: a node where only a loaded `singularity` module is on PATH. */
export const SYSTEM_BIN_WITHOUT_APPTAINER = `${RUNTIMES_DIR}/usr-bin-without-apptainer`;

export interface EmulatedRuntime {
  /** The command a job finds first: `apptainer`, or `singularity` where no apptainer is on PATH. */
  readonly command: 'apptainer' | 'singularity';
  /** What `<command> version` prints. */
  readonly version: string;
  /** What `<command> --version` prints. */
  readonly versionLine: string;
  /** `pull --authfile` exists (Apptainer >= 1.4.0, SingularityCE >= 4.1.0): false for every emulated release. */
  readonly authfile: boolean;
  /** The spelling `pull`/`build` take for plain http. */
  readonly noHttpsFlag: '--no-https' | '--nohttps';
  /** The variables holding docker credentials the release reads, first the preferred pair. */
  readonly credentialVariables: readonly (readonly [string, string])[];
}

export const EMULATED_RUNTIMES = {
  'apptainer-1.3': {
    command: 'apptainer',
    version: '1.3.6',
    versionLine: 'apptainer version 1.3.6',
    authfile: false,
    noHttpsFlag: '--no-https',
    credentialVariables: [
      ['APPTAINER_DOCKER_USERNAME', 'APPTAINER_DOCKER_PASSWORD'],
      ['SINGULARITY_DOCKER_USERNAME', 'SINGULARITY_DOCKER_PASSWORD'],
      ['DOCKER_USERNAME', 'DOCKER_PASSWORD'],
    ],
  },
  'singularityce-3.11': {
    command: 'singularity',
    version: '3.11.5',
    versionLine: 'singularity-ce version 3.11.5',
    authfile: false,
    noHttpsFlag: '--no-https',
    credentialVariables: [
      ['SINGULARITY_DOCKER_USERNAME', 'SINGULARITY_DOCKER_PASSWORD'],
      ['DOCKER_USERNAME', 'DOCKER_PASSWORD'],
    ],
  },
  'singularity-3.8': {
    command: 'singularity',
    version: '3.8.7',
    versionLine: 'singularity version 3.8.7',
    authfile: false,
    noHttpsFlag: '--nohttps',
    credentialVariables: [['SINGULARITY_DOCKER_USERNAME', 'SINGULARITY_DOCKER_PASSWORD']],
  },
} as const satisfies Record<string, EmulatedRuntime>;

export type EmulatedRuntimeName = keyof typeof EMULATED_RUNTIMES;

export const runtimeBin = (name: EmulatedRuntimeName) => `${RUNTIMES_DIR}/${name}/bin`;

/**
 * A PATH (for a job: sbatch hands the submitter's PATH on) on which `name` is the runtime found: its bin first and,
 * for the singularity-only releases, /usr/bin without the real apptainer/singularity in place of /usr/bin and /bin.
 */
export function runtimePath(name: EmulatedRuntimeName): string {
  const rest = EMULATED_RUNTIMES[name].command === 'singularity' ? SYSTEM_BIN_WITHOUT_APPTAINER : '/usr/bin:/bin';
  return `${runtimeBin(name)}:/usr/local/bin:${rest}`;
}
