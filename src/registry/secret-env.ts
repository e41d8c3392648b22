// Registry credentials the environment may carry, kept away from child processes: sbatch exports its environment to the job.

/** Read for registry auth (README: Registry credentials); never handed to srun, sbatch or the job. */
export const CREDENTIAL_ENV_VARS = [
  'APPTAINER_DOCKER_USERNAME',
  'APPTAINER_DOCKER_PASSWORD',
  'SINGULARITY_DOCKER_USERNAME',
  'SINGULARITY_DOCKER_PASSWORD',
  'NGC_API_KEY',
] as const;

/** The environment for commands the tool runs: everything except the registry credentials. */
export function withoutCredentialEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const names = new Set<string>(CREDENTIAL_ENV_VARS);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name)));
}
