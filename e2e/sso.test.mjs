// Single sign-on through a real OpenID Connect provider (oidc-provider, ./oidc-provider.mjs),
// in a browser: the log-in page offers "Sign in with Test IdP"; the provider's own log-in and
// consent pages lead back to Stoa, signed in. A first sign-in creates an account (named after
// the provider's preferred username, made unique), or links the existing account whose
// address the provider verified; later sign-ins find the same account. An address the
// provider did not verify gets a clear refusal and no account.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStoa, launchBrowser, createUser, freePort, runSql } from "./support.mjs";
import { startProvider, webClient } from "./oidc-provider.mjs";

const PASSWORD = "a good long password";
const ACCOUNTS = {
  ann: { sub: "ann-123", email: "ann@corp.example", email_verified: true, name: "Ann Corp", preferred_username: "ann" },
  // Has a Stoa account with this address already; a new account would be called "robert".
  bob: { sub: "bob-456", email: "bob@example.com", email_verified: true, name: "Bob", preferred_username: "robert" },
  // Another address than the Stoa account named "carol": a new account, not hers.
  carol: { sub: "carol-789", email: "carol@corp.example", email_verified: true, name: "Carol", preferred_username: "carol" },
  eve: { sub: "eve-666", email: "eve@example.com", email_verified: false, name: "Eve", preferred_username: "eve" },
  // Stoa accounts with these addresses exist but may not be taken over through a provider:
  // frank's address was never confirmed, gina is a moderator.
  frank: { sub: "frank-1", email: "frank@example.com", email_verified: true, name: "Frank", preferred_username: "frank" },
  gina: { sub: "gina-1", email: "gina@example.com", email_verified: true, name: "Gina", preferred_username: "gina" },
  mallory: { sub: "mallory-1", email: "mallory@corp.example", email_verified: true, name: "Mallory", preferred_username: "mallory" },
};

