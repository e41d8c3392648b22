// Parse any nvidia-smi output (table, --query-gpu CSV, -q, -q -x, -L, --version, failure texts) by labels, not columns.

export interface GpuInfo {
  readonly name: string;
  readonly index?: number | undefined;
  readonly busId?: string | undefined;
  readonly uuid?: string | undefined;
}

export type NvidiaSmiFormat = 'table' | 'csv' | 'query-text' | 'xml' | 'list' | 'version';

export type NvidiaSmiFailureReason =
  | 'no-driver'
  | 'driver-library-mismatch'
  | 'nvml-init'
  | 'permission'
  | 'no-devices'
  | 'device-handle'
  | 'not-found'
  /** nvidia-smi refused its own arguments (--version before driver 5xx, a field it does not know). */
  | 'invalid-arguments'
  /** Read, but names no driver version: -L, a CSV query without driver_version, a driver of [N/A]. */
  | 'no-driver-version'
  /** Headerless CSV of several fields (or of values a reading could also be) with no field list to read it by. */
  | 'unknown-fields'
  /** Outputs of several nodes, joined, that name different drivers: which one a job gets is not in the text. */
  | 'several-drivers'
  | 'unparseable';

export type NvidiaSmiResult =
  | {
      readonly kind: 'ok';
      readonly format: NvidiaSmiFormat;
      /** The kernel driver ("KMD Version" from 610, "Driver Version" before): the one that decides compatibility. */
      readonly driverVersion: string;
      /** Newest CUDA the driver supports ("CUDA UMD Version" from 610); null when not printed or N/A. */
      readonly cudaVersion: string | null;
      /** Physical GPUs (MIG slices are not counted separately). */
      readonly gpus: readonly GpuInfo[];
    }
  | {
      readonly kind: 'failure';
      readonly reason: NvidiaSmiFailureReason;
      /** One line: the failure text nvidia-smi printed, or what was read and why it names no driver. */
      readonly message: string;
      /** GPUs the output did list (a -L or a CSV without a driver column), for the message. */
      readonly gpus?: readonly GpuInfo[];
    };

/** The forms that name the driver, for hints: what to capture instead of an output that did not. */
export const DRIVER_CAPTURE_HINT =
  'capture `nvidia-smi --query-gpu=driver_version,name --format=csv` (with its header), `nvidia-smi -q` ' +
  'or /proc/driver/nvidia/version';

// Texts nvidia-smi prints instead of an output, whatever its exit code. Checked first: none occurs in a real output.
const FAILURES: ReadonlyArray<readonly [RegExp, NvidiaSmiFailureReason]> = [
  [/NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/i, 'no-driver'],
  [/Failed to initialize NVML: Driver\/library version mismatch/i, 'driver-library-mismatch'],
  [/Failed to initialize NVML: Insufficient Permissions|NVML: Insufficient Permissions/i, 'permission'],
  [/Failed to initialize NVML/i, 'nvml-init'],
  [/No devices were found/i, 'no-devices'],
  [/Unable to determine the device handle for GPU/i, 'device-handle'],
  [
    /nvidia-smi: (?:command )?not found|command not found: nvidia-smi|nvidia-smi.*No such file or directory|couldn't find libnvidia-ml/i,
    'not-found',
  ],
  [/Invalid combination of input arguments|is not a valid field to query|Unrecognized option/i, 'invalid-arguments'],
];

