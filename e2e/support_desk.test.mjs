// The support desk end to end, as people click it: a customer on the Standard plan searches,
// contacts support from the results with similar questions suggested, files a ticket with
// personal data in it; an agent finds it in the inbox, sees what the customer searched,
// replies and solves it; the customer rates it; the agent proposes publishing it; the customer
// sees a masked preview, edits the title and consents; the question is then public and
// searchable, while the ticket itself stays private. No script errors or CSP violations allowed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, createUser } from "./support.mjs";

const PASSWORD = "a good long password";
const PERSONAL = "Reach me at ann@example.com or +44 20 7946 0958, order #A-123456.";

let stoa, browser;
before(async () => {
  stoa = await startStoa();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

/** JSON API call that must succeed. */
async function api(method, path, token, body) {
  const res = await fetch(`${stoa.base}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const signup = (username) =>
  api("POST", "/auth/signup", null, { username, email: `${username}@example.com`, password: PASSWORD });
const login = async (username, password = PASSWORD) =>
  (await api("POST", "/auth/login", null, { login: username, password })).token;

/** A fresh browser context (a separate person) whose pages record script and CSP errors. */
async function person(errors, name) {
  const context = await browser.newContext();
  context.on("page", (page) => {
    page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()} ${m.location().url}`));
  });
  const page = await context.newPage();
  return { context, page };
}

async function logIn(page, username, password = PASSWORD) {
  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("current-user").filter({ hasText: username }).waitFor();
}