let stoa, idp, plain, browser, dir;
before(async () => {
  // Stoa's address goes into the redirect URI registered at the provider, so it is chosen first.
  const stoaPort = await freePort();
  idp = await startProvider({
    clients: [webClient({
      client_id: "stoa",
      client_secret: "stoa-secret",
      redirect_uris: [`http://127.0.0.1:${stoaPort}/auth/oidc/test/callback`],
    })],
    accounts: ACCOUNTS,
  });
  // A provider that follows the specification's default for the code flow: the address and
  // profile only in the userinfo answer, not in the ID token.
  plain = await startProvider({
    clients: [webClient({
      client_id: "stoa",
      client_secret: "plain-secret",
      redirect_uris: [`http://127.0.0.1:${stoaPort}/auth/oidc/plain/callback`],
    })],
    accounts: { dana: { sub: "dana-1", email: "dana@plain.example", email_verified: true, name: "Dana", preferred_username: "dana" } },
    idTokenClaims: false,
  });
  dir = mkdtempSync(join(tmpdir(), "stoa-sso-"));
  const config = join(dir, "stoa.toml");
  writeFileSync(config, [
    "[[oidc]]",
    'name = "test"',
    'label = "Test IdP"',
    `issuer = "${idp.issuer}"`,
    'client_id = "stoa"',
    'client_secret = "stoa-secret"',
    "",
    "[[oidc]]",
    'name = "plain"',
    'label = "Plain IdP"',
    `issuer = "${plain.issuer}"`,
    'client_id = "stoa"',
    'client_secret = "plain-secret"',
    "",
  ].join("\n"));
  stoa = await startStoa(["--config", config], {}, { addr: `127.0.0.1:${stoaPort}` });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
  await idp?.stop();
  await plain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sql = (statement) => runSql(stoa, statement);

/** A fresh browser context (a separate person) whose pages record script errors and console
 * errors of Stoa's pages. The provider's development pages are not ours to judge (they load
 * Google Fonts, unreachable here, and have no favicon). */
async function newPerson(errors, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
  page.on("console", (m) => {
    if (m.type() === "error" && ![idp.issuer, plain.issuer].includes(new URL(page.url()).origin)) {
      errors.push(`${name}: ${m.text()} (${m.location().url} on ${page.url()})`);
    }
  });
  return page;
}

/**
 * From Stoa's log-in page through the provider and back: types `login` (any password) into the
 * provider's form and consents, unless the provider remembers both. Resolves with Stoa's
 * callback response and the provider's pages that were shown (`["login", "consent"]` or `[]`).
 * `atProvider` runs once the browser has left Stoa for the provider.
 */
async function signInThroughProvider(page, login, next, via = { name: "test", label: "Test IdP", provider: idp }, atProvider = async () => {}) {
  await page.goto(`${stoa.base}/login${next ? `?next=${encodeURIComponent(next)}` : ""}`);
  const callback = page.waitForResponse((r) => r.url().startsWith(`${stoa.base}/auth/oidc/${via.name}/callback`));
  await page.getByRole("link", { name: `Sign in with ${via.label}` }).click();
  await page.waitForURL((u) => u.pathname !== "/login");
  await atProvider(page);
  const providerLogin = page.getByPlaceholder("Enter any login");
  const consent = page.getByRole("button", { name: "Continue" });
  const backOnStoa = page.locator("header.site");
  const shown = [];
  for (;;) {
    await providerLogin.or(consent).or(backOnStoa).first().waitFor();
    if (await backOnStoa.count()) break;
    assert.equal(new URL(page.url()).origin, via.provider.issuer);
    if (await providerLogin.count()) {
      shown.push("login");
      await providerLogin.fill(login);
      await page.getByPlaceholder("and password").fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await providerLogin.waitFor({ state: "detached" });
    } else {
      shown.push("consent");
      await consent.click();
      await consent.waitFor({ state: "detached" });
    }
  }
  return { response: await callback, shown };
}

/** The signed-in person's { username, id } from the header. */
async function whoAmI(page) {
  const me = page.getByTestId("current-user");
  await me.waitFor();
  return { username: await me.innerText(), id: (await me.getAttribute("href")).match(/\/users\/(\d+)$/)[1] };
}

test("the log-in page offers the provider", async () => {
  const page = await browser.newPage();
  await page.goto(`${stoa.base}/login?next=/settings`);
  const link = page.getByRole("group", { name: "Other ways to sign in" }).getByRole("link", { name: "Sign in with Test IdP" });
  const href = new URL(await link.getAttribute("href"), stoa.base);
  assert.equal(href.pathname, "/auth/oidc/test/start");
  assert.equal(href.searchParams.get("next"), "/settings");
  await page.close();
});

test("a first sign-in creates an account, later ones find it", async () => {
  const errors = [];
  const page = await newPerson(errors, "ann");
  const first = await signInThroughProvider(page, "ann", "/settings");
  assert.deepEqual(first.shown, ["login", "consent"]);
  assert.equal(first.response.status(), 303);
  await page.waitForURL(`${stoa.base}/settings`);
  const ann = await whoAmI(page);
  assert.equal(ann.username, "ann");
  assert.equal(await sql(`SELECT email FROM users WHERE id = ${ann.id}`), "ann@corp.example");

  // In the same browser after logging out of Stoa: the provider remembers ann and her consent,
  // so it sends her straight back, to the same account.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("link", { name: "Log in" }).waitFor();
  await page.goto(`${stoa.base}/settings`);
  assert.match(page.url(), /\/login/, "logged out");
  const again = await signInThroughProvider(page, "ann");
  assert.deepEqual(again.shown, []);
  await page.waitForURL(`${stoa.base}/`);
  assert.deepEqual(await whoAmI(page), ann);

  // In another browser, where the provider asks again: still the same account.
  const elsewhere = await newPerson(errors, "ann elsewhere");
  const third = await signInThroughProvider(elsewhere, "ann");
  assert.deepEqual(third.shown, ["login", "consent"]);
  assert.deepEqual(await whoAmI(elsewhere), ann);
  await elsewhere.goto(`${stoa.base}/settings`);
  assert.equal(new URL(elsewhere.url()).pathname, "/settings", "signed in");
  assert.equal(await sql("SELECT COUNT(*) FROM users WHERE username LIKE 'ann%'"), "1", "no second account");
  assert.deepEqual(errors, []);
  await page.context().close();
  await elsewhere.context().close();
});

test("an existing account with the address the provider verified is linked", async () => {
  await createUser(stoa, { username: "bob", role: "member", password: PASSWORD });
  const bobId = await sql("SELECT id FROM users WHERE username = 'bob'");
  // Bob confirmed his address (as following the link in the welcome e-mail does).
  await sql(`UPDATE users SET email_confirmed_at = 1 WHERE id = ${bobId}`);
  const errors = [];
  const page = await newPerson(errors, "bob");
  await signInThroughProvider(page, "bob");
  assert.deepEqual(await whoAmI(page), { username: "bob", id: bobId });
  assert.equal(await sql("SELECT COUNT(*) FROM users WHERE username = 'robert'"), "0");
  // The password still works too.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill("bob");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  assert.deepEqual(await whoAmI(page), { username: "bob", id: bobId });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("a username taken by someone else is not a link: the new account gets another name", async () => {
  await createUser(stoa, { username: "carol", role: "member", password: PASSWORD });
  const errors = [];
  const page = await newPerson(errors, "carol");
  await signInThroughProvider(page, "carol");
  const me = await whoAmI(page);
  assert.equal(me.username, "carol2");
  assert.notEqual(me.id, await sql("SELECT id FROM users WHERE username = 'carol'"));
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("an address the provider did not verify is refused", async () => {
  const errors = [];
  const page = await newPerson(errors, "eve");
  const { response } = await signInThroughProvider(page, "eve");
  assert.equal(response.status(), 403);
  const alert = page.getByRole("alert");
  assert.match(await alert.innerText(), /did not confirm your e-mail address/);
  assert.equal(await page.getByTestId("current-user").count(), 0);
  await page.goto(`${stoa.base}/settings`);
  assert.match(page.url(), /\/login/, "not signed in");
  assert.equal(await sql("SELECT COUNT(*) FROM users WHERE email = 'eve@example.com' OR username LIKE 'eve%'"), "0");
  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), []);
  await page.context().close();
});

test("an account whose address was never confirmed, or a staff account, is not linked", async () => {
  await createUser(stoa, { username: "frank", role: "member", password: PASSWORD });
  await createUser(stoa, { username: "gina", role: "moderator", password: PASSWORD });
  await sql("UPDATE users SET email_confirmed_at = 1 WHERE username = 'gina'");
  const errors = [];
  for (const [who, why] of [["frank", /never confirmed/], ["gina", /protected/]]) {
    const page = await newPerson(errors, who);
    const { response } = await signInThroughProvider(page, who);
    assert.equal(response.status(), 403, who);
    assert.match(await page.getByRole("alert").innerText(), why);
    assert.equal(await page.getByTestId("current-user").count(), 0, `${who} is not signed in`);
    assert.equal(await sql(`SELECT COUNT(*) FROM user_identities WHERE email = '${who}@example.com'`), "0");
    assert.equal(await sql(`SELECT COUNT(*) FROM users WHERE username LIKE '${who}%'`), "1", "no second account");
    await page.context().close();
  }
  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), []);
});

