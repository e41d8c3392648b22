// The project's Markdown files link only to files that exist and to headings those files have (GitHub's anchors), so
// moving or renaming a section cannot leave a dead link behind.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FILES = [
  'README.md',
  'CONTRIBUTING.md',
  'job-templates/README.md',
  'deploy/testbed/README.md',
  'deploy/site/README.md',
  'deploy/testbed/runtimes/README.md',
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function links(markdown: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) if (!/^[a-z]+:/.test(m[1]!)) found.push(m[1]!);
  }
  return found;
}

describe('Markdown links', () => {
  it('reads anchors as GitHub makes them', () => {
    expect([
      ...anchorsOf("## Remote submission (`--host`)\n## The site's driver map\n## Usage\n## Usage\n```\n# not\n```"),
    ]).toEqual(['remote-submission---host', 'the-sites-driver-map', 'usage', 'usage-1']);
  });

  it.each(FILES.filter((f) => existsSync(join(ROOT, f))))('%s links to files and headings that exist', (file) => {
    const dead = links(readFileSync(join(ROOT, file), 'utf8')).filter((target) => {
      const [path, anchor] = target.split('#');
      const to = path ? join(dirname(join(ROOT, file)), path) : join(ROOT, file);
      if (!existsSync(to)) return true;
      return anchor !== undefined && to.endsWith('.md') && !anchorsOf(readFileSync(to, 'utf8')).has(anchor);
    });
    expect(dead, `dead links in ${relative(ROOT, join(ROOT, file))}`).toEqual([]);
  });
});
