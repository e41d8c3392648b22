// The selection flags resolved with settings: policy precedence, forward-compat only where the site config allows it.
import { describe, expect, it } from 'vitest';
import { selectionRequest, warmTargetSelection } from '../../../src/app/selection.js';
import { ConfigError } from '../../../src/errors.js';
import { resolveSettings } from '../../../src/config/resolve.js';

const settings = (site: object, user: object = {}) =>
  resolveSettings(
    [
      { source: 'site.json', values: site },
      { source: 'user.json', values: user },
    ],
    '/c',
  );
const NONE = { policy: undefined, release: undefined, cuda: undefined, variant: undefined, python: undefined };

describe('selectionRequest', () => {
  it('defaults to native, takes the config policy, and lets the flag win', () => {
    expect(selectionRequest(NONE, settings({}).settings).policy).toBe('native');
    expect(selectionRequest(NONE, settings({}, { policy: 'minor-compat' }).settings).policy).toBe('minor-compat');
    expect(selectionRequest({ ...NONE, policy: 'native' }, settings({ policy: 'minor-compat' }).settings).policy).toBe(
      'native',
    );
  });

  it('allows forward-compat only when the site config says data-center', () => {
    const wanted = { ...NONE, policy: 'forward-compat' };
    expect(() => selectionRequest(wanted, settings({}).settings)).toThrow(/not enabled on this site/);
    expect(() => selectionRequest(wanted, settings({ forwardCompat: 'off' }).settings)).toThrow(/not enabled/);
    expect(selectionRequest(wanted, settings({ forwardCompat: 'data-center' }).settings).policy).toBe('forward-compat');
  });

  it('refuses forwardCompat in a user config, and unknown policy words', () => {
    expect(settings({}, { forwardCompat: 'data-center' }).errors).toEqual([
      'user.json: "forwardCompat" is a site setting; only the site config may set it',
    ]);
    expect(settings({ policy: 'yolo' }).errors).toEqual([
      'site.json: "policy" must be one of native, minor-compat, forward-compat',
    ]);
  });

  it('validates constraints on the way', () => {
    expect(() => selectionRequest({ ...NONE, release: '2024.10' }, settings({}).settings)).toThrow(/malformed release/);
    expect(selectionRequest({ ...NONE, variant: 'tf1', python: '3' }, settings({}).settings).constraints).toMatchObject(
      { variant: 'tf1', python: '3' },
    );
  });
});

describe('warmTargetSelection', () => {
  const target = (keys: object = {}) => ({
    kind: 'framework' as const,
    framework: 'tensorflow',
    partitions: ['gpu-legacy'],
    repository: undefined,
    policy: undefined,
    variant: undefined,
    python: undefined,
    ...keys,
  });

  it("takes the target's policy over the site default, the site default over native", () => {
    expect(warmTargetSelection(target(), settings({}).settings).policy).toBe('native');
    expect(warmTargetSelection(target(), settings({ policy: 'minor-compat' }).settings).policy).toBe('minor-compat');
    expect(
      warmTargetSelection(target({ policy: 'native' }), settings({ policy: 'minor-compat' }).settings).policy,
    ).toBe('native');
    expect(warmTargetSelection(target({ policy: 'minor-compat' }), settings({}).settings).policy).toBe('minor-compat');
  });

  it('asks exactly what submit with the same words asks', () => {
    const site = settings({ policy: 'minor-compat' }).settings;
    expect(warmTargetSelection(target({ variant: 'tf1', python: '3' }), site)).toEqual(
      selectionRequest({ ...NONE, variant: 'tf1', python: '3' }, site),
    );
    expect(warmTargetSelection(target({ policy: 'native' }), site)).toEqual(
      selectionRequest({ ...NONE, policy: 'native' }, site),
    );
  });

  it('keeps the forward-compat site gate, as a config error naming the target', () => {
    const error = (() => {
      try {
        return warmTargetSelection(target({ policy: 'forward-compat' }), settings({}).settings);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'warm target tensorflow: policy forward-compat is not enabled on this site',
    );
    expect((error as ConfigError).hint).toContain('"forwardCompat": "data-center"');
    // The site default counts too: a site that defaults to forward-compat without allowing it warms nothing by it.
    expect(() => warmTargetSelection(target(), settings({ policy: 'forward-compat' }).settings)).toThrow(
      /not enabled on this site/,
    );
    expect(
      warmTargetSelection(target(), settings({ policy: 'forward-compat', forwardCompat: 'data-center' }).settings)
        .policy,
    ).toBe('forward-compat');
  });
});
