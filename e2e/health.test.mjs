// Commons health in a browser, for a visitor who is not logged in: the footer link, the metric
// cards with their trends, choosing another window and monthly charts with the form, a metric's
// page with its accessible chart, table and definition, and the CSV download.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startStoa, launchBrowser, createUser, apiCall, newPerson } from "./support.mjs";

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

async function ok(method, path, token, body) {
  const r = await apiCall(stoa, method, path, token, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const signup = async (username) =>
  (await ok("POST", "/auth/signup", null, { username, email: `${username}@example.com`, password: PASSWORD })).token;

test("a visitor reads the community's health, changes the window and downloads a series", async () => {
  await createUser(stoa, { username: "mo_mod", role: "moderator", password: PASSWORD });
  const moderator = (await ok("POST", "/auth/login", null, { login: "mo_mod", password: PASSWORD })).token;
  const ann = await signup("ann");
  const bob = await signup("bob");
  const q1 = await ok("POST", "/questions", ann, {
    title: "Thermostat loses its schedule after a power cut",
    body: "Every time the power goes out the weekly schedule is gone and it heats all day.",
    tags: ["thermostat"],
  });
  await ok("POST", `/questions/${q1.id}/answers`, bob, {
    body: "Replace the coin cell behind the front panel; it keeps the schedule without power.",
  });
  const q2 = await ok("POST", "/questions", bob, {
    title: "Cheap watches for sale here, visit my shop today",
    body: "Buy cheap watches now at my shop, best prices on every brand you can imagine.",
    tags: ["thermostat"],
  });
  await ok("POST", "/moderation/actions", moderator, {
    action: "delete", target_type: "post", target_id: q2.id, category: "spam", reason: "Advertising",
  });

  const errors = [];
  const page = await newPerson(browser, errors, "visitor");
  await page.goto(`${stoa.base}/`);
  await page.getByRole("link", { name: "Community health" }).click();
  await page.getByRole("heading", { name: "Community health", level: 1 }).waitFor();
  const cards = page.getByTestId("metric-card");
  assert.equal(await cards.count(), 29);
  const active = cards.filter({ hasText: "Active contributors" });
  assert.match(await active.innerText(), /Active contributors\s+2\s+up 2 from the previous window/);
  const spam = cards.filter({ has: page.getByRole("link", { name: "Spam", exact: true }) });
  assert.match(await spam.innerText(), /50\.0 %/);
  assert.match(await page.getByRole("table", { name: /Moderation actions by category/ }).innerText(), /Spam\s+1/);

  // Another window, charts by month.
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("From").fill(from);
  await page.getByLabel("Charts by").selectOption("month");
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(/granularity=month/);
  assert.match(page.url(), new RegExp(`from=${from}&to=${today}`));

  // A metric's page: chart with an accessible name, the table, the definition.
  await page.getByRole("link", { name: "Answers", exact: true }).click();
  await page.getByRole("heading", { name: "Answers", level: 1 }).waitFor();
  const chart = page.getByRole("img", { name: new RegExp(`Answers by month, ${from} to ${today}`) });
  await chart.waitFor();
  const rows = page.getByTestId("series-table").locator("tbody tr");
  assert.ok((await rows.count()) >= 7, "one row per month touching the window");
  assert.match(await rows.last().innerText(), /\t1$/);
  assert.match(await page.getByRole("region", { name: "Definition" }).innerText(), /Answers created in the window/);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "CSV" }).click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.equal(csv[0], "period_start,period_end,value");
  assert.equal(csv.length, (await rows.count()) + 1);
  assert.match(csv.at(-1), new RegExp(`,${today},1$`));
  assert.deepEqual(errors, []);
});
