// Self-service in a real browser: a person types a question, a similar question is suggested
// while they type, they open it, press "This solved my problem", and a staff member sees the
// resolution rate count it. Also the search page: highlighted results and the no-results way
// to a person. No script errors or CSP violations allowed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, createUser } from "./support.mjs";

let stoa, browser;
before(async () => {
  stoa = await startStoa();
  browser = await launchBrowser();
  await seed();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

/** JSON API call. */
async function api(method, path, token, body) {
  const res = await fetch(`${stoa.base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let wifiQuestion;
/** Existing community knowledge: a printer question with an accepted answer, and an unrelated one. */
async function seed() {
  const signup = (u) => api("POST", "/api/v1/auth/signup", null, { username: u, email: `${u}@example.com`, password: "a good long password" });
  const { token: asker } = await signup("printer_owner");
  const { token: helper } = await signup("helpful_hana");
  wifiQuestion = await api("POST", "/api/v1/questions", asker, {
    title: "Printer not connecting to wifi after router change",
    body: "My wireless printer cannot join the network since I replaced the router.",
    tags: ["printers", "wifi"],
  });
  const answer = await api("POST", `/api/v1/questions/${wifiQuestion.id}/answers`, helper, {
    body: "Reset the printer's network settings, then run the wifi setup again with the new network name.",
  });
  await api("POST", `/api/v1/questions/${wifiQuestion.id}/accept`, asker, { answer_id: answer.id });
  await api("POST", "/api/v1/questions", asker, {
    title: "Refund for a late order",
    body: "My order arrived two weeks late; can I get a refund?",
    tags: ["orders"],
  });
}

/** A fresh browser context (a separate person) whose pages record script and CSP errors. */
async function person(errors, name) {
  const context = await browser.newContext();
  const watch = (page) => {
    page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()} ${m.location().url}`));
  };
  context.on("page", watch);
  const page = await context.newPage();
  return { context, page };
}

