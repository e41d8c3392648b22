// What --host names when it is "user@host[:port]", read without ssh_config (pure): for ssh-target.ts, and for hints
// that spell the ssh command a person would type.
const HOST_ARG = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s]+)(?::(\d{1,5}))?$/;

/** "user@host:port" (user and port optional, [v6] brackets removed); undefined when malformed or read as an option by ssh. */
export function parseHostArg(
  arg: string,
): { user: string | undefined; name: string; port: string | undefined } | undefined {
  const parts = HOST_ARG.exec(arg);
  if (!parts || parts[2]!.startsWith('-')) return undefined;
  return { user: parts[1], name: parts[2]!.replace(/^\[(.*)\]$/, '$1'), port: parts[3] };
}

/**
 * The ssh command line for what --host named, for hints: ssh reads no "host:port", so a port becomes -p; a profile
 * or an alias stays as it is.
 */
export function sshCommandFor(arg: string): string {
  const parsed = parseHostArg(arg);
  if (!parsed?.port) return `ssh ${arg}`;
  return `ssh -p ${parsed.port} ${parsed.user ? `${parsed.user}@` : ''}${parsed.name}`;
}
