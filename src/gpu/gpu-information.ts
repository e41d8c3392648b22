// Parse /proc/driver/nvidia/gpus/<bus id>/information: a GPU's model, read from the kernel module without NVML.

/** The kernel module's per-GPU directories (one per PCI bus id), each with an `information` file. */
export const GPU_INFORMATION_DIR = '/proc/driver/nvidia/gpus';

export interface GpuInformation {
  readonly model: string;
  readonly uuid?: string | undefined;
  readonly busLocation?: string | undefined;
}

/**
 * "Model: \t\t NVIDIA H100 80GB HBM3": the first `Model:` line, blanks after the colon and at the end dropped (tabs as
 * the module prints them, spaces once copied). The job's recorder (job-templates/_record-node-fact.mustache) reads it with
 * the same POSIX pattern in bash; test/integration/record-node-fact.test.ts holds the two to the same answers.
 */
export function parseGpuInformation(text: string): GpuInformation | null {
  const model = /^Model:[ \t\v\f\r]*(.*[^ \t\n\v\f\r])/m.exec(text)?.[1];
  if (!model) return null;
  const field = (label: string) => new RegExp(`^${label}:[ \\t]*(.*?)[ \\t]*$`, 'm').exec(text)?.[1] || undefined;
  return { model: cleanModel(model), uuid: field('GPU UUID'), busLocation: field('Bus Location') };
}

/** A model name safe in a tab-separated record line: each control character and "|" (models' separator) a blank. */
export const cleanModel = (model: string) => model.replace(/[\u0000-\u001f\u007f|]/g, ' ');
