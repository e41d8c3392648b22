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
  /**
   * Why it cannot run on the testbed, or undefined: `# not run by the tests: REASON` right above it, or
   * `<!-- not run by the tests: REASON -->` right above its block (for every example of the block).
   */
  readonly skip: string | undefined;
}

const FENCE = /^```(\S*)\s*$/;
const SKIP = /^# not run by the tests:(.*)$/;
const EXIT = /\s+# exit (\d+)\s*$/;
const BLOCK_SKIP = /^<!--\s*not run by the tests:(.*?)-->\s*$/;

/** Every example, and every place that breaks the convention (a `$ ` line outside an `sh` block, stray output...). */
export function readmeExamples(markdown: string): { examples: ReadmeExample[]; problems: string[] } {
  const examples: ReadmeExample[] = [];
  const problems: string[] = [];
  let block: string | undefined;
  let current: { line: number; command: string; exit: number; output: string[]; skip: string | undefined } | undefined;
  let skip: { line: number; reason: string } | undefined;
  // A block marker: the reason every example of the next block cannot run here (the block must follow at once).
  let blockSkip: { line: number; reason: string } | undefined;
  let pendingBlockSkip: { line: number; reason: string } | undefined;
  const close = () => {
    if (current) examples.push(current);
    current = undefined;
  };
  markdown.split('\n').forEach((text, index) => {
    const line = index + 1;
    const fence = FENCE.exec(text);
    if (fence) {
      if (block === undefined) {
        block = fence[1] ?? '';
        blockSkip = pendingBlockSkip;
        pendingBlockSkip = undefined;
        if (blockSkip && block !== 'sh')
          problems.push(`line ${blockSkip.line}: "not run by the tests" is above a block that is not sh`);
      } else {
        close();
        if (skip) problems.push(`line ${skip.line}: "not run by the tests" is followed by no example`);
        if (blockSkip && !examples.some((e) => e.line > blockSkip!.line))
          problems.push(`line ${blockSkip.line}: "not run by the tests" is followed by no example`);
        skip = undefined;
        blockSkip = undefined;
        block = undefined;
      }
      return;
    }
    if (block === undefined) {
      if (pendingBlockSkip)
        problems.push(`line ${pendingBlockSkip.line}: "not run by the tests" is not right above a block`);
      pendingBlockSkip = undefined;
      const marked = BLOCK_SKIP.exec(text);
      if (marked) {
        if (marked[1]!.trim() === '') problems.push(`line ${line}: "not run by the tests" without a reason`);
        pendingBlockSkip = { line, reason: marked[1]!.trim() };
      }
      return;
    }
    if (block !== 'sh') {
      if (text.startsWith('$ ')) problems.push(`line ${line}: a "$ " example outside a fenced sh block`);
      return;
    }
    if (text.startsWith('$ ')) {
      close();
      const exit = EXIT.exec(text);
      const command = (exit ? text.slice(0, exit.index) : text).slice(2).trim();
      current = { line, command, exit: exit ? Number(exit[1]) : 0, output: [], skip: (skip ?? blockSkip)?.reason };
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
  if (pendingBlockSkip)
    problems.push(`line ${pendingBlockSkip.line}: "not run by the tests" is not right above a block`);
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
