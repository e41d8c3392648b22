// Log levels, apart from pino: the command line and the lazy logger need them without loading pino.

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether an event at `event` is written when the logger is at `threshold` ("silent" writes nothing). */
export const isEnabled = (threshold: LogLevel, event: Exclude<LogLevel, 'silent'>): boolean =>
  threshold !== 'silent' && LOG_LEVELS.indexOf(event) <= LOG_LEVELS.indexOf(threshold);
