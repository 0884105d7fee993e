// Two people use the Q&A core in a real browser: one asks (with code and a table, checking the
// live preview), the other answers, votes and comments without a reload; the asker accepts,
// edits and reads the history with its word diff. No script errors or CSP violations allowed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser } from "./support.mjs";

let stoa, browser;
before(async () => {
  stoa = await startStoa();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

/** A fresh browser context (a separate person) whose page records script and CSP errors. */
async function person(errors, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()} ${m.location().url}`));
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

/** Marks the document so a later check can tell whether the page was reloaded. */
const mark = (page) => page.evaluate(() => { window.__notReloaded = true; });
const stillSamePage = (page) => page.evaluate(() => window.__notReloaded === true);

const BODY = [
  "My nightly backup script copies the database file, but restores are sometimes corrupt.",
  "",
  "```rust",
  'fn main() { std::fs::copy("stoa.db", "backup.db").unwrap(); }',
  "```",
  "",
  "| tool | consistent |",
  "|------|------------|",
  "| cp | no |",
  "| VACUUM INTO | yes |",
  "",
].join("\n");

test("ask with preview, answer, vote, comment, accept, edit and read the history", async () => {
  const errors = [];
  const a = await person(errors, "A");
  const b = await person(errors, "B");

  // An empty site invites the first question.
  await a.page.goto(`${stoa.base}/`);
  await a.page.getByText("No questions yet.").waitFor();

  // A signs up and asks, watching the live preview render the code and the table.
  await signUp(a.page, "asker");
  await a.page.getByRole("link", { name: "Ask a question" }).first().click();
  await a.page.waitForURL(/\/ask$/);
  await a.page.getByLabel("Title").fill("How do I back up a live SQLite database safely?");
  await a.page.getByLabel("Details").fill(BODY);
  await a.page.locator(".preview table").waitFor();
  await a.page.locator(".preview pre code.language-rust").waitFor();
  assert.match(await a.page.locator(".preview table").innerText(), /VACUUM INTO/);
  await a.page.getByLabel("Tags").fill("sqlite, backup");
  await a.page.getByRole("button", { name: "Post your question" }).click();
  await a.page.waitForURL(/\/questions\/\d+\/how-do-i-back-up-a-live-sqlite-database-safely$/);
  const questionUrl = a.page.url();
  const qid = questionUrl.match(/\/questions\/(\d+)\//)[1];
  const aQuestion = a.page.locator("#question");
  await aQuestion.locator(".body table").waitFor();
  await aQuestion.locator(".body pre code.language-rust").waitFor();
  assert.deepEqual(await aQuestion.locator(".tags a").allInnerTexts(), ["sqlite", "backup"]);

  // B signs up, opens the question and answers it.
  await signUp(b.page, "helper");
  await b.page.goto(questionUrl);
  await b.page.getByLabel("Write your answer").fill("Use `VACUUM INTO 'backup.db'`: it writes a consistent copy.");
  await b.page.getByRole("button", { name: "Post your answer" }).click();
  await b.page.waitForURL(/#answer-\d+$/);
  const answerId = b.page.url().match(/#answer-(\d+)$/)[1];
  await b.page.locator(`#answer-${answerId}`).getByText("consistent copy").waitFor();
  assert.equal(await b.page.getByRole("button", { name: /Accept/ }).count(), 0, "only the asker may accept");

  // B votes the question up: the score changes in place, without a reload.
  await mark(b.page);
  const bQuestion = b.page.locator("#question");
  await bQuestion.getByRole("button", { name: "Vote up" }).click();
  await b.page.locator(`#score-${qid}`).filter({ hasText: /^1$/ }).waitFor();
  assert.equal(await bQuestion.getByRole("button", { name: "Vote up" }).getAttribute("aria-pressed"), "true");
  assert.ok(await stillSamePage(b.page), "voting did not reload the page");

  // B comments on the question: the comment appears inline and the field is cleared.
  await bQuestion.getByLabel("Add a comment").fill("Is the database in WAL mode?");
  await bQuestion.getByRole("button", { name: "Add comment" }).click();
  await b.page.locator(`#comments-${qid} li`).filter({ hasText: "WAL mode" }).waitFor();
  assert.equal(await bQuestion.getByLabel("Add a comment").inputValue(), "");
  assert.ok(await stillSamePage(b.page), "commenting did not reload the page");

  // A reloads, sees the vote and the comment, and cannot vote on their own question.
  await a.page.reload();
  assert.equal(await a.page.locator(`#score-${qid}`).innerText(), "1");
  await a.page.locator(`#comments-${qid}`).getByText("WAL mode").waitFor();
  await aQuestion.getByRole("button", { name: "Vote up" }).click();
  const refusal = a.page.locator(`#votes-${qid} [role=alert]`);
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /cannot vote on your own post/);
  assert.equal(await a.page.locator(`#score-${qid}`).innerText(), "1");

  // A accepts B's answer.
  await a.page.locator(`#answer-${answerId}`).getByRole("button", { name: "Accept this answer" }).click();
  await a.page.locator(`#answer-${answerId}.accepted`).waitFor();
  assert.match(await a.page.locator(`#answer-${answerId} .accepted-badge`).innerText(), /Accepted/);
  await a.page.locator(`#answer-${answerId}`).getByRole("button", { name: "Unaccept" }).waitFor();

  // A edits the question with a summary, then reads the history.
  await aQuestion.getByRole("link", { name: "Edit" }).click();
  await a.page.waitForURL(/\/posts\/\d+\/edit$/);
  const body = a.page.getByLabel("Body");
  await body.fill((await body.inputValue()).replace("nightly backup script", "nightly backup job"));
  await a.page.getByLabel("Edit summary").fill("Say job, not script");
  await a.page.getByRole("button", { name: "Save edits" }).click();
  await a.page.waitForURL(questionUrl);
  await aQuestion.getByText("nightly backup job").waitFor();
  await aQuestion.getByRole("link", { name: "Edited" }).click();
  await a.page.waitForURL(/\/posts\/\d+\/revisions$/);
  assert.equal(await a.page.locator(".revision").count(), 2);
  const latest = a.page.locator("#revision-2");
  assert.match(await latest.innerText(), /Say job, not script/);
  assert.equal(await latest.locator("ins").first().innerText(), "job");
  assert.equal(await latest.locator("del").first().innerText(), "script");
  assert.match(await a.page.locator("#revision-1").innerText(), /asker/);

  // The home page lists the question with its vote, accepted answer and tags.
  await a.page.goto(`${stoa.base}/`);
  const item = a.page.locator(".question-list > li").first();
  assert.match(await item.innerText(), /1 vote/);
  await item.locator(".answered").waitFor();
  await item.getByRole("link", { name: "sqlite", exact: true }).click();
  await a.page.waitForURL(/\/tags\/sqlite$/);
  await a.page.getByRole("link", { name: /back up a live SQLite/ }).waitFor();

  assert.deepEqual(errors, [], "no script errors or CSP violations");
  await a.context.close();
  await b.context.close();
});

test("every action also works with JavaScript turned off", async () => {
  const errors = [];
  const context = async (name) => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()} ${m.location().url}`));
    return { ctx, page };
  };
  const c = await context("C");
  const d = await context("D");

  // Ask, using the Preview button instead of the live preview; a refused form keeps the text.
  await signUp(c.page, "nojs_asker");
  await c.page.goto(`${stoa.base}/ask`);
  await c.page.getByLabel("Title").fill("No");
  await c.page.getByLabel("Details").fill(BODY);
  await c.page.getByRole("button", { name: "Preview" }).click();
  await c.page.locator(".preview table").waitFor();
  await c.page.getByRole("button", { name: "Post your question" }).click();
  assert.match(await c.page.getByRole("alert").innerText(), /title is too short/);
  assert.equal(await c.page.getByLabel("Details").inputValue(), BODY);
  await c.page.getByLabel("Title").fill("Does Stoa work without JavaScript?");
  await c.page.getByRole("button", { name: "Post your question" }).click();
  await c.page.waitForURL(/\/questions\/\d+\/does-stoa-work-without-javascript$/);
  const url = c.page.url();
  const qid = url.match(/\/questions\/(\d+)\//)[1];

  // Vote on one's own post: an error page, not a silent failure.
  await c.page.locator("#question").getByRole("button", { name: "Vote up" }).click();
  assert.match(await c.page.getByRole("alert").innerText(), /cannot vote on your own post/);

  // Another person answers, votes, and comments (a too-short comment is explained first).
  await signUp(d.page, "nojs_helper");
  await d.page.goto(url);
  await d.page.getByLabel("Write your answer").fill("Yes: every form posts and redirects back.");
  await d.page.getByRole("button", { name: "Post your answer" }).click();
  await d.page.waitForURL(/#answer-\d+$/);
  const answerId = d.page.url().match(/#answer-(\d+)$/)[1];
  await d.page.locator("#question").getByRole("button", { name: "Vote up" }).click();
  assert.equal(await d.page.locator(`#score-${qid}`).innerText(), "1");
  assert.equal(await d.page.locator("#question").getByRole("button", { name: "Vote up" }).getAttribute("aria-pressed"), "true");
  const q = d.page.locator("#question");
  await q.getByLabel("Add a comment").fill("x");
  await q.getByRole("button", { name: "Add comment" }).click();
  assert.match(await d.page.locator("#question [role=alert]").innerText(), /too short/);
  await d.page.locator("#question").getByLabel("Add a comment").fill("Thanks for asking this.");
  await d.page.locator("#question").getByRole("button", { name: "Add comment" }).click();
  await d.page.locator(`#comments-${qid}`).getByText("Thanks for asking this.").waitFor();

  // The asker accepts, then withdraws the acceptance.
  await c.page.goto(url);
  await c.page.locator(`#answer-${answerId}`).getByRole("button", { name: "Accept this answer" }).click();
  await c.page.locator(`#answer-${answerId}.accepted`).waitFor();
  await c.page.locator(`#answer-${answerId}`).getByRole("button", { name: "Unaccept" }).click();
  await c.page.locator(`#answer-${answerId}`).getByRole("button", { name: "Accept this answer" }).waitFor();

  // The helper deletes their answer after confirming.
  await d.page.goto(url);
  await d.page.locator(`#answer-${answerId}`).getByRole("link", { name: "Delete" }).click();
  await d.page.getByRole("button", { name: "Delete" }).click();
  await d.page.waitForURL(url);
  assert.equal(await d.page.locator(`#answer-${answerId}`).count(), 0);

  assert.deepEqual(errors.filter((e) => !/status of (403|422)/.test(e)), [], "no errors besides the expected 403 and 422 pages");
  await c.ctx.close();
  await d.ctx.close();
});
