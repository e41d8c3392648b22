// What a selection asks for, as one value: policy (request > config > native; forward-compat only where the site
// allows it) and the candidates' constraints; the same for a submission and a warm target (pure).
import type { WarmTarget } from '../cache/settings.js';
import type { Settings } from '../config/resolve.js';
import { ConfigError, InvalidValueError, UsageError } from '../errors.js';
import { inConfigWords } from './config-words.js';
import { validateConstraints, type Constraints } from '../ngc/constraints.js';
import { POLICIES, type Policy, type SelectOptions } from '../ngc/select.js';

/** Selection as asked (submit's flags, a warm target's keys), before validation. */
export interface SelectionInput {
  readonly policy: string | undefined;
  readonly release: string | undefined;
  readonly cuda: string | undefined;
  readonly variant: string | undefined;
  readonly python: string | undefined;
}

export interface SelectionRequest {
  readonly constraints: Constraints;
  readonly policy: Policy;
}

export function selectionRequest(args: SelectionInput, settings: Settings): SelectionRequest {
  const constraints = validateConstraints(args);
  const policy = (args.policy ?? settings.policy ?? 'native') as Policy;
  if (!POLICIES.includes(policy))
    throw new InvalidValueError('policy', policy, (name) => `unknown ${name} ${JSON.stringify(policy)}`, {
      hint: `use one of ${POLICIES.join(', ')}`,
    });
  if (policy === 'forward-compat' && settings.forwardCompat !== 'data-center') {
    throw new UsageError('policy forward-compat is not enabled on this site', {
      hint: 'forward compatibility is a site decision: an admin sets "forwardCompat": "data-center" in the site config; use native or minor-compat meanwhile',
    });
  }
  return { constraints, policy };
}

export const selectOptions = (request: SelectionRequest, gpuNames: readonly string[]): SelectOptions => ({
  policy: request.policy,
  gpuNames,
});

/**
 * What a warm target selects with: its policy/variant/python stand where submit's flags do, so the warmer caches the
 * digest a submission on the target's partitions picks (target > site default > native, the same forward-compat gate).
 */
export function warmTargetSelection(
  target: Extract<WarmTarget, { kind: 'framework' }>,
  settings: Settings,
): SelectionRequest {
  try {
    return selectionRequest(
      { policy: target.policy, variant: target.variant, python: target.python, release: undefined, cuda: undefined },
      settings,
    );
  } catch (error) {
    // A flag a user typed is a usage error; the same word in a warm target is the site config's, in its own words.
    const worded = inConfigWords(error);
    if (worded instanceof UsageError || worded instanceof ConfigError)
      throw new ConfigError(`warm target ${target.framework}: ${worded.message}`, { hint: worded.hint });
    throw error;
  }
}
