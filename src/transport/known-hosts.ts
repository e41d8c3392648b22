// known_hosts, as OpenSSH reads it: plain and hashed (|1|salt|hash) host patterns, [host]:port, @revoked; SHA256 fingerprints.
import { createHash, createHmac } from 'node:crypto';
import { sshPatternMatches } from './ssh-glob.js';

export interface KnownHostEntry {
  readonly marker: '' | '@revoked' | '@cert-authority';
  /** Comma-separated patterns ("host", "[host]:2222", "*.example.org", "!bad") or one hashed name "|1|salt|hash". */
  readonly hosts: string;
  readonly keyType: string;
  /** The public key blob, base64 as written in the file. */
  readonly keyBase64: string;
}

export type HostKeyVerdict =
  | { readonly kind: 'known' }
  | { readonly kind: 'unknown' }
  /** The host is listed with other keys: a man in the middle, or a reinstalled host. */
  | { readonly kind: 'changed'; readonly knownTypes: readonly string[] }
  | { readonly kind: 'revoked' };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker =
      fields[0] === '@revoked' || fields[0] === '@cert-authority' ? (fields.shift() as KnownHostEntry['marker']) : '';
    const [hosts, keyType, keyBase64] = fields;
    if (hosts && keyType && keyBase64) entries.push({ marker, hosts, keyType, keyBase64 });
  }
  return entries;
}

/** The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise. */
export const knownHostsName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** Does an entry's host field name this host? Hashed names are HMAC-SHA1(salt, name); "!pattern" excludes. */
export function hostMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (sshPatternMatches(negated ? pattern.slice(1) : pattern, name, true)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The key type written inside a key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH's fingerprint: "SHA256:" + unpadded base64 of the blob's SHA-256. */
export const fingerprintOf = (blob: Buffer) =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export function checkHostKey(entries: readonly KnownHostEntry[], name: string, blob: Buffer): HostKeyVerdict {
  const mine = entries.filter((e) => e.marker !== '@cert-authority' && hostMatches(e.hosts, name));
  const base64 = blob.toString('base64');
  if (mine.some((e) => e.marker === '@revoked' && e.keyBase64 === base64)) return { kind: 'revoked' };
  const plain = mine.filter((e) => e.marker === '');
  if (plain.some((e) => e.keyBase64 === base64)) return { kind: 'known' };
  if (plain.length === 0) return { kind: 'unknown' };
  return { kind: 'changed', knownTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Key types this host is known by, so the handshake can ask for one of them first (as OpenSSH does). */
export const knownKeyTypes = (entries: readonly KnownHostEntry[], name: string) => [
  ...new Set(entries.filter((e) => e.marker === '' && hostMatches(e.hosts, name)).map((e) => e.keyType)),
];

/** The line --accept-new-host-key appends (plain, so the user can read what was added). */
export const knownHostsLine = (name: string, blob: Buffer) => `${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