async function signUp(page, username) {
  await page.goto(`${stoa.base}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill("a good long password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("current-user").waitFor();
}

test("a suggestion solves the problem while asking, and the staff report counts it", async () => {
  const errors = [];
  const me = await person(errors, "asker");
  await signUp(me.page, "new_printer_user");

  // Typing the question brings the similar one up, without pressing anything.
  await me.page.goto(`${stoa.base}/ask`);
  await me.page.getByLabel("Title").pressSequentially("My printer will not connect to the wifi", { delay: 10 });
  const suggestions = me.page.getByTestId("suggestions");
  const link = suggestions.getByRole("link", { name: /Printer not connecting to wifi/ });
  await link.waitFor();
  assert.ok((await suggestions.locator("mark").count()) > 0, "matched words are highlighted");
  assert.equal(await suggestions.getByRole("link", { name: /Refund/ }).count(), 0, "unrelated questions stay out");
  const href = await link.getAttribute("href");
  assert.match(href, new RegExp(`^/questions/${wifiQuestion.id}/.+\\?deflection=[0-9a-f]{32}$`));
  // The session travels with the form too.
  assert.match(await me.page.locator("input[name=deflection]").inputValue(), /^[0-9a-f]{32}$/);

  // The suggestion opens in a new tab, so the draft stays; it asks whether it solved the problem.
  const [tab] = await Promise.all([me.context.waitForEvent("page"), link.click()]);
  await tab.waitForLoadState();
  await tab.getByRole("heading", { name: "Did this solve your problem?" }).waitFor();
  await tab.getByRole("button", { name: "This solved my problem" }).click();
  await tab.getByTestId("deflection-thanks").waitFor();
  assert.equal(await tab.getByRole("button", { name: "This solved my problem" }).count(), 0);
  assert.equal(await me.page.getByLabel("Title").inputValue(), "My printer will not connect to the wifi", "the draft is still there");

  // A staff member (created with the command line) reads the self-service report.
  await createUser(stoa, { username: "support_agent", role: "agent", password: "an agent password" });
  const staff = await person(errors, "staff");
  await staff.page.goto(`${stoa.base}/login`);
  await staff.page.getByLabel("Username or e-mail").fill("support_agent");
  await staff.page.getByLabel("Password").fill("an agent password");
  await staff.page.getByRole("button", { name: "Log in" }).click();
  await staff.page.getByTestId("current-user").waitFor();
  await staff.page.goto(`${stoa.base}/staff/deflection`);
  await staff.page.getByRole("heading", { name: "Self-service resolution" }).waitFor();
  assert.equal(await staff.page.getByTestId("rate-total").innerText(), "100%");
  assert.equal(await staff.page.getByTestId("sessions-total").innerText(), "1");
  assert.equal(await staff.page.getByTestId("solved-total").innerText(), "1");
  assert.match(await staff.page.getByTestId("top-solving").innerText(), /Printer not connecting to wifi/);
  assert.equal(await staff.page.locator(".bars li").count(), 30, "one bar per day");
  // The member who asked is not staff.
  const res = await me.page.goto(`${stoa.base}/staff/deflection`);
  assert.equal(res.status(), 403);

  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), [], "no script errors or CSP violations");
  await me.context.close();
  await staff.context.close();
});

test("while asking, the community's passages, coaching and tag suggestions come up; a click adds a tag", async () => {
  const errors = [];
  const me = await person(errors, "tagger");
  await signUp(me.page, "tag_picker");
  await me.page.goto(`${stoa.base}/ask`);
  await me.page.getByLabel("Title").pressSequentially("Wireless printer cannot join the wifi", { delay: 10 });
  // The accepted answer's words, with their source, above the similar questions.
  const community = me.page.getByTestId("community-answers");
  await community.getByRole("link", { name: /Printer not connecting to wifi/ }).waitFor();
  assert.match(await community.locator("blockquote").first().innerText(), /Reset the printer's network settings/);
  // Coaching: the draft reports a failure without the error or the device.
  const coaching = me.page.getByTestId("coaching");
  await coaching.getByText(/exact error message/).waitFor();
  await coaching.getByText(/version, device or model/).waitFor();
  assert.match(await me.page.locator("input[name=coached]").inputValue(), /error_message/);
  // Tags learned from the site's questions, under the tags field; only tags the site has.
  const chips = me.page.getByTestId("tag-suggestions");
  await chips.getByRole("button", { name: "Add tag wifi" }).waitFor();
  const offered = await chips.locator("[data-add-tag]").evaluateAll((els) => els.map((e) => e.dataset.addTag));
  assert.ok(offered.includes("printers"), `printers offered: ${offered}`);
  assert.ok(offered.every((t) => ["printers", "wifi", "orders"].includes(t)), `only existing tags: ${offered}`);
  await chips.getByRole("button", { name: "Add tag printers" }).click();
  assert.equal(await me.page.getByLabel("Tags").inputValue(), "printers");
  assert.equal(await chips.getByRole("button", { name: "Add tag printers" }).count(), 0, "a chosen tag leaves the list");
  await me.page.getByRole("button", { name: "Add tag wifi" }).click();
  assert.equal(await me.page.getByLabel("Tags").inputValue(), "printers wifi");
  assert.deepEqual(errors, [], "no script errors or CSP violations");
  await me.context.close();
});

test("the search page highlights matches and guides to a person when nothing matches", async () => {
  const errors = [];
  const visitor = await person(errors, "visitor");

  // The header search box leads to the search page, with matches highlighted.
  await visitor.page.goto(`${stoa.base}/`);
  await visitor.page.locator("#site-search").fill("printer wifi");
  await visitor.page.locator("#site-search").press("Enter");
  await visitor.page.waitForURL(/\/search\?q=printer\+wifi$/);
  assert.match(await visitor.page.getByTestId("result-count").innerText(), /^1 result for “printer wifi”/);
  const result = visitor.page.locator(".search-results > li").first();
  assert.ok((await result.locator("mark").count()) >= 2, "title and snippet marks");
  await result.locator(".answered").waitFor();
  // A tag of a result narrows the search to it.
  await result.getByRole("link", { name: "wifi", exact: true }).click();
  await visitor.page.waitForURL(/tag=wifi/);
  assert.equal(await visitor.page.getByLabel("Only with tag").inputValue(), "wifi");
  assert.match(await visitor.page.getByTestId("result-count").innerText(), /^1 result/);

  // Nothing found: suggestions to ask the community (prefilled) or contact support (the words
  // become the ticket's subject).
  await visitor.page.goto(`${stoa.base}/search?q=${encodeURIComponent("zebra xylophone tuning")}`);
  const none = visitor.page.getByTestId("no-results");
  await none.waitFor();
  assert.match(await none.innerText(), /No results found/);
  const support = none.getByRole("link", { name: "Contact support" });
  assert.match(await support.getAttribute("href"), /^\/support\/new\?subject=zebra%20xylophone%20tuning$/);
  await none.getByRole("link", { name: "Ask the community" }).click();
  await visitor.page.waitForURL(/\/ask\?title=zebra/);
  assert.equal(await visitor.page.getByLabel("Title").inputValue(), "zebra xylophone tuning");

  // Punctuation only and over-long queries get a page, not an error.
  let res = await visitor.page.goto(`${stoa.base}/search?q=${encodeURIComponent("!!! ???")}`);
  assert.equal(res.status(), 200);
  res = await visitor.page.goto(`${stoa.base}/search?q=${"word+".repeat(200)}`);
  assert.equal(res.status(), 422);
  await visitor.page.getByRole("alert").waitFor();

  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), [], "no script errors or CSP violations");
  await visitor.context.close();
});
