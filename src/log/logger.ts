// The only pino import: structured events to stderr, secrets redacted by path and by type (Secret prints "[redacted]").
// pino is loaded on the first event the level lets through: most runs at "warn" log nothing and never pay its ~20 ms.
import type { DestinationStream } from 'pino';
import { isEnabled, type LogLevel } from './levels.js';
import type { Logger } from './types.js';

export { LOG_LEVELS, type LogLevel } from './levels.js';

/** Paths pino censors wherever a caller puts them by mistake; Secret values are safe by construction. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'auth',
  '*.auth',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'identitytoken',
  '*.identitytoken',
  'credentials.password',
  '*.credentials.password',
  // Registry credential variables (src/registry/secret-env.ts), should an env object ever be logged.
  'env.APPTAINER_DOCKER_PASSWORD',
  'env.SINGULARITY_DOCKER_PASSWORD',
  'env.NGC_API_KEY',
  '*.env.APPTAINER_DOCKER_PASSWORD',
  '*.env.SINGULARITY_DOCKER_PASSWORD',
  '*.env.NGC_API_KEY',
];

/** A Logger at `level`; pino (CommonJS, so loadable synchronously) is created when the first enabled event arrives. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  let real: Logger | undefined;
  const method = (name: keyof Logger & Exclude<LogLevel, 'silent'>) =>
    isEnabled(level, name)
      ? (event: Record<string, unknown>, message?: string) => {
          real ??= createPino(level, destination);
          if (message === undefined) real[name](event);
          else real[name](event, message);
        }
      : () => {};
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/**
 * Lines go through process.stderr, not pino.destination(2): sonic-boom's flush at exit retries a write to a closed pipe
 * forever (`… 2>&1 >/dev/null | head` hung), while process.stderr reports it as an 'error' event, which ends the run
 * quietly (cli/stop.ts). Writes to pipes and files are synchronous in Node on Linux, so no line is lost at exit.
 */
function createPino(level: LogLevel, destination: DestinationStream | undefined): Logger {
  // createRequire on first use: node:module costs ~1.4 ms to load, and most runs never log.
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  const { pino } = require('pino') as typeof import('pino');
  return pino(
    {
      name: 'qsub-container',
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? { write: (line: string) => process.stderr.write(line) },
  );
}
