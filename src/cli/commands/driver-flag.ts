// --driver as typed: a dotted driver version such as nvidia-smi prints (pure).
import { UsageError } from '../../errors.js';
import { parseVersion } from '../../ngc/version.js';

export function validateDriver(value: string): string {
  if (!parseVersion(value) || value.split('.').length < 2) {
    throw new UsageError(`malformed --driver ${JSON.stringify(value)}`, {
      hint: 'give the driver version nvidia-smi prints, e.g. 535.104.05',
    });
  }
  return value;
}
