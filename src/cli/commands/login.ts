// login / logout: check credentials against the registry, then store them in (or drop them from) the tool's 0600 auth file.
import { UsageError } from '../../errors.js';
import { createRegistryClient } from '../../registry/client.js';
import { removeCredentials, removeJobAuthFile, saveCredentials } from '../../registry/credentials.js';
import { parseRegistry } from '../../registry/reference.js';
import { removeRemoteCredentials, saveRemoteCredentials } from '../../registry/remote-auth-file.js';
import { Secret } from '../../secret.js';
import type { LoginArgs, LogoutArgs } from '../args.js';
import type { Context } from '../context.js';
import { settingsFor } from '../shared.js';

type Command =
  { readonly name: 'login'; readonly args: LoginArgs } | { readonly name: 'logout'; readonly args: LogoutArgs };

/** Where the credentials live: this machine's file, or (login/logout --host H --remote) the cluster side's. */
interface Store {
  readonly where: string;
  save(host: string, username: string, password: Secret): Promise<void>;
  remove(host: string): Promise<boolean>;
}

async function storeFor(command: Command, ctx: Context): Promise<Store> {
  const settings = await settingsFor(ctx, {});
  if (ctx.remote) {
    // A local secret is copied to the cluster only when asked in so many words.
    if (!command.args.remote) {
      throw new UsageError(
        `${command.name} with --host changes the credentials on the cluster side, and needs --remote to say so`,
        {
          hint: `qsub-container --host ${ctx.hostLabel ?? 'HOST'} ${command.name} ${command.args.registry} --remote (or drop --host to use this machine's file)`,
        },
      );
    }
    const file = settings.authFile;
    return {
      where: `${ctx.runner.id}:${file}`,
      save: (host, username, password) => saveRemoteCredentials(ctx.runner, file, host, username, password),
      remove: (host) => removeRemoteCredentials(ctx.runner, file, host),
    };
  }
  if (command.args.remote)
    throw new UsageError('--remote needs --host', {
      hint: 'name the cluster: --host user@login-node (or an ~/.ssh/config alias)',
    });
  return {
    where: settings.authFile,
    save: (host, username, password) => saveCredentials(settings.authFile, host, username, password),
    remove: async (host) => {
      const removed = await removeCredentials(settings.authFile, host);
      return (await removeJobAuthFile(ctx.paths.configDir, host)) || removed;
    },
  };
}

export async function loginCommand(command: Command, ctx: Context): Promise<void> {
  const endpoint = parseRegistry(command.args.registry);
  const store = await storeFor(command, ctx);
  if (command.name === 'logout') {
    const removed = await store.remove(endpoint.host);
    ctx.out(
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
  const password = new Secret(await ctx.readSecret(`Password for ${username}@${endpoint.host}: `, args.passwordStdin));
  if (password.reveal() === '')
    throw new UsageError('the password is empty', {
      hint: 'type it at the prompt or pipe it in: ... | qsub-container login REGISTRY --password-stdin',
    });
  // Prove them before storing: the /v2/ challenge decides Basic or a token fetched with them.
  const client = createRegistryClient(endpoint, {
    fetch: ctx.fetch,
    credentials: { username, password, source: 'qsub-container login' },
    blobCache: undefined,
    log: ctx.log,
    now: ctx.now,
  });
  await client.ping();
  await store.save(endpoint.host, username, password);
  ctx.log.info({ event: 'registry.login', registry: endpoint.host, user: username, file: store.where });
  ctx.out(`logged in to ${endpoint.host} as ${username}; credentials stored in ${store.where} (mode 0600)\n`);
}
