// A real OpenID provider for the staff single sign-on tests: node's certified
// `oidc-provider`, on 127.0.0.1, with its own login form.
//
// Usage: node provider.mjs <config.json>. The config names the issuer and port, the
// signing keys (a private JWK set), the registered clients and a JSON file of accounts:
// {"<login>": {"password", "sub", "email", "email_verified", "name", "roles": [...]}}.
// The accounts file is read again at every login and every token, so a test can change
// someone's roles (or password) between two sign-ins. Prints "ready" once it listens.

import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(fs.readFileSync(config.accounts_file, 'utf8'));
const bySubject = (sub) => Object.values(accounts()).find((account) => account.sub === sub);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
</head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: [config.cookie_key] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    // Entra ID and Keycloak put the roles in the ID token without a scope of their own.
    profile: ['name', 'roles'],
  },
  // The claims go into the ID token itself, as the app reads them from there.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the hospital', `${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          <button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<p>You are signed out of the hospital.</p>');
      },
    },
  },
  // A first-party app: the hospital consents for its staff, no consent screen.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  findAccount: async (_ctx, sub) => {
    const account = bySubject(sub);
    if (!account) {
      return undefined;
    }
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: account.email,
        email_verified: account.email_verified ?? true,
        name: account.name,
        roles: account.roles ?? [],
      }),
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

function loginForm(uid, error) {
  const problem = error ? `<p role="alert">${escape(error)}</p>` : '';
  return page('Hospital sign-in', `${problem}
    <form method="post" action="/interaction/${escape(uid)}">
      <p><label for="username">Username</label> <input id="username" name="username" autocomplete="username"></p>
      <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
      <p><button type="submit">Sign in</button></p>
    </form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
  }
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  if (req.method === 'GET') {
    res.end(loginForm(details.uid));
    return;
  }
  const form = await readForm(req);
  const account = accounts()[form.get('username') ?? ''];
  if (!account || account.password !== form.get('password')) {
    res.statusCode = 200;
    res.end(loginForm(details.uid, 'Wrong username or password.'));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(page('Sign-in problem', `<p>${escape(error.message)}</p>`));
    });
    return;
  }
  handle(req, res);
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
