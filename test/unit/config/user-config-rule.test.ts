// Which config files a command reads: every command the site's and the user's; the warmer ("named") the user's only
// when $QSUB_CONTAINER_CONFIG names it, so an account that is also a user never warms its own cacheDir for the site's.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localClusterSide } from '../../../src/app/cluster-side.js';
import { resolveStatePaths } from '../../../src/state/paths.js';

function machine() {
  const home = mkdtempSync(join(tmpdir(), 'qsc-rule-'));
  const site = join(home, 'site.json');
  writeFileSync(site, JSON.stringify({ cacheDir: '/srv/site-cache' }));
  mkdirSync(join(home, '.config/qsub-container'), { recursive: true });
  const personal = join(home, '.config/qsub-container/config.json');
  writeFileSync(personal, JSON.stringify({ cacheDir: '/home/me/cache' }));
  const named = join(home, 'named.json');
  writeFileSync(named, JSON.stringify({ cacheDir: '/srv/named-cache' }));
  const side = (env: Record<string, string>) =>
    localClusterSide(resolveStatePaths({ HOME: home, ...env }, home), { HOME: home, ...env });
  return { site, personal, named, side };
}

describe('the user config rule', () => {
  it('a command reads the personal config over the site config', async () => {
    const m = machine();
    const settings = await m.side({ QSUB_CONTAINER_SITE_CONFIG: m.site }).settings({});
    expect(settings).toMatchObject({ cacheDir: '/home/me/cache', configFiles: [m.site, m.personal] });
  });

  it('the warmer reads the site config, not the personal one', async () => {
    const m = machine();
    const settings = await m.side({ QSUB_CONTAINER_SITE_CONFIG: m.site }).settings({}, 'named');
    expect(settings).toMatchObject({ cacheDir: '/srv/site-cache', configFiles: [m.site] });
  });

  it('the warmer reads a user config that QSUB_CONTAINER_CONFIG names, and flags over all', async () => {
    const m = machine();
    const side = m.side({ QSUB_CONTAINER_SITE_CONFIG: m.site, QSUB_CONTAINER_CONFIG: m.named });
    expect(await side.settings({}, 'named')).toMatchObject({
      cacheDir: '/srv/named-cache',
      configFiles: [m.site, m.named],
    });
    expect(await side.settings({ cacheDir: '/srv/flag' }, 'named')).toMatchObject({ cacheDir: '/srv/flag' });
  });
});
