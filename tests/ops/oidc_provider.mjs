// A real OpenID provider for the single sign-on tests (npm oidc-provider), on 127.0.0.1.
// Usage: node tests/ops/oidc_provider.mjs PORT REDIRECT_BASE
// Static clients: "govflow" (the platform), "other" (for wrong-audience tokens) and
// "govflow-expired" (id_tokens live one second). Any login name is an account; its
// preferred_username is that name. Prints "ready" once it listens.
import Provider from 'oidc-provider';

const [port, base] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;
const client = (id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: [`${base}/sso/callback`],
  post_logout_redirect_uris: [`${base}/login`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('govflow'), client('other'), client('govflow-expired')],
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: id, name: `SSO ${id}` }),
  }),
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  ttl: {
    IdToken: (_ctx, _token, c) => (c && c.clientId === 'govflow-expired' ? 1 : 3600),
  },
  cookies: { keys: ['govflow-test-cookie-key'] },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log('ready'));
