// The only pino import: structured events to stderr, secrets redacted by path and by type (Secret prints "[redacted]").
import { pino, type DestinationStream } from 'pino';
import type { Logger } from './types.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      name: 'qsub-container',
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
