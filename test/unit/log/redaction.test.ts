// The logger censors secrets by path and by type, writing to a capture stream as pino's own tests do.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { Secret } from '../../../src/secret.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

describe('log redaction', () => {
  it('censors passwords, auth fields, tokens, Authorization headers, credential env vars and Secret values', () => {
    const { stream, text } = capture();
    const log = createLogger('debug', stream);
    log.debug({
      event: 'x',
      password: 'pw-1',
      auth: 'YXV0aA==',
      token: 'tok-1',
      access_token: 'tok-2',
      headers: { authorization: 'Basic c2VjcmV0' },
    });
    log.debug({
      event: 'y',
      request: { authorization: 'Bearer tok-3', credentials: { password: 'pw-2' } },
      secret: new Secret('pw-3'),
    });
    log.debug({ event: 'z', env: { NGC_API_KEY: 'nvapi-1', APPTAINER_DOCKER_PASSWORD: 'pw-4', HOME: '/home/u' } });
    const out = text();
    for (const secret of ['pw-1', 'YXV0aA==', 'tok-1', 'tok-2', 'c2VjcmV0', 'tok-3', 'pw-2', 'pw-3', 'nvapi-1', 'pw-4'])
      expect(out).not.toContain(secret);
    expect(out).toContain('/home/u');
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(10);
  });
});
