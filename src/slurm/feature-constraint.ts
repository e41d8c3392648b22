// Slurm feature constraints (-C): checked for the characters sbatch reads, and evaluated against a node group's features where that is exact.
import { malformed } from '../errors.js';

/** A constraint the probe can judge per node, or the reason it cannot (then the whole partition counts). */
export type FeatureConstraint =
  | { readonly kind: 'evaluated'; readonly test: (features: readonly string[]) => boolean }
  | { readonly kind: 'unevaluated'; readonly why: string };

// Feature names (letters, digits, "_", ".", "+", ":", "=", "-") and the operators of sbatch --constraint: & | [ ] ( ) * !
const CONSTRAINT = /^[A-Za-z0-9_.+:=&|[\]()*!-]+$/;
const FEATURE = /^[A-Za-z0-9_.+:=-]+$/;

/** A single feature name, not an expression. */
export const isFeatureName = (text: string) => FEATURE.test(text);

export function validateConstraint(value: string): string {
  if (!CONSTRAINT.test(value)) {
    throw malformed('constraint', value, {
      hint: 'give a Slurm feature (sinfo -o "%N %f" lists them) or an expression of features with & | [ ] ( ) *, without spaces',
    });
  }
  return value;
}

/** A constraint as given, checked once: its text (for sbatch, srun and caches) and what a per-group filter makes of it. */
export interface SlurmConstraint {
  readonly text: string;
  readonly parsed: FeatureConstraint;
}

export const parseConstraint = (text: string): SlurmConstraint => ({
  text,
  parsed: parseFeatureConstraint(validateConstraint(text)),
});

type Test = (features: readonly string[]) => boolean;
class Unevaluated extends Error {}

/**
 * A single feature, "a&b", "a|b", "[a|b]" (matching OR: still one of them per node), and parentheses around such
 * groups. Counts ("a*2"), NOT ("!a") and & mixed with | on one level are left to Slurm: their precedence and
 * per-node meaning are not something a per-group filter can reproduce exactly.
 */
export function parseFeatureConstraint(text: string): FeatureConstraint {
  const tokens = text.match(/[A-Za-z0-9_.+:=-]+|./g) ?? [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Unevaluated(why);
  };
  const group = (close: string | undefined): Test => {
    const terms: Test[] = [];
    let op: string | undefined;
    for (;;) {
      const token = tokens[at++];
      if (token === '(' || token === '[') terms.push(group(token === '(' ? ')' : ']'));
      else if (token !== undefined && FEATURE.test(token)) terms.push((features) => features.includes(token));
      else
        fail(
          token === '*' || token === '!' ? `"${token}" (counts, NOT)` : `an operand missing at "${token ?? 'the end'}"`,
        );
      const next = tokens[at++];
      if (next === close) break;
      if (next !== '&' && next !== '|')
        fail(next === '*' ? 'counts ("*N")' : `"${next ?? 'the end'}" where & or | was expected`);
      if (op !== undefined && op !== next) fail('& and | mixed without parentheses');
      op = next;
    }
    if (close === ']' && op === '&') fail('"&" inside brackets (multiple counts)');
    return op === '|' ? (f) => terms.some((t) => t(f)) : (f) => terms.every((t) => t(f));
  };
  try {
    return { kind: 'evaluated', test: group(undefined) };
  } catch (error) {
    if (error instanceof Unevaluated) return { kind: 'unevaluated', why: error.message };
    throw error;
  }
}