const VERSION = /^\d+(?:\.\d+)+$/;
/** "610.47 [Deprecated; ...]" → "610.47"; "Deprecated, see ...", "N/A", "[N/A]" → null. */
const leadingVersion = (value: string | undefined) => {
  const token = value?.trim().split(/[\s[]/, 1)[0];
  return token && VERSION.test(token) ? token : null;
};

export interface ParseOptions {
  /** The --query-gpu field list, needed to read CSV printed with noheader. */
  readonly queryFields?: readonly string[];
}

/**
 * What a saved capture looks like after a round trip through other systems: CRLF line ends (Windows, e-mail), a
 * UTF-8 byte-order mark, or UTF-16 (PowerShell's `>`) read as UTF-8 — every other byte NUL, the BOM two U+FFFD.
 */
export function normalizeCapture(text: string): string {
  const decoded = text.includes('\u0000') ? text.replace(/\u0000/g, '').replace(/^\uFFFD{1,2}/, '') : text;
  return decoded.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

export function parseNvidiaSmi(raw: string, options: ParseOptions = {}): NvidiaSmiResult {
  const text = normalizeCapture(raw);
  const failure = FAILURES.find(([pattern]) => pattern.test(text));
  if (failure) {
    const line = text.split('\n').find((l) => failure[0].test(l)) ?? text;
    return { kind: 'failure', reason: failure[1], message: line.trim() };
  }
  const parsed =
    parseXml(text) ??
    parseKeyValues(text) ??
    parseTable(text) ??
    parseList(text) ??
    parseCsv(text, options.queryFields);
  return parsed ?? { kind: 'failure', reason: 'unparseable', message: `not an nvidia-smi output: ${firstLine(text)}` };
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.trim() || '(empty output)';

/** The result from every driver the text names (one per node it came from) and the GPUs it lists. */
function result(
  format: NvidiaSmiFormat,
  what: string,
  drivers: ReadonlyArray<string | null>,
  cuda: string | null,
  gpus: readonly GpuInfo[],
): NvidiaSmiResult {
  const named = [...new Set(drivers.filter((d): d is string => d !== null))];
  if (named.length > 1)
    return {
      kind: 'failure',
      reason: 'several-drivers',
      message: `${what} names ${named.length} different drivers (${named.join(', ')}): it joins several nodes' outputs`,
      gpus,
    };
  if (named.length === 0) {
    const models = [...new Set(gpus.map((g) => g.name))].join(', ');
    return {
      kind: 'failure',
      reason: 'no-driver-version',
      message: `${what} lists ${gpus.length} GPU(s)${models ? ` (${models})` : ''} but names no driver version`,
      gpus,
    };
  }
  return { kind: 'ok', format, driverVersion: named[0]!, cudaVersion: cuda, gpus };
}

function parseXml(text: string): NvidiaSmiResult | undefined {
  if (!/<nvidia_smi_log>/.test(text)) return undefined;
  const all = (name: string) =>
    [...text.matchAll(new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'g'))].map((m) => leadingVersion(m[1]));
  const tag = (name: string, within: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(within)?.[1];
  const gpus = [...text.matchAll(/<gpu id="([^"]*)">([\s\S]*?)<\/gpu>/g)].map((m, index) => ({
    name: tag('product_name', m[2]!) ?? 'unknown',
    index,
    busId: m[1],
    uuid: tag('uuid', m[2]!),
  }));
  // From 610 the kernel module's version is <kmd_version> (named after -q's "KMD Version"); <driver_version> before.
  const kmd = all('kmd_version').filter(Boolean);
  const drivers = kmd.length > 0 ? kmd : all('driver_version');
  const cuda = [...all('cuda_umd_version'), ...all('cuda_version')].find(Boolean) ?? null;
  return result('xml', 'the nvidia-smi -q -x output', drivers, cuda, gpus);
}

// "Label   : value" lines, as -q prints them ("Driver Version : 580.159.04") and as --version prints them
// ("DRIVER version      : 590.48.01"); from 610 the old labels carry "[Deprecated; ...]" or "Deprecated, see ..."
// and "KMD Version" / "CUDA UMD Version" follow. Also read from a grep of -q (no banner, no GPU blocks).
const KEY_VALUE = /^[ \t]*([A-Za-z][A-Za-z0-9 .-]*?)[ \t]*:[ \t]*(.*?)[ \t]*$/gm;

