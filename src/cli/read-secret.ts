// Read a password without it ever being an argument: all of stdin when piped, else a no-echo prompt on the terminal.
import { UsageError } from '../errors.js';

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  // One trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Raw mode, so nothing is echoed; Enter ends, Backspace deletes, Ctrl-C / Ctrl-D abort. */
function prompt(text: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  stderr.write(text);
  stdin.setRawMode(true);
  stdin.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004')
          return done(
            new UsageError('password prompt aborted', {
              hint: 'or pipe the password in: ... | qsub-container login REGISTRY --password-stdin',
            }),
          );
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
  });
}

export function readSecret(
  text: string,
  fromStdin: boolean,
  stdin = process.stdin,
  stderr = process.stderr,
): Promise<string> {
  return fromStdin || !stdin.isTTY ? readAll(stdin) : prompt(text, stdin, stderr);
}
