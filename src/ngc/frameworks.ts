// The NGC framework lines qsub-container knows by name: repository, home registry and the default tag variant.

export interface Framework {
  readonly name: string;
  /** Repository path on the registry, e.g. nvidia/tensorflow. */
  readonly repository: string;
  /** The registry NVIDIA publishes it on; a site config or --registry may point at a mirror instead. */
  readonly homeRegistry: string;
  /** Tag suffix after "YY.MM-" of the variant chosen when the user names none. */
  readonly defaultVariant: string;
  /** Name of the env var the image sets to its NGC release, e.g. NVIDIA_TENSORFLOW_VERSION. */
  readonly releaseEnv: string;
}

const ngc = (name: string, defaultVariant: string, releaseEnv: string): Framework => ({
  name,
  repository: `nvidia/${name}`,
  homeRegistry: 'nvcr.io',
  defaultVariant,
  releaseEnv,
});

export const FRAMEWORKS: readonly Framework[] = [
  // TF1 ended with 23.03 and TF2 tags carry -tf2-py3 since 20.03 (reference/nvidia-compat.md §2.4).
  ngc('tensorflow', 'tf2-py3', 'NVIDIA_TENSORFLOW_VERSION'),
  ngc('pytorch', 'py3', 'NVIDIA_PYTORCH_VERSION'),
  ngc('jax', 'py3', 'NVIDIA_JAX_VERSION'),
  ngc('tritonserver', 'py3', 'NVIDIA_TRITON_SERVER_VERSION'),
];

/** The framework whose images live in this repository (nvidia/pytorch → pytorch), if any. */
export const frameworkOfRepository = (repository: string): Framework | undefined =>
  FRAMEWORKS.find((f) => f.repository === repository);

export function findFramework(name: string): Framework | undefined {
  return FRAMEWORKS.find((f) => f.name === name.toLowerCase());
}
