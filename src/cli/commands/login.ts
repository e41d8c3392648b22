// login / logout: check credentials against the registry, then store them in (or drop them from) the tool's 0600 auth file.
import { UsageError } from '../../errors.js';
import { createRegistryClient } from '../../registry/client.js';
import { removeCredentials, removeJobAuthFile, saveCredentials } from '../../registry/credentials.js';
import { parseRegistry } from '../../registry/reference.js';
import { Secret } from '../../secret.js';
import type { LoginArgs, LogoutArgs } from '../args.js';
import type { Context } from '../context.js';
import { settingsFor } from '../shared.js';

type Command = { readonly name: 'login'; readonly args: LoginArgs } | { readonly name: 'logout'; readonly args: LogoutArgs };

export async function loginCommand(command: Command, ctx: Context): Promise<void> {
  if (ctx.remote) {
    throw new UsageError(`${command.name} with --host is not supported yet`, {
      hint: `run it where the credentials should live: on this machine without --host, or on the cluster's login node (ssh ${ctx.hostLabel ?? 'HOST'} qsub-container ${command.name} ${command.args.registry})`,
    });
  }
  const endpoint = parseRegistry(command.args.registry);
  const settings = await settingsFor(ctx, {});
  if (command.name === 'logout') {
    const removed = await removeCredentials(settings.authFile, endpoint.host);
    const removedJobCopy = await removeJobAuthFile(ctx.paths.configDir, endpoint.host);
    ctx.out(removed || removedJobCopy ? `removed the credentials for ${endpoint.host} from ${settings.authFile}\n` : `no credentials for ${endpoint.host} in ${settings.authFile}\n`);
    return;
  }
  const { args } = command;
  const nvcr = endpoint.host === 'nvcr.io';
  const username = args.username ?? (nvcr ? '$oauthtoken' : undefined);
  if (username === undefined || username === '') {
    throw new UsageError(username === '' ? 'the user name is empty' : `no user name for ${endpoint.host}`, {
      hint: nvcr || username === '' ? "for nvcr.io the user is the literal $oauthtoken: quote it as -u '$oauthtoken' so the shell does not expand it" : `pass -u USER`,
    });
  }
  const password = new Secret(await ctx.readSecret(`Password for ${username}@${endpoint.host}: `, args.passwordStdin));
  if (password.reveal() === '') throw new UsageError('the password is empty', { hint: 'type it at the prompt or pipe it in: ... | qsub-container login REGISTRY --password-stdin' });
  // Prove them before storing: the /v2/ challenge decides Basic or a token fetched with them.
  const client = createRegistryClient(endpoint, { fetch: ctx.fetch, credentials: { username, password, source: 'qsub-container login' }, blobCache: undefined, log: ctx.log, now: ctx.now });
  await client.ping();
  await saveCredentials(settings.authFile, endpoint.host, username, password);
  ctx.log.info({ event: 'registry.login', registry: endpoint.host, user: username, file: settings.authFile });
  ctx.out(`logged in to ${endpoint.host} as ${username}; credentials stored in ${settings.authFile} (mode 0600)\n`);
}