test("a callback from someone else's sign-in does not sign this browser in", async () => {
  // Mallory signs in at her provider, but her browser comes back to Stoa without the cookie
  // that binds the sign-in to it, as if the callback URL (her code and state) were opened
  // elsewhere; she then gets Ann to open it.
  const errors = [];
  const mallory = await newPerson(errors, "mallory");
  const { response: hers } = await signInThroughProvider(mallory, "mallory", undefined, undefined,
    (page) => page.context().clearCookies({ name: "stoa_sso_state" }));
  assert.equal(hers.status(), 403, "refused without the cookie, and the state is not used up");
  const stolen = hers.url();
  const ann = await newPerson(errors, "ann, tricked");
  const response = await ann.goto(stolen);
  assert.equal(response.status(), 403);
  assert.match(await ann.getByRole("alert").innerText(), /not started in this browser/);
  assert.equal(await ann.getByTestId("current-user").count(), 0, "not signed in as Mallory");
  assert.equal(await sql("SELECT COUNT(*) FROM users WHERE username = 'mallory'"), "0");
  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), []);
  await mallory.context().close();
  await ann.context().close();
});

test("a provider that gives the address only through userinfo works too", async () => {
  const errors = [];
  const page = await newPerson(errors, "dana");
  const { response } = await signInThroughProvider(page, "dana", "/settings", { name: "plain", label: "Plain IdP", provider: plain });
  assert.equal(response.status(), 303);
  const dana = await whoAmI(page);
  assert.equal(dana.username, "dana");
  assert.equal(await sql(`SELECT email FROM users WHERE id = ${dana.id}`), "dana@plain.example");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("after an account is erased, signing in through the provider makes a new one", async () => {
  const errors = [];
  const page = await newPerson(errors, "ann again");
  await signInThroughProvider(page, "ann");
  const ann = await whoAmI(page);
  // Erase her account as the deletion job does when its day comes.
  await sql(`UPDATE users SET deletion_due_at = 1 WHERE id = ${ann.id}`);
  await sql("INSERT INTO jobs (queue, kind, payload, run_at, created_at) VALUES ('default', 'accounts.delete_due', '{}', 0, 0)");
  for (let i = 0; i < 100 && (await sql(`SELECT COUNT(*) FROM user_identities WHERE user_id = ${ann.id}`)) !== "0"; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(await sql(`SELECT COUNT(*) FROM users WHERE id = ${ann.id} AND email IS NULL`), "1", "erased");
  const fresh = await newPerson(errors, "ann anew");
  const { response } = await signInThroughProvider(fresh, "ann");
  assert.equal(response.status(), 303);
  const anew = await whoAmI(fresh);
  assert.notEqual(anew.id, ann.id);
  assert.equal(anew.username, "ann");
  assert.deepEqual(errors, []);
  await page.context().close();
  await fresh.context().close();
});
