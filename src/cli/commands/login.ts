// login / logout: the user name and password (never on the command line) for app/login.ts, and one line of result.
import type { AppDeps } from '../../app/deps.js';
import { credentialStore, login } from '../../app/login.js';
import { UsageError } from '../../errors.js';
import type { FetchPort } from '../../registry/http.js';
import { parseRegistry } from '../../registry/reference.js';
import { Secret } from '../../secret.js';
import type { LoginArgs, LogoutArgs } from '../args.js';
import type { CliIo } from '../io.js';

type Command =
  { readonly name: 'login'; readonly args: LoginArgs } | { readonly name: 'logout'; readonly args: LogoutArgs };

export async function loginCommand(command: Command, deps: AppDeps & { fetch: FetchPort }, io: CliIo): Promise<void> {
  const endpoint = parseRegistry(command.args.registry);
  const settings = await deps.cluster.settings({});
  const store = credentialStore(deps, settings, command.name, command.args.registry, command.args.remote);
  if (command.name === 'logout') {
    const removed = await store.remove(endpoint.host);
    io.out(
      removed
        ? `removed the credentials for ${endpoint.host} from ${store.where}\n`
        : `no credentials for ${endpoint.host} in ${store.where}\n`,
    );
    return;
  }
  const { args } = command;
  const nvcr = endpoint.host === 'nvcr.io';
  const username = args.username ?? (nvcr ? '$oauthtoken' : undefined);
  if (username === undefined || username === '') {
    throw new UsageError(username === '' ? 'the user name is empty' : `no user name for ${endpoint.host}`, {
      hint:
        nvcr || username === ''
          ? "for nvcr.io the user is the literal $oauthtoken: quote it as -u '$oauthtoken' so the shell does not expand it"
          : `pass -u USER`,
    });
  }
  const password = new Secret(await io.readSecret(`Password for ${username}@${endpoint.host}: `, args.passwordStdin));
  if (password.reveal() === '')
    throw new UsageError('the password is empty', {
      hint: 'type it at the prompt or pipe it in: ... | qsub-container login REGISTRY --password-stdin',
    });
  await login(deps, store, endpoint, username, password);
  io.out(`logged in to ${endpoint.host} as ${username}; credentials stored in ${store.where} (mode 0600)\n`);
}
