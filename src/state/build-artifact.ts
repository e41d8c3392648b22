// Files the build writes beside the bundle (deploy/bundle-cli.mjs): missing or unreadable is normal for a run from
// source, and then means "nothing made ahead".
import { readFile } from './fs-async.js';

export const readBuildArtifact = <T>(name: string, besideBundle: URL): Promise<Record<string, T>> =>
  readFile(new URL(name, besideBundle), 'utf8').then(
    (json) => JSON.parse(json) as Record<string, T>,
    () => ({}),
  );
