// The shipped job templates as the build parsed them (deploy/bundle-cli.mjs writes job-templates.json beside the
// bundle). They are used only for a template whose text on disk is byte-identical to what was parsed: a site's edited
// template, or a run from source (no such file), is parsed as it is.
import { readBuildArtifact } from '../state/build-artifact.js';
import { rememberParsedTemplate } from './render.js';

export const PREBUILT_FILE = 'job-templates.json';

interface Prebuilt {
  readonly text: string;
  readonly tokens: unknown[];
}

const loaded = new Map<string, Promise<Record<string, Prebuilt>>>();

/** Hand render.ts the build's parse of template `name` when `text` is still what the build parsed. */
export async function usePrebuiltParse(name: string, text: string, besideBundle: URL): Promise<void> {
  const file = new URL(PREBUILT_FILE, besideBundle).href;
  if (!loaded.has(file)) loaded.set(file, readBuildArtifact<Prebuilt>(PREBUILT_FILE, besideBundle));
  const entry = (await loaded.get(file)!)[name];
  if (entry?.text === text) rememberParsedTemplate(text, entry.tokens);
}
