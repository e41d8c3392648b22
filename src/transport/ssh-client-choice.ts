// Which SSH client --host uses: --ssh-client, then the host profile, then config.json's "sshClient", else a live ControlMaster decides.
import type { SshClient } from './ssh-target.js';

export interface ClientChoice {
  readonly client: SshClient;
  /** For the debug line: where the choice came from. */
  readonly why: string;
}

/**
 * Without a choice made, OpenSSH is used only when it cannot surprise: `ssh -O check` says a master connection for the
 * host is live (so ssh exists and the user's own config sends this host through it; using it costs no login at all).
 * Anything else keeps the built-in client, whose behaviour does not depend on what is installed or configured.
 */
export async function chooseSshClient(input: {
  readonly flag: string | undefined;
  readonly profile: string | undefined;
  readonly configured: string | undefined;
  readonly masterIsLive: () => Promise<boolean>;
}): Promise<ClientChoice> {
  if (input.flag) return { client: input.flag as SshClient, why: '--ssh-client' };
  if (input.profile) return { client: input.profile as SshClient, why: 'the host profile\'s "sshClient"' };
  if (input.configured) return { client: input.configured as SshClient, why: 'config.json "sshClient"' };
  return (await input.masterIsLive())
    ? { client: 'openssh', why: 'an OpenSSH ControlMaster connection to the host is live (ssh -O check)' }
    : { client: 'ssh2', why: 'the default (no live OpenSSH ControlMaster for the host)' };
}
