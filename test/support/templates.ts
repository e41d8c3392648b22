// The shipped job templates with their partials, read synchronously for tests (as templates/load.ts reads them).
import { readFileSync } from 'node:fs';
import { JOB_TEMPLATE, PULL_TEMPLATE } from '../../src/job/templates.js';
import { partialNames, type Template } from '../../src/templates/render.js';

const DIR = new URL('../../job-templates/', import.meta.url);

export function shippedTemplate(name: string): Template {
  const text = readFileSync(new URL(name, DIR), 'utf8');
  const partials: Record<string, string> = {};
  const add = (names: readonly string[]) => {
    for (const partial of names.filter((n) => !(n in partials))) {
      const text = readFileSync(new URL(`${partial}.mustache`, DIR), 'utf8');
      partials[partial] = text;
      add(partialNames(text));
    }
  };
  add(partialNames(text));
  return { text, partials };
}

export const JOB = shippedTemplate(JOB_TEMPLATE);
export const PULL = shippedTemplate(PULL_TEMPLATE);
