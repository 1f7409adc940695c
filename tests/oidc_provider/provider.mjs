// A real OpenID Connect provider for the tests: the npm package oidc-provider (OpenID-certified),
// configured like ProConnect (signed userinfo, acr eidas1, ProConnect's claims and scopes,
// RP-initiated logout), with its own development login and consent pages.
//
// node provider.mjs '<json>' where json = {port, issuer, clients: [...], accounts: {login: claims},
// tamperUserinfoOf: [emails]}. It prints "ready <issuer>" once it listens.
// tamperUserinfoOf plays an attacker between the provider and Portfolio: the signed userinfo of
// these agents leaves with one character of its signature changed.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2]);
const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
key.kid = 'test-key-1';
key.use = 'sig';
key.alg = 'RS256';

const CLAIMS = ['given_name', 'usual_name', 'email', 'uid', 'siret', 'idp_id'];

const provider = new Provider(settings.issuer, {
  clients: settings.clients.map((client) => ({
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    ...client,
  })),
  jwks: { keys: [key] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  acrValues: ['eidas1'],
  claims: Object.fromEntries([['openid', ['sub']], ...CLAIMS.map((claim) => [claim, [claim]])]),
  scopes: ['openid', ...CLAIMS],
  pkce: { required: () => false },
  features: {
    devInteractions: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, sub) {
    const claims = settings.accounts[sub] || { email: sub };
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
});

const tampered = new Set(settings.tamperUserinfoOf || []);
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/me' || typeof ctx.body !== 'string' || !ctx.type.startsWith('application/jwt')) return;
  const payload = JSON.parse(Buffer.from(ctx.body.split('.')[1], 'base64url').toString());
  if (!tampered.has(payload.email)) return;
  const last = ctx.body.length - 5;
  ctx.body = ctx.body.slice(0, last) + (ctx.body[last] === 'A' ? 'B' : 'A') + ctx.body.slice(last + 1);
});

provider.listen(settings.port, settings.host || '127.0.0.1', () => {
  console.log(`ready ${settings.issuer}`);
});
