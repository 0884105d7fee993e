// Account settings in a browser: a member creates a read-only personal access token, copies
// the secret shown once, finds it refused for writing, revokes it; sees this browser among
// their sessions and logs out another; changes the password (a typo in the confirmation is
// caught) and the other browser is logged out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, apiCall, newPerson, logInAs } from "./support.mjs";

const PASSWORD = "a good long password";

let stoa, browser;
before(async () => {
  stoa = await startStoa();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

test("a member manages tokens, sessions and the password from the settings", async () => {
  const signup = await apiCall(stoa, "POST", "/auth/signup", null, { username: "nora", email: "nora@example.com", password: PASSWORD });
  assert.equal(signup.status, 201);
  const errors = [];
  const page = await newPerson(browser, errors, "nora");
  const elsewhere = await newPerson(browser, errors, "nora's other browser");
  await logInAs(stoa, page, "nora", PASSWORD);
  await logInAs(stoa, elsewhere, "nora", PASSWORD);

  // A read-only token.
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  await page.getByRole("link", { name: "Personal access tokens" }).click();
  await page.getByLabel("Name").fill("nightly export");
  await page.getByRole("checkbox", { name: /read: everything/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByTestId("token-secret").inputValue();
  assert.match(secret, /^stoa_pat_/);
  assert.match(await page.getByTestId("tokens").innerText(), /nightly export\s+read\s+/);
  assert.equal((await apiCall(stoa, "GET", "/me", secret)).json.username, "nora");
  const write = await apiCall(stoa, "POST", "/questions", secret, { title: "A question from a script", body: "Written with a token that may only read.", tags: ["api"] });
  assert.equal(write.status, 403);
  assert.equal(write.json.error.code, "insufficient_scope");
  // Shown once: not on the page any more.
  await page.goto(`${stoa.base}/settings/tokens`);
  assert.equal(await page.getByTestId("token-secret").count(), 0);
  assert.ok(!(await page.content()).includes(secret));
  // A token without a scope is refused, with the name kept in the form.
  await page.getByLabel("Name").fill("no scopes");
  await page.getByRole("button", { name: "Create token" }).click();
  assert.match(await page.getByRole("alert").innerText(), /at least one scope/);
  assert.equal(await page.getByLabel("Name").inputValue(), "no scopes");
  await page.getByRole("button", { name: "Revoke nightly export" }).click();
  await page.getByRole("status").filter({ hasText: "The token was revoked" }).waitFor();
  assert.equal((await apiCall(stoa, "GET", "/me", secret)).status, 401);

  // Sessions: this browser, and another one to log out.
  await page.goto(`${stoa.base}/settings/sessions`);
  const table = page.getByTestId("sessions");
  assert.equal(await table.locator("tbody tr").count(), 2);
  assert.match(await table.innerText(), /\(this browser\)/);
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await page.getByRole("status").filter({ hasText: "1 session ended." }).waitFor();
  assert.equal(await table.locator("tbody tr").count(), 1);
  await elsewhere.goto(`${stoa.base}/settings`);
  assert.match(elsewhere.url(), /\/login/);

  // The password: a typo in the confirmation, then the change.
  await logInAs(stoa, elsewhere, "nora", PASSWORD);
  await page.goto(`${stoa.base}/settings/password`);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password (at least 8 characters)").fill("an even better password");
  await page.getByLabel("New password again").fill("an even better pasword");
  await page.getByRole("button", { name: "Change password" }).click();
  assert.match(await page.getByRole("alert").innerText(), /differ/);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password (at least 8 characters)").fill("an even better password");
  await page.getByLabel("New password again").fill("an even better password");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("status").filter({ hasText: "Your password is changed" }).waitFor();
  await elsewhere.goto(`${stoa.base}/settings`);
  assert.match(elsewhere.url(), /\/login/);
  assert.equal((await apiCall(stoa, "POST", "/auth/login", null, { login: "nora", password: "an even better password" })).status, 200);
  // The two refused forms answered 422 on purpose; Chromium logs them as failed loads.
  assert.equal(errors.filter((e) => /status of 422/.test(e)).length, 2);
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
});