function parseKeyValues(text: string): NvidiaSmiResult | undefined {
  const pairs = [...text.matchAll(KEY_VALUE)].map((m) => [m[1]!.toLowerCase().replace(/\s+/g, ' '), m[2]!] as const);
  const values = (label: string) => pairs.filter(([k]) => k === label).map(([, v]) => leadingVersion(v));
  const isVersionOutput = pairs.some(([k]) => k === 'nvidia-smi version');
  const isQuery = /=+\s*NVSMI LOG\s*=+/.test(text);
  const kmd = values('kmd version').filter(Boolean);
  const drivers = kmd.length > 0 ? kmd : values('driver version');
  if (!isVersionOutput && !isQuery && drivers.length === 0) return undefined;
  const cuda = [...values('cuda umd version'), ...values('cuda version')].find(Boolean) ?? null;
  if (isVersionOutput) return result('version', 'the nvidia-smi --version output', drivers, cuda, []);
  return result('query-text', 'the nvidia-smi -q output', drivers, cuda, queryGpus(text));
}

function queryGpus(text: string): GpuInfo[] {
  const field = (label: string, within: string) =>
    new RegExp(`^\\s*${label}\\s*:\\s*(.*?)\\s*$`, 'm').exec(within)?.[1];
  const blocks = text.split(/^GPU (?=[0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d\s*$)/m).slice(1);
  if (blocks.length === 0)
    return [...text.matchAll(/^\s*Product Name\s*:\s*(.*?)\s*$/gm)].map((m, index) => ({ name: m[1]!, index }));
  return blocks.map((block, index) => ({
    name: field('Product Name', block) ?? 'unknown',
    index,
    busId: block.split('\n')[0]?.trim(),
    uuid: field('GPU UUID', block),
  }));
}

const BUS_ID = '[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\\.[0-9A-Fa-f]';
// "|   0  NVIDIA H100 80GB HBM3          On  |   00000000:00:06.0 Off |" — persistence (On/Off) or, on
// Windows, the driver model (TCC/WDDM) ends the name; the bus id opens the next cell.
const TABLE_GPU_ROW = new RegExp(`^\\|\\s+(\\d+)\\s+(.+?)\\s+(?:On|Off|TCC|WDDM|N/A)\\s*\\|\\s*(${BUS_ID})`);
const TABLE_HEADER = /NVIDIA-SMI\s+\S+.*?(?:Driver|KMD) Version:\s*(\S+)(?:.*?CUDA (?:UMD )?Version:\s*(\S+))?/;

function parseTable(text: string): NvidiaSmiResult | undefined {
  const lines = text.split('\n');
  const headers = lines.flatMap((l, at) => {
    const m = TABLE_HEADER.exec(l);
    return m ? [{ at, driver: leadingVersion(m[1]), cuda: leadingVersion(m[2]) }] : [];
  });
  if (headers.length === 0) return undefined;
  // One table per header (several when outputs of several nodes were joined). Its GPU rows live between its first
  // "|===" rule and the next blank line; the MIG and process tables come after.
  const gpus = headers.flatMap((h, i) => {
    const own = lines.slice(h.at + 1, headers[i + 1]?.at ?? lines.length);
    const start = own.findIndex((l) => /^\|=+/.test(l.trim()));
    const rest = start < 0 ? [] : own.slice(start + 1);
    const end = rest.findIndex((l) => l.trim() === '');
    return (end < 0 ? rest : rest.slice(0, end)).flatMap((l) => {
      const m = TABLE_GPU_ROW.exec(l);
      return m ? [{ index: Number(m[1]), name: m[2]!.trim(), busId: m[3] }] : [];
    });
  });
  const drivers = headers.map((h) => h.driver);
  return result('table', 'the nvidia-smi table', drivers, headers.find((h) => h.cuda)?.cuda ?? null, gpus);
}

function parseList(text: string): NvidiaSmiResult | undefined {
  const rows = [...text.matchAll(/^GPU (\d+): (.+?) \(UUID: ([^)]*)\)\s*$/gm)];
  if (rows.length === 0) return undefined;
  const gpus = rows.map((m) => ({ index: Number(m[1]), name: m[2]!, uuid: m[3] || undefined }));
  return result('list', 'nvidia-smi -L', [], null, gpus);
}

