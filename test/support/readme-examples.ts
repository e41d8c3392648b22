// The command examples of README.md, read by the convention CONTRIBUTING.md states (pure: markdown text in, examples out).

/** One `$ ` line of a fenced `sh` block: the command, the exit code it documents, the output it shows. */
export interface ReadmeExample {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly command: string;
  /** The trailing `# exit N`, else 0. */
  readonly exit: number;
  /** Lines shown right after the command: each must match a line of its output (`…` is any text). */
  readonly output: readonly string[];
  /** Why it cannot run on the testbed (`# not run by the tests: REASON` right above it), or undefined. */
  readonly skip: string | undefined;
}

const FENCE = /^```(\S*)\s*$/;
const SKIP = /^# not run by the tests:(.*)$/;
const EXIT = /\s+# exit (\d+)\s*$/;

/** Every example, and every place that breaks the convention (a `$ ` line outside an `sh` block, stray output...). */
export function readmeExamples(markdown: string): { examples: ReadmeExample[]; problems: string[] } {
  const examples: ReadmeExample[] = [];
  const problems: string[] = [];
  let block: string | undefined;
  let current: { line: number; command: string; exit: number; output: string[]; skip: string | undefined } | undefined;
  let skip: { line: number; reason: string } | undefined;
  const close = () => {
    if (current) examples.push(current);
    current = undefined;
  };
  markdown.split('\n').forEach((text, index) => {
    const line = index + 1;
    const fence = FENCE.exec(text);
    if (fence) {
      if (block === undefined) block = fence[1] ?? '';
      else {
        close();
        if (skip) problems.push(`line ${skip.line}: "not run by the tests" is followed by no example`);
        skip = undefined;
        block = undefined;
      }
      return;
    }
    if (block === undefined) return;
    if (block !== 'sh') {
      if (text.startsWith('$ ')) problems.push(`line ${line}: a "$ " example outside a fenced sh block`);
      return;
    }
    if (text.startsWith('$ ')) {
      close();
      const exit = EXIT.exec(text);
      const command = (exit ? text.slice(0, exit.index) : text).slice(2).trim();
      current = { line, command, exit: exit ? Number(exit[1]) : 0, output: [], skip: skip?.reason };
      skip = undefined;
      return;
    }
    if (text === '#' || text.startsWith('# ')) {
      close();
      const marked = SKIP.exec(text);
      if (marked) {
        if (marked[1]!.trim() === '') problems.push(`line ${line}: "not run by the tests" without a reason`);
        skip = { line, reason: marked[1]!.trim() };
      } else if (skip) problems.push(`line ${skip.line}: "not run by the tests" is followed by no example`);
      return;
    }
    if (text.trim() === '') return close();
    if (current) current.output.push(text);
    else problems.push(`line ${line}: output shown with no "$ " command above it`);
  });
  if (block !== undefined) problems.push('a fenced block is not closed');
  return { examples, problems };
}

/** Whether an output line matches a shown line: `…` is any text, runs of white space count as one, ends are trimmed. */
export function matchesShown(shown: string, actual: string): boolean {
  const normal = (s: string) => s.trim().replace(/\s+/g, ' ');
  const pattern = normal(shown)
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(normal(actual));
}
