// Parse any nvidia-smi output (default table, --query-gpu CSV, -q, -q -x, -L, failure texts) by labels, not columns.

export interface GpuInfo {
  readonly name: string;
  readonly index?: number | undefined;
  readonly busId?: string | undefined;
  readonly uuid?: string | undefined;
}

export type NvidiaSmiFailureReason =
  'no-driver' | 'driver-library-mismatch' | 'nvml-init' | 'no-devices' | 'device-handle' | 'not-found' | 'unparseable';

export type NvidiaSmiResult =
  | {
      readonly kind: 'ok';
      readonly format: 'table' | 'csv' | 'query-text' | 'xml' | 'list';
      /** The kernel driver ("Driver Version", "KMD Version" from 610): the one that decides compatibility. */
      readonly driverVersion: string | null;
      /** Newest CUDA the driver supports, from the header; null when not printed or N/A. */
      readonly cudaVersion: string | null;
      /** Physical GPUs (MIG slices are not counted separately). */
      readonly gpus: readonly GpuInfo[];
    }
  | { readonly kind: 'failure'; readonly reason: NvidiaSmiFailureReason; readonly message: string };

const FAILURES: ReadonlyArray<readonly [RegExp, NvidiaSmiFailureReason]> = [
  [/NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/i, 'no-driver'],
  [/Failed to initialize NVML: Driver\/library version mismatch/i, 'driver-library-mismatch'],
  [/Failed to initialize NVML/i, 'nvml-init'],
  [/No devices were found/i, 'no-devices'],
  [/Unable to determine the device handle for GPU/i, 'device-handle'],
  [
    /nvidia-smi: (?:command )?not found|command not found: nvidia-smi|nvidia-smi.*No such file or directory/i,
    'not-found',
  ],
];

const VERSION = /^\d+(?:\.\d+)+$/;
const cleanVersion = (v: string | undefined) => (v && VERSION.test(v.trim()) ? v.trim() : null);

export interface ParseOptions {
  /** The --query-gpu field list, needed to read CSV printed with noheader. */
  readonly queryFields?: readonly string[];
}

export function parseNvidiaSmi(text: string, options: ParseOptions = {}): NvidiaSmiResult {
  const failure = FAILURES.find(([pattern]) => pattern.test(text));
  if (failure) {
    const line = text.split('\n').find((l) => failure[0].test(l)) ?? text;
    return { kind: 'failure', reason: failure[1], message: line.trim() };
  }
  const parsed =
    parseXml(text) ??
    parseQueryText(text) ??
    parseTable(text) ??
    parseList(text) ??
    parseCsv(text, options.queryFields);
  return parsed ?? { kind: 'failure', reason: 'unparseable', message: firstLine(text) };
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.trim() || '(empty output)';

function parseXml(text: string): NvidiaSmiResult | undefined {
  if (!/<nvidia_smi_log>/.test(text)) return undefined;
  const tag = (name: string, within = text) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(within)?.[1];
  const gpus = [...text.matchAll(/<gpu id="([^"]*)">([\s\S]*?)<\/gpu>/g)].map((m, index) => ({
    name: tag('product_name', m[2]) ?? 'unknown',
    index,
    busId: m[1],
    uuid: tag('uuid', m[2]),
  }));
  return ok('xml', tag('driver_version'), tag('cuda_version'), gpus);
}

function parseQueryText(text: string): NvidiaSmiResult | undefined {
  if (!/=+\s*NVSMI LOG\s*=+/.test(text)) return undefined;
  const field = (label: string, within = text) => new RegExp(`^\\s*${label}\\s*:\\s*(.*?)\\s*$`, 'm').exec(within)?.[1];
  const blocks = text.split(/^GPU (?=[0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d\s*$)/m).slice(1);
  const gpus = blocks.map((block, index) => ({
    name: field('Product Name', block) ?? 'unknown',
    index,
    busId: block.split('\n')[0]?.trim(),
    uuid: field('GPU UUID', block),
  }));
  return ok('query-text', field('(?:Driver|KMD) Version'), field('CUDA (?:UMD )?Version'), gpus);
}

const BUS_ID = '[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\\.[0-9A-Fa-f]';
// "|   0  NVIDIA H100 80GB HBM3          On  |   00000000:00:06.0 Off |" — persistence (On/Off) or, on
// Windows, the driver model (TCC/WDDM) ends the name; the bus id opens the next cell.
const TABLE_GPU_ROW = new RegExp(`^\\|\\s+(\\d+)\\s+(.+?)\\s+(?:On|Off|TCC|WDDM|N/A)\\s*\\|\\s*(${BUS_ID})`);

function parseTable(text: string): NvidiaSmiResult | undefined {
  const header = /NVIDIA-SMI\s+\S+.*?(?:Driver|KMD) Version:\s*(\S+)(?:.*?CUDA (?:UMD )?Version:\s*(\S+))?/.exec(text);
  if (!header) return undefined;
  // GPU rows live between the first "|===" rule and the first blank line (then come MIG and process tables).
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\|=+/.test(l.trim()));
  const rest = start < 0 ? [] : lines.slice(start + 1);
  const end = rest.findIndex((l) => l.trim() === '');
  const gpus: GpuInfo[] = (end < 0 ? rest : rest.slice(0, end)).flatMap((l) => {
    const m = TABLE_GPU_ROW.exec(l);
    return m ? [{ index: Number(m[1]), name: m[2]!.trim(), busId: m[3] }] : [];
  });
  return ok('table', header[1], header[2], gpus);
}

