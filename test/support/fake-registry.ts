// An in-process registry for unit tests: the testbed registry's recorded answers (test/fixtures/registry) served over a
// fake fetch, anonymous, manifests by tag or by digest; a tag can be moved and the registry taken down.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FetchPort } from '../../src/registry/http.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface FakeRegistry {
  readonly fetch: FetchPort;
  /** "METHOD /path?query" of every request, in order. */
  readonly requests: string[];
  /** The tag now points where `toTag` points (a re-push). */
  moveTag(repository: string, tag: string, toTag: string): void;
  /** Every request fails as an unreachable host does; `false` brings it back. */
  down(isDown?: boolean): void;
  /** The digest a tag points at, as the registry computes it. */
  digestOf(repository: string, tag: string): string;
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

export function fakeRegistry(recording = 'testbed-5000'): FakeRegistry {
  const answers = new Map<string, Answer>(
    Object.entries(
      JSON.parse(readFileSync(new URL(`../fixtures/registry/${recording}.json`, import.meta.url), 'utf8')) as Record<
        string,
        Answer
      >,
    ),
  );
  const requests: string[] = [];
  let isDown = false;
  const byDigest = (path: string): Answer | undefined => {
    const m = /^\/v2\/(.+)\/manifests\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (!m) return undefined;
    for (const [key, answer] of answers)
      if (key.startsWith(`GET /v2/${m[1]}/manifests/`) && sha256(answer.body) === m[2]) return answer;
    return undefined;
  };
  const fetch: FetchPort = async (url, init) => {
    const { pathname, search } = new URL(url);
    const method = init?.method ?? 'GET';
    requests.push(`${method} ${pathname}${search}`);
    if (isDown) throw Object.assign(new Error(`connect ECONNREFUSED ${new URL(url).host}`), { code: 'ECONNREFUSED' });
    if (pathname === '/v2/') return new Response('{}', { status: 200 });
    const answer =
      answers.get(`${method} ${pathname}${search}`) ??
      (method === 'HEAD' ? byDigest(pathname) && { ...byDigest(pathname)!, body: '' } : byDigest(pathname));
    if (!answer) return new Response('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', { status: 404 });
    return new Response(method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
  const manifestKeys = (repository: string, tag: string) =>
    (['HEAD', 'GET'] as const).map((method) => `${method} /v2/${repository}/manifests/${tag}`);
  return {
    fetch,
    requests,
    moveTag(repository, tag, toTag) {
      const [head, get] = manifestKeys(repository, tag);
      const [toHead, toGet] = manifestKeys(repository, toTag);
      answers.set(head!, answers.get(toHead!)!);
      answers.set(get!, answers.get(toGet!)!);
    },
    down: (value = true) => void (isDown = value),
    digestOf: (repository, tag) => sha256(answers.get(manifestKeys(repository, tag)[1]!)!.body),
  };
}
