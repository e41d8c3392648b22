// What the user narrows candidates to: --release, --cuda, --variant, --python (validated here, applied to tags and candidates).
import { InvalidValueError, malformed } from '../errors.js';
import { parseNgcTag, type NgcTag } from './tags.js';
import { compareVersions, cudaRelease, parseVersion } from './version.js';

export interface Constraints {
  /** "YY.MM": only this release. */
  readonly release: string | undefined;
  /** Lowest CUDA the image must have, e.g. "12.4". */
  readonly cuda: string | undefined;
  /** Tag variant or a part of it: "tf1", "tf2-py3", "igpu", "sdk", "trtllm-python-py3". */
  readonly variant: string | undefined;
  /** Python major the tag names ("-py3", "-py2"): NGC tags carry no minor. */
  readonly python: string | undefined;
}

export const NO_CONSTRAINTS: Constraints = {
  release: undefined,
  cuda: undefined,
  variant: undefined,
  python: undefined,
};

/** Shapes of a variant and a Python major, shared with the warm targets' validation (config/sections.ts). */
export const VARIANT_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const PYTHON_SHAPE = /^[23]$/;

/** Validate the constraints as asked; a problem names its field (the CLI words it as the flag). */
export function validateConstraints(raw: Partial<Record<keyof Constraints, string | undefined>>): Constraints {
  const { release, cuda, variant, python } = raw;
  if (release !== undefined && !/^\d{2}\.(0[1-9]|1[0-2])(\.\d+)?$/.test(release)) {
    throw malformed('release', release, {
      hint: 'give an NGC release as YY.MM, e.g. 24.10',
    });
  }
  if (cuda !== undefined && (!parseVersion(cuda) || cuda.split('.').length > 3)) {
    throw malformed('cuda', cuda, {
      hint: 'give the lowest CUDA version the image must have, e.g. 12.4',
    });
  }
  if (variant !== undefined && !VARIANT_SHAPE.test(variant)) {
    throw malformed('variant', variant, {
      hint: 'give a tag variant such as tf1, tf2, igpu, sdk',
    });
  }
  if (python !== undefined && !PYTHON_SHAPE.test(python)) {
    throw new InvalidValueError('python', python, (name) => `unsupported ${name} ${JSON.stringify(python)}`, {
      hint: 'NGC tags name only the Python major: --python 3 (or 2 for releases before 20.03)',
    });
  }
  return { release, cuda, variant, python };
}

/**
 * Does a tag's variant fit? No --variant/--python: exactly the framework's default variant. --variant: every dash-part
 * of it appears in the tag's variant ("tf1" fits "tf1-py3"). --python N: the variant ends in pyN (or contains -pyN-);
 * alone, it keeps the default's family ("tf2-py3" → py3 tags of TF2, or plain "py2" tags from before the split).
 */
function variantFits(variant: string, defaultVariant: string, c: Constraints): boolean {
  const parts = variant.split('-');
  if (c.variant === undefined && c.python === undefined) return variant === defaultVariant;
  if (c.variant !== undefined && !c.variant.split('-').every((p) => parts.includes(p))) return false;
  if (c.python !== undefined) {
    if (!parts.includes(`py${c.python}`)) return false;
    if (c.variant === undefined) {
      const family = defaultVariant.split('-').filter((p) => !/^py\d$/.test(p));
      return parts.filter((p) => !/^py\d$/.test(p)).every((p) => family.includes(p));
    }
  }
  return true;
}

/**
 * NGC tags that fit the constraints, one per release (the default variant when it fits, else the shortest tag),
 * newest release first.
 */
export function matchingTags(tags: readonly string[], defaultVariant: string, c: Constraints): NgcTag[] {
  const byRelease = new Map<string, NgcTag>();
  for (const tag of tags.map(parseNgcTag)) {
    if (!tag || !variantFits(tag.variant, defaultVariant, c)) continue;
    if (c.release !== undefined && tag.release !== c.release) continue;
    const held = byRelease.get(tag.release);
    const better =
      !held ||
      (tag.variant === defaultVariant
        ? held.variant !== defaultVariant
        : held.variant !== defaultVariant && tag.tag.length < held.tag.length);
    if (better) byRelease.set(tag.release, tag);
  }
  return [...byRelease.values()].sort(
    (a, b) => b.order[0] - a.order[0] || b.order[1] - a.order[1] || b.order[2] - a.order[2],
  );
}

/** The --cuda floor, checked once the image's CUDA_VERSION is known; an image whose CUDA is unknown does not fit. */
export function cudaFits(cudaVersion: string | undefined, c: Constraints): boolean {
  if (c.cuda === undefined) return true;
  const have = cudaVersion ? parseVersion(cudaRelease(cudaVersion)) : undefined;
  return have !== undefined && compareVersions(have, parseVersion(c.cuda)!) >= 0;
}

/** For messages: "release 24.10, CUDA ≥ 12.4, variant tf1, Python 3", or "" when unconstrained. */
export function describeConstraints(c: Constraints): string {
  return [
    c.release && `release ${c.release}`,
    c.cuda && `CUDA ≥ ${c.cuda}`,
    c.variant && `variant ${c.variant}`,
    c.python && `Python ${c.python}`,
  ]
    .filter(Boolean)
    .join(', ');
}