// A --query-gpu header cell: a field name, with its unit when printed without nounits ("memory.total [MiB]").
const HEADER_CELL = /^[a-z][a-z0-9_.]*(?: \[[^\]]+\])?$/;
const cellsOf = (line: string) => line.split(',').map((c) => c.trim());

function parseCsv(text: string, queryFields: readonly string[] | undefined): NvidiaSmiResult | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const isHeader = (line: string) => cellsOf(line).every((c) => HEADER_CELL.test(c));
  // A header applies to the rows under it, up to the next one (joined outputs of several nodes repeat it); lines
  // before the first header (a login banner) are not data. Without a header, the caller's field list reads the rows.
  const segments: Array<{ fields: string[]; rows: string[][] }> = [];
  const given = queryFields?.map((f) => f.trim().toLowerCase());
  let current: { fields: string[]; rows: string[][] } | undefined = given && { fields: given, rows: [] };
  if (current) segments.push(current);
  for (const line of lines) {
    if (isHeader(line)) {
      current = { fields: cellsOf(line).map((c) => c.replace(/\s*\[[^\]]*\]$/, '')), rows: [] };
      segments.push(current);
    } else current?.rows.push(cellsOf(line));
  }
  if (segments.length === 0) return headerless(lines);
  // A row of another width is not data: a truncated last line, or a warning printed between the rows.
  const rows = segments.flatMap((s) => s.rows.filter((r) => r.length === s.fields.length).map((r) => ({ s, r })));
  if (rows.length === 0) return undefined;
  const cell = (s: { fields: string[] }, r: string[], name: string) => {
    const at = s.fields.indexOf(name);
    return at < 0 ? undefined : r[at];
  };
  const gpus = rows.map(({ s, r }, i) => {
    const index = cell(s, r, 'index');
    return {
      name: cell(s, r, 'name') ?? 'unknown',
      index: index !== undefined && /^\d+$/.test(index) ? Number(index) : i,
      busId: cell(s, r, 'pci.bus_id'),
      uuid: cell(s, r, 'uuid'),
    };
  });
  const drivers = rows.map(({ s, r }) => leadingVersion(cell(s, r, 'driver_version')));
  const what = `the --query-gpu CSV (${[...new Set(segments.flatMap((s) => s.fields))].join(', ')})`;
  return result('csv', what, drivers, null, gpus);
}

/**
 * Headerless CSV without a field list. One column of driver versions is read as the driver only when no reading
 * could print the same text: a power or clock value has exactly two decimals ("200.00"), a driver version has three
 * parts ("580.159.04") or a 2-part one ("580.142") ... except "560.94", which a power limit could also be.
 * Several columns are never guessed (a power limit was once taken for the driver).
 */
function headerless(lines: readonly string[]): NvidiaSmiResult | undefined {
  const rows = lines.map(cellsOf);
  const width = rows[0]!.length;
  if (rows.some((r) => r.length !== width)) return undefined;
  if (width > 1)
    return {
      kind: 'failure',
      reason: 'unknown-fields',
      message: `headerless CSV of ${width} fields (${lines[0]!.trim()}): which one is the driver is not in the text`,
    };
  const values = rows.map((r) => r[0]!);
  if (!values.every((v) => VERSION.test(v) && Number(v.split('.')[0]) >= 100)) return undefined;
  if (values.some((v) => /^\d+\.\d{2}$/.test(v)))
    return {
      kind: 'failure',
      reason: 'unknown-fields',
      message: `headerless CSV of one field (${values[0]}): a driver version or a reading (power, clocks) printed alike`,
    };
  return result(
    'csv',
    'the --query-gpu CSV',
    values,
    null,
    values.map(() => ({ name: 'unknown' })),
  );
}
