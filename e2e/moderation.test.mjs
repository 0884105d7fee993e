// Governance in a real browser: a member flags a post and suggests an edit, the author approves
// it, a moderator removes the flagged post from the review queue, the public log shows it, the
// author appeals and a second moderator reverses it, a question is closed, and the ledger shows
// every point. Moderators are made with `stoa admin create-user --role moderator`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, createUser, launchBrowser } from "./support.mjs";

const PASSWORD = "correct horse battery";
let stoa, browser;

/** Serves a fresh database on a free port with two moderators made by the command line. */
async function startWithModerators() {
  const started = await startStoa();
  for (const name of ["mod1", "mod2"]) {
    await createUser(started, { username: name, role: "moderator", password: PASSWORD });
  }
  return started;
}

async function api(path, body, token) {
  const res = await fetch(`${stoa.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${path}: ${JSON.stringify(json)}`);
  return json;
}

/** A fresh browser context logged in through the log-in form; collects script and CSP errors. */
async function logIn(name, errors) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
  // A refused form answers 422 on purpose, which Chromium reports as a failed resource load.
  const expected = /Failed to load resource: the server responded with a status of 422/;
  page.on("console", (m) => m.type() === "error" && !expected.test(m.text()) && errors.push(`${name}: ${m.text()}`));
  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("current-user").waitFor();
  return page;
}

before(async () => {
  stoa = await startWithModerators();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

test("flag, review, log, appeal, reverse, suggest, close: every moderation page in a browser", async () => {
  const errors = [];
  const alice = await api("/api/v1/auth/signup", { username: "alice", email: "alice@example.com", password: PASSWORD });
  await api("/api/v1/auth/signup", { username: "bob", email: "bob@example.com", password: PASSWORD });
  const q = await api(
    "/api/v1/questions",
    { title: "Where is the serial number?", body: "I need the serial number of my kettle for the warranty.", tags: ["warranty"] },
    alice.token,
  );
  const other = await api(
    "/api/v1/questions",
    { title: "Favourite kettle colour?", body: "Just curious which colour people like best for kettles.", tags: [] },
    alice.token,
  );

  // A visitor reads the public log and its statistics.
  const visitor = await (await browser.newContext()).newPage();
  visitor.on("pageerror", (e) => errors.push(`visitor: ${e}`));
  await visitor.goto(`${stoa.base}/moderation`);
  await visitor.getByRole("heading", { name: "Moderation log" }).waitFor();
  assert.equal(await visitor.getByTestId("stat-total").innerText(), "0");

  // Bob flags the question for a moderator; a missing explanation is refused in place.
  const bob = await logIn("bob", errors);
  await bob.goto(`${stoa.base}/posts/${q.id}/flag`);
  await bob.getByLabel("Needs a moderator (explain)").check();
  await bob.getByRole("button", { name: "Flag" }).click();
  await bob.getByRole("alert").waitFor();
  assert.match(await bob.getByRole("alert").innerText(), /explanation/);
  await bob.getByLabel("Needs a moderator (explain)").check();
  await bob.getByLabel(/Explanation for the moderators/).fill("This looks like it links to a reseller, please check.");
  await bob.getByRole("button", { name: "Flag" }).click();
  await bob.getByRole("heading", { name: "Thank you for flagging" }).waitFor();

  // Bob suggests an edit to the other question; Alice, its author, approves it.
  await bob.goto(`${stoa.base}/posts/${other.id}/suggest-edit`);
  await bob.getByLabel("Title", { exact: true }).fill("Favourite kettle colour in the shop?");
  await bob.getByLabel("Edit summary").fill("clearer title");
  await bob.getByRole("button", { name: "Suggest edit" }).click();
  await bob.getByTestId("suggestion-status").waitFor();
  assert.match(await bob.getByTestId("suggestion-status").innerText(), /Waiting for review/);
  const suggestion = bob.url();
  const alicePage = await logIn("alice", errors);
  await alicePage.goto(suggestion);
  await alicePage.getByRole("button", { name: "Approve" }).click();
  await alicePage.getByText("Approved by alice").waitFor();

  // A moderator works the flagged queue and removes the post, with a reason.
  const mod1 = await logIn("mod1", errors);
  await mod1.goto(`${stoa.base}/review`);
  await mod1.getByRole("link", { name: "Flagged posts" }).click();
  const item = mod1.getByTestId("review-item").first();
  await item.getByText("links to a reseller").waitFor();
  await item.getByLabel(/Reason/).fill("Points to an unofficial reseller");
  await item.getByRole("button", { name: "Remove the post" }).click();
  await mod1.getByRole("status").waitFor();
  assert.match(await mod1.getByRole("status").innerText(), /removed/);

  // The public log shows who did what and why.
  await visitor.goto(`${stoa.base}/moderation`);
  const entry = visitor.getByTestId("log-entry").first();
  assert.match(await entry.innerText(), /mod1\s+deleted\s+the question “Where is the serial number\?”/);
  assert.match(await entry.innerText(), /Points to an unofficial reseller/);
  assert.equal(await visitor.getByTestId("stat-total").innerText(), "1");

  // Alice appeals from the action's page; a second moderator reverses it from the appeals queue.
  await alicePage.goto(`${stoa.base}/moderation`);
  await alicePage.getByRole("link", { name: /Details/ }).first().click();
  await alicePage.getByLabel("Why was this wrong?").fill("The link is the manufacturer's own support page.");
  await alicePage.getByRole("button", { name: "Appeal" }).click();
  await alicePage.getByTestId("appeal-status").waitFor();
  assert.match(await alicePage.getByTestId("appeal-status").innerText(), /waiting for a moderator/);
  const mod2 = await logIn("mod2", errors);
  await mod2.goto(`${stoa.base}/moderation/appeals`);
  const appeal = mod2.getByTestId("appeal").first();
  await appeal.getByLabel("Reverse the action").check();
  await appeal.getByLabel(/Reason/).fill("The manufacturer's page is fine");
  await appeal.getByRole("button", { name: "Decide" }).click();
  await mod2.getByRole("status").waitFor();
  await visitor.goto(`${stoa.base}/moderation`);
  assert.equal(await visitor.getByTestId("stat-rate").innerText(), "100%");
  assert.match(await visitor.getByTestId("log-entry").nth(1).innerText(), /Reversed/);
  await visitor.goto(`${stoa.base}/questions/${q.id}`);
  await visitor.getByRole("heading", { name: "Where is the serial number?" }).waitFor();

  // A moderator closes a question through its form; the close is logged too.
  await mod1.goto(`${stoa.base}/questions/${other.id}/close`);
  await mod1.getByLabel("Off-topic").check();
  await mod1.getByRole("button", { name: "Vote to close" }).click();
  await mod1.getByText("The question is closed").waitFor();
  await mod1.goto(`${stoa.base}/moderation?action=close`);
  assert.equal(await mod1.getByTestId("log-entry").count(), 1);

  // Bob's ledger shows the approved edit's two points.
  await visitor.goto(`${stoa.base}/users/${alice.user.id + 1}/reputation`);
  assert.equal(await visitor.getByTestId("reputation").innerText(), "3");
  await visitor.getByText("Suggested edit approved").waitFor();

  assert.deepEqual(errors, [], "no script errors or CSP violations");
});
