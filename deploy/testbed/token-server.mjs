#!/usr/bin/env node
// Test token server for the testbed's second registry (Distribution `auth.token`): Basic-authenticated users get
// short-lived RS256 JWTs granting the actions their ACL allows; the OAuth2 form (POST, grant_type password with
// access_type=offline → a refresh token, or refresh_token), which Docker's identitytoken uses, too.
// Dependency-free; run by lib/token-registry.sh.
// Usage: token-server.mjs CONFIG.json   (format: see render_token_server_config in lib/token-registry.sh)
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  scryptSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const privateKey = createPrivateKey(readFileSync(config.keyFile));
const kid = libtrustKeyId(createPublicKey(privateKey));
// Distribution 2.8 accepts a token up to 60 s past its `exp` (leeway). To make a token really die after
// `lifetimeSeconds`, `exp` is moved back by that leeway; `expires_in` tells clients the true lifetime.
const REGISTRY_LEEWAY_SECONDS = 60;

/** The key id Distribution (libtrust) derives from the trusted certificate's key: base32(sha256(SPKI DER)[:30]) in 4-char groups. */
function libtrustKeyId(publicKey) {
  const digest = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest()
    .subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out.match(/.{4}/g).join(':');
}

const b64url = (data) => Buffer.from(data).toString('base64url');

function issueToken(subject, access, lifetimeSeconds) {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid };
  const claims = {
    iss: config.issuer,
    sub: subject,
    aud: config.service,
    iat: now,
    nbf: now - 5,
    exp: now + lifetimeSeconds - REGISTRY_LEEWAY_SECONDS,
    jti: randomBytes(12).toString('hex'),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`;
}

/** The user when `password` is theirs, else false. */
function checkPassword(name, password) {
  const user = config.users[name];
  if (!user) return false;
  const hash = scryptSync(password, Buffer.from(user.salt, 'hex'), 32);
  return timingSafeEqual(hash, Buffer.from(user.hash, 'hex')) ? name : false;
}

/** The user named by a valid Basic header; null when absent (anonymous); false when wrong. */
function authenticate(header) {
  if (!header) return null;
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** A refresh token: the user and issue time, signed with the server's key (stateless; valid while the key is). */
function issueRefreshToken(subject) {
  const payload = b64url(JSON.stringify({ sub: subject, iat: Math.floor(Date.now() / 1000), typ: 'refresh' }));
  return `${payload}.${b64url(sign('sha256', Buffer.from(payload), privateKey))}`;
}

/** The user a refresh token was issued to, or false. */
function redeemRefreshToken(token) {
  const [payload, signature] = String(token ?? '').split('.');
  if (!payload || !signature) return false;
  const ok = verify('sha256', Buffer.from(payload), createPublicKey(privateKey), Buffer.from(signature, 'base64url'));
  if (!ok) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return claims.typ === 'refresh' && config.users[claims.sub] ? claims.sub : false;
}

const globToRegExp = (glob) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

/** `repository:a/b:pull,push` → the subset of those actions the user's ACL grants (anonymous: none). */
function grant(userName, scope) {
  const m = /^(repository):([^:]+):(.+)$/.exec(scope);
  if (!m) return undefined;
  const [, type, name, actions] = m;
  const acl = userName ? config.users[userName].access : [];
  const allowed = new Set(
    acl.filter((rule) => globToRegExp(rule.repository).test(name)).flatMap((rule) => rule.actions),
  );
  return { type, name, actions: actions.split(',').filter((a) => allowed.has(a)) };
}

function reply(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The answer to one token request, whichever form it came in. */
function answer(res, logLine, user, service, scopes, refreshToken) {
  if (user === false) {
    console.log(JSON.stringify({ ...logLine, status: 401 }));
    return reply(
      res,
      401,
      { errors: [{ code: 'UNAUTHORIZED', message: 'authentication failed' }] },
      { 'www-authenticate': 'Basic realm="qsc-token-server"' },
    );
  }
  if (service !== config.service) {
    console.log(JSON.stringify({ ...logLine, status: 400 }));
    return reply(res, 400, {
      errors: [{ code: 'DENIED', message: `unknown service; this server issues tokens for ${config.service}` }],
    });
  }
  const access = scopes.map((s) => grant(user, s)).filter(Boolean);
  const lifetime = (user && config.users[user].lifetimeSeconds) || config.lifetimeSeconds;
  console.log(
    JSON.stringify({
      ...logLine,
      status: 200,
      granted: access.map((a) => `${a.name}:${a.actions.join(',')}`),
      lifetime,
    }),
  );
  const token = issueToken(user ?? '', access, lifetime);
  reply(res, 200, {
    token,
    access_token: token,
    expires_in: lifetime,
    issued_at: new Date().toISOString(),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://token-server');
  if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST'))
    return reply(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
  if (req.method === 'POST') {
    // The OAuth2 form (distribution docs/spec/auth/oauth.md): never logged, it holds a password or refresh token.
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const grantType = form.get('grant_type');
      const user =
        grantType === 'password'
          ? checkPassword(form.get('username') ?? '', form.get('password') ?? '')
          : grantType === 'refresh_token'
            ? redeemRefreshToken(form.get('refresh_token'))
            : false;
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const logLine = {
        time: new Date().toISOString(),
        method: 'POST',
        grant: grantType,
        clientId: form.get('client_id'),
        user: user === false ? '(refused)' : user,
        service: form.get('service'),
        scopes,
      };
      const offline = grantType === 'password' && form.get('access_type') === 'offline' && user;
      answer(res, logLine, user, form.get('service'), scopes, offline ? issueRefreshToken(user) : undefined);
    });
    return;
  }
  const user = authenticate(req.headers.authorization);
  const scopes = url.searchParams
    .getAll('scope')
    .flatMap((s) => s.split(' '))
    .filter(Boolean);
  // One line per request, never a credential: tests count token fetches from this log.
  const logLine = {
    time: new Date().toISOString(),
    user: user === false ? '(refused)' : (user ?? '(anonymous)'),
    service: url.searchParams.get('service'),
    scopes,
  };
  answer(res, logLine, user, url.searchParams.get('service'), scopes, undefined);
});

const [host, port] = config.listen.split(':');
server.listen(Number(port), host, () =>
  console.log(JSON.stringify({ time: new Date().toISOString(), event: 'listening', listen: config.listen, kid })),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
