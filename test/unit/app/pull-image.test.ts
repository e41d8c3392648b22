// Pulls into the shared cache on this host (warm, --pull local, import): never as root unless the site says so.
import { describe, expect, it } from 'vitest';
import { pullImage } from '../../../src/app/pull-image.js';
import { resolveSettings } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/errors.js';
import { fakeRunner } from '../../support/fake-runner.js';
import { IMAGE } from '../../support/job-request.js';
import { PULL } from '../../support/templates.js';

const settings = (values: Record<string, unknown>) =>
  resolveSettings([{ source: 'site.json', values }], '/cfg').settings;
const deps = (user: string) => ({
  runner: fakeRunner([]),
  log: { debug() {}, info() {}, warn() {}, error() {} } as never,
  progress: undefined,
  signal: new AbortController().signal,
  user,
  template: PULL,
});

describe('pullImage as root', () => {
  it('refuses (78) before running anything, unless "cache.allowRoot" says so', async () => {
    const request = { image: IMAGE, imageCacheDir: '/srv/qsc-cache', on: 'local' as const };
    const refused = pullImage(deps('root'), settings({}), request);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/refusing to pull into the shared cache \/srv\/qsc-cache as root/);
    // Allowed: it goes on to run the pull script (which the empty fake runner does not know).
    await expect(pullImage(deps('root'), settings({ cache: { allowRoot: true } }), request)).rejects.toThrow(
      /fake runner: nothing scripted for \["bash","-s"\]/,
    );
  });
});

describe('a pull into a directory that takes no new entries', () => {
  it("the pull block's exit 73 and its sentence become a can't-create error (73), not an unavailable one", async () => {
    const said =
      'qsub-container: cannot create the lock /c/x.sif.lockd: /c is not writable by me here; nothing was pulled\n';
    const run = {
      ...deps('me'),
      runner: fakeRunner([{ argv: ['bash', '-s'], code: 73, stdout: '', stderr: said, timedOut: false }]),
    };
    const pulled = pullImage(run, settings({}), { image: IMAGE, imageCacheDir: '/c', on: 'local' });
    await expect(pulled).rejects.toMatchObject({
      exitCode: 73,
      message: 'cannot create the lock /c/x.sif.lockd: /c is not writable by me here; nothing was pulled',
    });
  });
});
