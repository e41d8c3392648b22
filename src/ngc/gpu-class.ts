// Is a GPU a data-center model? Decided from its name, because only those may use CUDA forward compatibility.

// NVIDIA: forward compatibility is for "NVIDIA Data Center GPUs" (and select NGC-Server-Ready RTX SKUs and Jetson,
// which a name alone cannot tell apart; they are treated as not data-center). docs.nvidia.com/deploy/cuda-compatibility
// /forward-compatibility.html, via shared/reference/nvidia-compat.md §0 rule 3.
const CONSUMER_OR_WORKSTATION =
  /\b(GeForce|TITAN|Quadro|Laptop|RTX\s+A\d{4}|RTX\s+\d{4}\b(?!\s+Ada\s+Generation)|NVS|Jetson|Orin|Xavier)\b/i;
const DATA_CENTER =
  /\b(Tesla|[ABHL]\d{1,3}[A-Z]?(?:-|\s|$)|GH\d{3}|GB\d{3}|B\d{3}|H\d{3}|A\d{3}|L\d{1,2}S?|T4|V100|P100|P40|P4|K80|M60|M40|A800|H800|H20|RTX\s+PRO\s+6000\s+Blackwell\s+Server)/i;

export type GpuClass = 'data-center' | 'other' | 'unknown';

/**
 * "NVIDIA H100 80GB HBM3", "Tesla V100-SXM2..." (truncated by the table) and "NVIDIA A10G" are data-center;
 * "NVIDIA GeForce ..." and "Quadro RTX 8000" are not; an empty name is unknown.
 */
export function classifyGpu(name: string): GpuClass {
  const n = name.trim().replace(/^NVIDIA\s+/i, '');
  if (n === '' || n === 'unknown' || /^ERR!|^N\/A$/.test(n)) return 'unknown';
  if (CONSUMER_OR_WORKSTATION.test(n)) return 'other';
  return DATA_CENTER.test(n) ? 'data-center' : 'other';
}

/** All GPUs a job could get are data-center GPUs (forward compatibility needs every one of them to be). */
export const allDataCenter = (names: readonly string[]) =>
  names.length > 0 && names.every((n) => classifyGpu(n) === 'data-center');