test("a ticket goes from search to agent to a published public question, with consent", async () => {
  // Setup over the API and the command line: staff, plans, customers and community knowledge.
  await createUser(stoa, { username: "ada_admin", role: "admin", password: PASSWORD });
  await createUser(stoa, { username: "mia_agent", role: "agent", password: PASSWORD });
  const admin = await login("ada_admin");
  const plans = await api("GET", "/plans", admin);
  const standard = plans.items[1];
  assert.equal(standard.name, "Standard");
  const ann = await signup("ann");
  const bob = await signup("bob");
  for (const u of [ann, bob]) {
    const given = await api("PUT", `/users/${u.user.id}/plan`, admin, { plan_id: standard.id });
    assert.equal(given.plan.name, "Standard");
  }
  const { token: asker } = await signup("hub_owner");
  const { token: helper } = await signup("helpful_hana");
  const known = await api("POST", "/questions", asker, {
    title: "How do I pair the thermostat with the hub?",
    body: "The thermostat is new and the hub does not list it under devices.",
    tags: ["thermostat", "pairing"],
  });
  const knownAnswer = await api("POST", `/questions/${known.id}/answers`, helper, {
    body: "Hold the thermostat's menu button for five seconds until it blinks, then choose Add device on the hub.",
  });
  await api("POST", `/questions/${known.id}/accept`, asker, { answer_id: knownAnswer.id });

  const errors = [];
  const customer = await person(errors, "ann");
  const agent = await person(errors, "agent");
  const c = customer.page;
  const a = agent.page;

  // 1. Ann searches, finds nothing that helps, and contacts support from the results.
  await logIn(c, "ann");
  const searched = "thermostat pairing fails";
  await c.goto(`${stoa.base}/search?q=${encodeURIComponent(searched)}`);
  assert.match(await c.getByTestId("result-count").innerText(), /^1 result for “thermostat pairing fails”/);
  await c.locator(".search-results").getByRole("link", { name: "How do I pair the thermostat with the hub?" }).waitFor();
  // "From the community" at the top: the accepted answer's words, with their source.
  const community = c.getByTestId("assistant");
  await community.getByRole("link", { name: "How do I pair the thermostat with the hub?" }).waitFor();
  assert.match(await community.locator("blockquote").first().innerText(), /menu button for five seconds/);
  await c.getByRole("link", { name: "contact support", exact: true }).click();
  await c.waitForURL(/\/support\/new\?subject=/);
  assert.equal(await c.getByLabel("Subject").inputValue(), searched, "the search words become the subject");
  const suggestions = c.getByTestId("suggestions");
  await suggestions.getByRole("link", { name: /How do I pair the thermostat with the hub/ }).waitFor();
  // The support form offers the same passage before a ticket is written.
  assert.match(await c.getByTestId("community-answers").locator("blockquote").first().innerText(), /menu button for five seconds/);
  assert.equal(await suggestions.getByRole("link", { name: /contact support/i }).count(), 0,
    "no 'contact support' on the support form itself");
  assert.match(await c.locator("input[name=deflection]").first().inputValue(), /^[0-9a-f]{32}$/);
  const ticketBody = `I held the menu button but the hub never shows the thermostat. ${PERSONAL}`;
  await c.getByLabel("What happened, and what did you expect?").fill(ticketBody);
  await c.getByRole("button", { name: "Send to support" }).click();
  await c.waitForURL(/\/support\/tickets\/\d+$/);
  const ticketId = Number(new URL(c.url()).pathname.split("/").pop());
  const ticketPath = `/support/tickets/${ticketId}`;
  assert.equal(await c.locator("#ticket-subject").innerText(), `#${ticketId} ${searched}`);
  assert.equal(await c.getByTestId("ticket-status").innerText(), "new");
  await c.locator(".conversation").getByText("I held the menu button").waitFor();
  assert.equal(await c.getByRole("heading", { name: "Agent workspace" }).count(), 0, "customers see no workspace");

  // 2. The agent finds it in the inbox, sees the search that came before, replies and solves it.
  await logIn(a, "mia_agent");
  await a.goto(`${stoa.base}/agent`);
  const inbox = a.getByTestId("inbox");
  const row = inbox.getByRole("row").filter({ hasText: `#${ticketId} ${searched}` });
  assert.match(await row.innerText(), /ann/);
  await row.getByRole("link", { name: `#${ticketId} ${searched}` }).click();
  await a.waitForURL(new RegExp(`${ticketPath}$`));
  const desk = a.locator("section.agent-desk");
  await desk.getByRole("heading", { name: "Agent workspace" }).waitFor();
  await desk.getByRole("heading", { name: "Before filing, the customer searched" }).waitFor();
  await desk.getByText(`“${searched}”`, { exact: true }).waitFor();
  const thermostat = { has: a.getByRole("link", { name: "How do I pair the thermostat with the hub?" }) };
  const shown = desk.getByTestId("trail").getByRole("listitem").filter(thermostat);
  assert.match(await shown.innerText(), /· shown$/, "the suggestion she was shown, not opened");
  // The same question matches the ticket itself (its subject, despite the contact details).
  await desk.getByTestId("matching").getByRole("listitem").filter(thermostat).waitFor();
  assert.match(await a.locator("#ticket-subject + p.meta").innerText(), /From ann · Plan Standard/);

  const replyText = "Thanks! Reset the thermostat's radio first: hold menu and minus for ten seconds, then pair again.";
  await a.locator("#reply-body").fill(replyText);
  await a.getByRole("button", { name: "Send reply" }).click();
  await a.waitForURL(new RegExp(`${ticketPath}$`));
  await a.locator(".conversation li.staff").getByText("Reset the thermostat's radio first").waitFor();
  await a.locator("#status").selectOption("solved");
  await a.getByRole("button", { name: "Update" }).click();
  await a.waitForURL(new RegExp(`${ticketPath}$`));
  assert.equal(await a.getByTestId("ticket-status").innerText(), "solved");

  // 3. Ann sees the reply and the solved status, and rates the help.
  await c.reload();
  await c.locator(".conversation li.staff").getByText("Reset the thermostat's radio first").waitFor();
  assert.equal(await c.getByTestId("ticket-status").innerText(), "solved");
  await c.getByRole("radio", { name: "Good" }).check();
  await c.getByRole("button", { name: "Send rating" }).click();
  await c.waitForURL(new RegExp(`${ticketPath}$`));
  await c.getByText(/You rated this ticket good/).waitFor();

  // 4. The agent proposes publishing; Ann sees the masked preview, edits the title, consents.
  await a.reload();
  await a.getByRole("button", { name: "Propose publishing as a public question" }).click();
  await a.waitForURL(new RegExp(`${ticketPath}$`));
  await a.getByText("Proposed for publishing; waiting for the customer's consent.").waitFor();
  assert.equal(await a.getByRole("button", { name: "Propose publishing as a public question" }).count(), 0);

  await c.reload();
  const consent = c.getByTestId("consent");
  await consent.getByRole("heading", { name: "May we publish this as a public question?" }).waitFor();
  const masked = await consent.locator("#consent-body").inputValue();
  for (const secret of ["ann@example.com", "7946", "0958", "123456"]) {
    assert.ok(!masked.includes(secret), `the preview masks ${secret}: ${masked}`);
  }
  assert.ok(masked.includes("[email]"), `the preview shows where the address was: ${masked}`);
  assert.ok(masked.includes("I held the menu button"), "the rest of the question stays");
  await consent.getByText("Reset the thermostat's radio first").waitFor();
  const publishedTitle = "Thermostat pairing fails after holding the menu button";
  await consent.locator("#consent-title").fill(publishedTitle);
  await consent.getByRole("button", { name: "Publish it" }).click();
  await c.waitForURL(new RegExp(`${ticketPath}$`));

  // 5. The ticket links to the public question; anyone can read it, but not the ticket.
  const published = c.getByTestId("published");
  await published.waitFor();
  assert.equal(await c.getByTestId("consent").count(), 0, "the consent form is gone once decided");
  const questionHref = await published.getByRole("link", { name: "a public question" }).getAttribute("href");
  assert.match(questionHref, /^\/questions\/\d+\//);

  const visitor = await person(errors, "visitor");
  const v = visitor.page;
  await v.goto(`${stoa.base}${questionHref}`);
  assert.equal(await v.locator("#question-title").innerText(), publishedTitle);
  const question = v.getByRole("article", { name: "Question" });
  await question.getByText("I held the menu button").waitFor();
  const questionText = await question.locator(".body").first().innerText();
  for (const secret of ["ann@example.com", "7946", "123456"]) {
    assert.ok(!questionText.includes(secret), `the public question has no ${secret}`);
  }
  const answer = v.getByRole("article", { name: "Answer by mia_agent" });
  await answer.getByText("Reset the thermostat's radio first").waitFor();
  await answer.getByText("Accepted").waitFor();

  // The ticket page is not for visitors (sent to log in) nor for another customer (404).
  await v.goto(`${stoa.base}${ticketPath}`);
  await v.waitForURL(/\/login\?next=/);
  assert.equal(new URL(v.url()).searchParams.get("next"), ticketPath);
  assert.equal(await v.locator("#ticket-subject").count(), 0);
  assert.equal(await v.getByText("I held the menu button").count(), 0);

  const other = await person(errors, "bob");
  await logIn(other.page, "bob");
  const res = await other.page.goto(`${stoa.base}${ticketPath}`);
  assert.equal(res.status(), 404);
  assert.equal(await other.page.locator("#ticket-subject").count(), 0);
  assert.equal(await other.page.getByText("I held the menu button").count(), 0);

  // The words of the published title find it in search, and results never lead to a ticket.
  await v.goto(`${stoa.base}/search?q=${encodeURIComponent("thermostat pairing fails menu button")}`);
  await v.getByTestId("result-count").waitFor();
  const results = v.locator(".search-results");
  await results.locator(`a[href="${questionHref}"]`).first().waitFor();
  assert.match(await results.innerText(), /Thermostat pairing fails after holding the menu button/);
  const hrefs = await v.locator("a[href]").evaluateAll((as) => as.map((x) => x.getAttribute("href")));
  assert.ok(hrefs.every((h) => !h.includes("/support/tickets/")), `no link to a ticket: ${hrefs.join(" ")}`);

  assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [], "no script errors or CSP violations");
  for (const p of [customer, agent, visitor, other]) await p.context.close();
});
