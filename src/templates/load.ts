// A job template and the partials it includes ({{> name}} is name.mustache beside it), read through the reader the
// caller passes (which may also hand render.ts the build's parse of each text: templates/prebuilt.ts).
import { partialNames, type Template } from './render.js';

export async function loadTemplate(name: string, read: (file: string) => Promise<string>): Promise<Template> {
  const text = await read(name);
  const partials: Record<string, string> = {};
  let wanted = partialNames(text);
  while (wanted.length > 0) {
    const texts = await Promise.all(wanted.map((partial) => read(`${partial}.mustache`)));
    wanted.forEach((partial, i) => (partials[partial] = texts[i]!));
    wanted = [...new Set(texts.flatMap(partialNames))].filter((partial) => !(partial in partials));
  }
  return { text, partials };
}
