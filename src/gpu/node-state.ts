// Parse `scontrol show node --oneliner`: when each node booted and its slurmd started, the events that outdate a fact.

export interface NodeState {
  readonly node: string;
  /** Epoch seconds; null when Slurm prints None (a node it has not heard from) or nothing. */
  readonly bootTime: number | null;
  readonly slurmdStartTime: number | null;
  /** As Slurm prints it: IDLE, MIXED, ALLOCATED, DOWN+NOT_RESPONDING, IDLE+DRAIN, ... */
  readonly state: string;
  readonly gres: string;
  readonly features: readonly string[];
  readonly partitions: readonly string[];
}

/**
 * One line per node; scontrol prints times in the local time of its own process, so TZ=UTC0 makes them UTC whatever
 * the login node's zone (Slurm 22.05 has no --json for show node). One call for every node a submission asks about.
 */
export const scontrolShowNodesArgv = (nodes: readonly string[]) => [
  'env',
  'TZ=UTC0',
  'scontrol',
  'show',
  'node',
  '--oneliner',
  nodes.join(','),
];

/** "2026-12-04T16:14:16" read as UTC (what TZ=UTC0 makes scontrol print) → epoch seconds; None, Unknown → null. */
export function utcSeconds(text: string | undefined): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text ?? '');
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

// "Key=value" fields; a value runs to the next " Key=" (OS= and Reason= hold blanks: "Not responding [slurm@...]").
const FIELD_START = / (?=[A-Z][A-Za-z0-9_:/]*=)/;

/** Fields of one --oneliner line; repeated blanks between fields are kept out of the values. */
export function parseOnelinerFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of line.trim().split(FIELD_START)) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1).trim());
  }
  return fields;
}

const list = (value: string | undefined) => (!value || value === '(null)' ? [] : value.split(',').filter(Boolean));

export function parseShowNodes(stdout: string): NodeState[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('NodeName='))
    .map((line) => {
      const f = parseOnelinerFields(line);
      return {
        node: f.get('NodeName')!,
        bootTime: utcSeconds(f.get('BootTime')),
        slurmdStartTime: utcSeconds(f.get('SlurmdStartTime')),
        state: f.get('State') ?? '',
        gres: f.get('Gres') === '(null)' ? '' : (f.get('Gres') ?? ''),
        features: list(f.get('AvailableFeatures')),
        partitions: list(f.get('Partitions')),
      };
    });
}

/**
 * The last event that may have changed the node's driver: a reboot, or a slurmd restart (a driver update reloads
 * the kernel module, and sites restart slurmd with it). Null when Slurm knows neither.
 */
export function lastDriverEvent(state: NodeState): number | null {
  const times = [state.bootTime, state.slurmdStartTime].filter((t): t is number => t !== null);
  return times.length ? Math.max(...times) : null;
}
