// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider on
// 127.0.0.1, with its built-in development log-in and consent pages (any password works).
//
//   const idp = await startProvider({ port, clients: [...], accounts: { ann: { sub, email, ... } } });
//   idp.issuer   // "http://127.0.0.1:PORT"
//   await idp.stop();
import { generateKeyPairSync } from "node:crypto";
import { freePort } from "./support.mjs";

// oidc-provider prints notices on import and at first use of each development default (the
// in-memory store, the dev log-in pages, Node 20 not being its preferred runtime). They say
// nothing about the test, so only its own lines are dropped.
for (const level of ["warn", "info"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    if (typeof args[0] === "string" && args[0].includes("oidc-provider ")) return;
    original(...args);
  };
}
const { default: Provider } = await import("oidc-provider");

/** A confidential web client that uses the authorization code flow with client_secret_basic. */
export function webClient({ client_id, client_secret, redirect_uris }) {
  return {
    client_id,
    client_secret,
    redirect_uris,
    application_type: "web",
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  };
}

/**
 * Starts the provider on 127.0.0.1:`port` (0 picks one). `accounts` maps what is typed into the
 * provider's log-in form to the claims it vouches for (`sub` is required). Unknown logins are
 * refused by the provider. With `idTokenClaims` (the default) e-mail and profile claims go into
 * the ID token as most public providers do; with `false` they are only given by /userinfo, as
 * OpenID Connect Core §5.4 describes for the code flow.
 */
export async function startProvider({ port = 0, clients, accounts, idTokenClaims = true }) {
  if (!port) port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", use: "sig", alg: "RS256" };

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: ["stoa-e2e-cookie-key-not-secret"] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
    },
    // Only confidential clients here, and every one must prove its code with S256 PKCE.
    pkce: { required: () => true },
    conformIdTokenClaims: !idTokenClaims,
    features: {
      devInteractions: { enabled: true },
      // Logging out of Stoa is not logging out of the provider; the tests do not need it.
      rpInitiatedLogout: { enabled: false },
    },
    clientBasedCORS: () => false,
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { ...account };
        },
      };
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      const text = Object.entries(out).map(([k, v]) => `<p>${k}: ${String(v).replace(/[<>&"]/g, "")}</p>`).join("");
      ctx.body = `<!doctype html><title>Provider error</title><h1>Provider error</h1>${text}`;
    },
  });

  const server = provider.listen(port, "127.0.0.1");
  await new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const stop = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return { issuer, port, provider, stop };
}
