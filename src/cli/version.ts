// The version --version prints: package.json's "version", its one home, read from the package the code runs from
// (dist/cli, dist/bundle and src/cli all sit two levels below it; npm installs package.json with the package).
import { readFile } from '../state/fs-async.js';

export async function readVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return String((JSON.parse(text) as { version?: unknown }).version);
}
