// Rewards in a browser: an admin opens a period with the form (a bad pool is refused and
// creates nothing), reads the live standings, closes the period once it has ended and sees
// its fingerprint verified; a member reads her statement line by line.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, createUser, apiCall, newPerson, logInAs, runSql } from "./support.mjs";

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

const api = (method, path, token, body) => apiCall(stoa, method, path, token, body);

async function ok(method, path, token, body) {
  const r = await api(method, path, token, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const signup = async (username) =>
  (await ok("POST", "/auth/signup", null, { username, email: `${username}@example.com`, password: PASSWORD })).token;
const person = (errors, name) => newPerson(browser, errors, name);
const logIn = (page, username) => logInAs(stoa, page, username, PASSWORD);

/** The period ends now and everything so far happened a minute ago (a fixture: the test
 * cannot wait for a month to pass), written straight into the test's own database. */
function endPeriodNow(id) {
  const now = Math.floor(Date.now() / 1000);
  return runSql(stoa, `UPDATE reputation_events SET created_at = created_at - 60;
    UPDATE reward_periods SET ends_at = ${now} WHERE id = ${Number(id)};`);
}

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

test("an admin opens and closes a period; a member reads her statement", async () => {
  await createUser(stoa, { username: "ada_admin", role: "admin", password: PASSWORD });
  const admin = (await ok("POST", "/auth/login", null, { login: "ada_admin", password: PASSWORD })).token;
  const ann = await signup("ann");
  const bob = await signup("bob");
  const cat = await signup("cat");
  const q = await ok("POST", "/questions", bob, {
    title: "Router keeps rebooting every night",
    body: "Every night at three the router restarts and the network drops.",
    tags: ["router"],
  });
  const a = await ok("POST", `/questions/${q.id}/answers`, ann, {
    body: "Turn off the scheduled firmware update in the admin page; it restarts the router at night.",
  });
  await ok("POST", `/questions/${q.id}/accept`, bob, { answer_id: a.id });
  for (const voter of [bob, cat]) await ok("POST", `/posts/${a.id}/vote`, voter, { value: 1 });

  const errors = [];
  const page = await person(errors, "admin");
  await logIn(page, "ada_admin");
  await page.goto(`${stoa.base}/rewards`);
  await page.getByTestId("formula").getByText("Accepted answer: 15 points").waitFor();
  const form = page.getByTestId("open-period");

  // A pool of zero is refused with a clear message, and nothing is created.
  await form.getByLabel("First day").fill(day(-7));
  await form.getByLabel("Last day").fill(day(0));
  await form.getByLabel("Pool (for example 1500.00)").fill("0");
  await form.getByRole("button", { name: "Open the period" }).click();
  await page.getByRole("alert").filter({ hasText: "pool" }).waitFor();
  assert.equal((await ok("GET", "/rewards")).periods.length, 0);

  // A week up to today with 100.00 EUR: live standings, all of it to ann.
  await form.getByLabel("First day").fill(day(-7));
  await form.getByLabel("Last day").fill(day(0));
  await form.getByLabel("Pool (for example 1500.00)").fill("100.00");
  await form.getByRole("button", { name: "Open the period" }).click();
  await page.waitForURL(/\/rewards\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  assert.equal(await page.getByTestId("period-status").innerText(), "open");
  const row = page.getByTestId("allocations").getByRole("row").filter({ hasText: "ann" });
  assert.match(await row.innerText(), /35\s+100\.00 EUR/);
  assert.equal(await page.getByRole("button", { name: "Close and freeze the statement" }).count(), 0,
    "a running period cannot be closed");
  const running = await api("POST", `/rewards/periods/${id}/close`, admin, {});
  assert.equal(running.status, 409);
  assert.equal(running.json.error.code, "period_running");

  // It ends; the admin closes it and the fingerprint checks out.
  await endPeriodNow(id);
  await page.reload();
  await page.getByRole("button", { name: "Close and freeze the statement" }).click();
  await page.waitForURL(new RegExp(`/rewards/${id}$`));
  assert.equal(await page.getByTestId("period-status").innerText(), "closed");
  await page.getByTestId("statement-hash").getByRole("link", { name: "Recompute it and check" }).click();
  await page.getByTestId("statement-hash").getByText("gives the same result").waitFor();
  const hash = (await ok("GET", `/rewards/periods/${id}`)).statement_hash;
  assert.match(await page.getByTestId("statement-hash").innerText(), new RegExp(hash));

  // Ann reads her statement from the table.
  const member = await person(errors, "ann");
  await logIn(member, "ann");
  await member.goto(`${stoa.base}/rewards/${id}`);
  await member.getByTestId("allocations").getByRole("link", { name: "ann" }).click();
  await member.waitForURL(/\/rewards\/\d+\/users\/\d+$/);
  const statement = member.getByTestId("statement");
  await statement.getByRole("cell", { name: "Accepted answer" }).waitFor();
  assert.equal(await statement.getByRole("cell", { name: "Up-vote on an answer" }).count(), 2);
  assert.equal(await member.getByTestId("amount").innerText(), "100.00 EUR");

  // The payouts for the payment provider.
  const res = await fetch(`${stoa.base}/api/v1/rewards/periods/${id}/payouts.csv`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1], /,ann,ann@example\.com,10000,EUR,/);
  // The one expected error: the refused pool answered 422.
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
});
