// The logging port: what modules may call. pino's logger satisfies it; tests pass a capturing fake.

type LogFn = (event: Record<string, unknown>, message?: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
