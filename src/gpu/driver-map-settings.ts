// The site's "driverMap" settings: where the shared driver map lives, whose facts count, how long a fact lives, the
// admin's own map, and which probe learns what nothing knows (config/sections.ts validates them).

export interface DriverMapSettings {
  /** The shared map directory (src/gpu/driver-map-layout.ts), visible on login and compute nodes; undefined: no map. */
  readonly dir: string | undefined;
  /** Uids besides yours (and root) whose records count: the warmer's service account. */
  readonly trustedUids: readonly number[];
  /** A recorded fact older than this is learned again, even when its node neither rebooted nor restarted slurmd. */
  readonly ttlSeconds: number;
  /** The admin map: node → driver version, as the site's configuration management knows it. */
  readonly nodes: Readonly<Record<string, string>>;
  /**
   * How a node group nothing knows is learned: "cpu", a one-CPU step without --gres reading /proc/driver/nvidia (starts
   * while every GPU is taken); "gpu", nvidia-smi in a step holding a GPU, for sites that refuse steps without a GPU.
   */
  readonly probe: 'cpu' | 'gpu';
}

export const DEFAULT_DRIVER_MAP: DriverMapSettings = {
  dir: undefined,
  trustedUids: [],
  ttlSeconds: 24 * 3600,
  nodes: {},
  probe: 'cpu',
};