function parseList(text: string): NvidiaSmiResult | undefined {
  const rows = [...text.matchAll(/^GPU (\d+): (.+?) \(UUID: ([^)]+)\)\s*$/gm)];
  if (rows.length === 0) return undefined;
  const gpus = rows.map((m) => ({ index: Number(m[1]), name: m[2]!, uuid: m[3] }));
  return ok('list', undefined, undefined, gpus);
}

function parseCsv(text: string, queryFields: readonly string[] | undefined): NvidiaSmiResult | undefined {
  const rows = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(',').map((cell) => cell.trim()));
  if (rows.length === 0) return undefined;
  const headerNames = rows[0]!.map((cell) => cell.replace(/\s*\[[^\]]*\]$/, '').toLowerCase());
  const hasHeader = headerNames.includes('driver_version') || headerNames.includes('name');
  const fields = hasHeader ? headerNames : (queryFields?.map((f) => f.trim().toLowerCase()) ?? guessFields(rows));
  const data = hasHeader ? rows.slice(1) : rows;
  if (!fields || data.some((r) => r.length !== fields.length)) return undefined;
  const column = (name: string) => fields.indexOf(name);
  const [driverAt, nameAt, indexAt, busAt, uuidAt] = ['driver_version', 'name', 'index', 'pci.bus_id', 'uuid'].map(
    column,
  );
  if (driverAt === -1 && nameAt === -1) return undefined;
  const cell = (row: string[], at: number | undefined) => (at === undefined || at < 0 ? undefined : row[at]);
  const drivers = [...new Set(data.map((r) => cleanVersion(cell(r, driverAt))).filter((d): d is string => d !== null))];
  if (driverAt !== -1 && drivers.length === 0) return undefined;
  const gpus = data.map((r, i) => ({
    name: cell(r, nameAt) ?? 'unknown',
    index: indexAt === -1 ? i : Number(cell(r, indexAt)),
    busId: cell(r, busAt),
    uuid: cell(r, uuidAt),
  }));
  return ok('csv', drivers[0], undefined, gpus);
}

/** Without a header or a field list: a column of 3-digit-major versions is the driver, a column of words the name. */
function guessFields(rows: string[][]): string[] | undefined {
  const width = rows[0]!.length;
  if (rows.some((r) => r.length !== width)) return undefined;
  const columnMatches = (at: number, test: (v: string) => boolean) => rows.every((r) => test(r[at]!));
  const fields = Array.from({ length: width }, (_, at) => {
    if (columnMatches(at, (v) => /^\d{3}\.\d+(?:\.\d+)?$/.test(v))) return 'driver_version';
    if (columnMatches(at, (v) => /[A-Za-z]{2,}/.test(v) && !/^GPU-|^[0-9A-Fa-f]{4,8}:/.test(v) && !/\d+ ?MiB$/.test(v)))
      return 'name';
    return `column${at}`;
  });
  // A guess without a driver column is no reading at all (a stray line of text would look like a name).
  return fields.includes('driver_version') ? fields : undefined;
}

function ok(
  format: Extract<NvidiaSmiResult, { kind: 'ok' }>['format'],
  driver: string | undefined,
  cuda: string | undefined,
  gpus: readonly GpuInfo[],
): NvidiaSmiResult {
  return { kind: 'ok', format, driverVersion: cleanVersion(driver), cudaVersion: cleanVersion(cuda), gpus };
}
