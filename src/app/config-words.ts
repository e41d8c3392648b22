// The domain's field names as a site config spells them, for what the warmer refuses in its targets (README:
// Configuration): the admin reads the key they wrote, never a flag.
import { ConfigError, InvalidValueError, type Field } from '../errors.js';

const KEY_OF: Readonly<Partial<Record<Field, string>>> = {
  partition: 'warm target partition',
  gpuType: 'warm target GPU type',
  policy: '"policy"',
  variant: '"variant"',
  python: '"python"',
  release: '"release"',
  cuda: '"cuda"',
  account: '"account"',
};

/** A refused value as a configuration error in config words; any other error as it is. */
export function inConfigWords(error: unknown): unknown {
  if (!(error instanceof InvalidValueError)) return error;
  return new ConfigError(error.wordedFor(KEY_OF[error.field] ?? `"${error.field}"`), {
    hint: error.hint,
    cause: error,
  });
}
