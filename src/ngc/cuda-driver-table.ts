// NVIDIA's CUDA Toolkit → minimum Linux x86_64 driver (Table 3 of the CUDA release notes), one source per row.
// Generated once from shared/reference/cuda-driver-table.json; review changes here like code.

export interface CudaDriverRow {
  /** Toolkit release, major.minor.patch. */
  readonly cuda: string;
  /** Minimum Linux driver for native support (no compatibility package). */
  readonly minDriver: string;
  /** Driver floor for CUDA minor-version compatibility within this major (Table 2); undefined before CUDA 11. */
  readonly minorCompatFloor: string | undefined;
  readonly confidence: 'high' | 'medium' | 'low';
  readonly source: string;
}

const TABLE3_13_3_SECONDARY =
  'https://docs.nvidia.com/cuda/archive/13.3.0/cuda-toolkit-release-notes/index.html (NOT read directly; values from several independent third-party copies of its table, (secondary copy)';
const TABLE3_13_2_2 =
  "https://docs.nvidia.com/cuda/archive/13.2.2/cuda-toolkit-release-notes/index.html (Table 3 'CUDA Toolkit and Corresponding Driver Versions'; read via a stored crawl of that page, (secondary copy)";

// Minor-version compatibility floors (Table 2, 13.2.2 notes; minor-version-compatibility.html). NVIDIA prints only
// ">= 580" for 13.x: 580.65.06 is the 13.0 GA row, used as the conservative exact floor.
const FLOOR_13X = '580.65.06';
const FLOOR_12X = '525.60.13';
const FLOOR_11X = '450.80.02';

const row = (
  cuda: string,
  minDriver: string,
  minorCompatFloor: string | undefined,
  confidence: CudaDriverRow['confidence'],
  source: string,
): CudaDriverRow => ({ cuda, minDriver, minorCompatFloor, confidence, source });

/** Newest first. CUDA 13.4 is absent: NVIDIA's minimum driver for it was not found (see the reference notes). */
export const CUDA_DRIVER_TABLE: readonly CudaDriverRow[] = [
  row('13.3.1', '610.43.02', FLOOR_13X, 'medium', TABLE3_13_3_SECONDARY),
  row('13.3.0', '610.43.02', FLOOR_13X, 'medium', TABLE3_13_3_SECONDARY),
  row('13.2.2', '595.71.05', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.2.1', '595.58.03', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.2.0', '595.45.04', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.1.1', '590.48.01', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.1.0', '590.44.01', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.0.2', '580.95.05', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.0.1', '580.82.07', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('13.0.0', '580.65.06', FLOOR_13X, 'high', TABLE3_13_2_2),
  row('12.9.1', '575.57.08', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.9.0', '575.51.03', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.8.1', '570.124.06', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.8.0', '570.26', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.6.3', '560.35.05', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.6.2', '560.35.03', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.6.1', '560.35.03', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.6.0', '560.28.03', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.5.1', '555.42.06', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.5.0', '555.42.02', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.4.1', '550.54.15', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.4.0', '550.54.14', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.3.1', '545.23.08', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.3.0', '545.23.06', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.2.2', '535.104.05', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.2.1', '535.86.09', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.2.0', '535.54.03', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.1.1', '530.30.02', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.1.0', '530.30.02', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.0.1', '525.85.12', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('12.0.0', '525.60.13', FLOOR_12X, 'high', TABLE3_13_2_2),
  row('11.8.0', '520.61.05', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.7.1', '515.48.07', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.7.0', '515.43.04', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.6.2', '510.47.03', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.6.1', '510.47.03', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.6.0', '510.39.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.5.2', '495.29.05', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.5.1', '495.29.05', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.5.0', '495.29.05', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.4.4', '470.82.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.4.3', '470.82.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.4.2', '470.57.02', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.4.1', '470.57.02', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.4.0', '470.42.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.3.1', '465.19.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.3.0', '465.19.01', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.2.2', '460.32.03', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.2.1', '460.32.03', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.2.0', '460.27.03', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.1.1', '455.32', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.1.0', '455.23', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.0.3', '450.51.06', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.0.2', '450.51.05', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('11.0.1', '450.36.06', FLOOR_11X, 'high', TABLE3_13_2_2),
  row('10.2.89', '440.33', undefined, 'high', TABLE3_13_2_2),
  row('10.1.105', '418.39', undefined, 'high', TABLE3_13_2_2),
  row('10.0.130', '410.48', undefined, 'high', TABLE3_13_2_2),
];
