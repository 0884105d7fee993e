// "Your data" in a browser: a member asks for an archive of their data, the background worker
// builds it, the notification says so, and the ZIP downloaded through the link holds their
// account, question and its text. Then they ask to delete the account, change their mind, ask
// again; when the deletion falls due the worker erases the account: the question stays,
// attributed to "deleted user N", the profile is gone and the password no longer works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { startStoa, launchBrowser, newPerson, eventually, runSql } from "./support.mjs";

const PASSWORD = "a good long password";
const TITLE = "How do I rotate the logs of a long-running service?";
const BODY = "My service writes one log file that grows forever; I want a new file every day.";

let stoa, browser;
before(async () => {
  stoa = await startStoa();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
});

/** The entries of a ZIP archive whose entries are stored (method 0), read through its central
 * directory: { name → Buffer }. Checks each entry's CRC-32. */
function readStoredZip(zip) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, "a ZIP ends with an end-of-central-directory record");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = {};
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, "central directory header");
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    assert.equal(method, 0, `${name} is stored, not compressed`);
    assert.equal(zip.readUInt32LE(local), 0x04034b50, "local file header");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    assert.equal(crc32(data), crc, `${name}'s CRC-32`);
    entries[name] = data;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const jsonLines = (buf) => buf.toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

const sql = (statement) => runSql(stoa, statement);

test("download my data, then delete my account", async () => {
  const errors = [];
  const page = await newPerson(browser, errors, "ann");

  await page.goto(`${stoa.base}/signup`);
  await page.getByLabel("Username").fill("ann");
  await page.getByLabel("E-mail").fill("ann@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("current-user").filter({ hasText: "ann" }).waitFor();
  const userId = (await page.getByTestId("current-user").getAttribute("href")).match(/\/users\/(\d+)/)[1];

  await page.goto(`${stoa.base}/ask`);
  await page.getByLabel("Title").fill(TITLE);
  await page.getByLabel("Details").fill(BODY);
  await page.getByLabel("Tags").fill("logging");
  await page.getByRole("button", { name: "Post your question" }).click();
  await page.waitForURL(/\/questions\/\d+\//);
  const questionUrl = page.url();

  // Ask for the archive; the worker builds it.
  await page.goto(`${stoa.base}/settings`);
  await page.getByRole("link", { name: "Your data" }).click();
  await page.waitForURL(/\/settings\/data$/);
  await page.getByRole("button", { name: "Prepare my data" }).click();
  await page.getByRole("status").filter({ hasText: "We are preparing your data" }).waitFor();
  const exportsTable = page.getByTestId("exports");
  assert.match(await exportsTable.innerText(), /Being prepared|Ready/, "the worker may already be done");
  await eventually(async () => {
    await page.reload();
    return /Ready/.test(await exportsTable.innerText());
  }, 20_000, "the archive to be ready");

  const link = exportsTable.getByRole("link", { name: /^my-data-\d+\.zip$/ });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  assert.match(download.suggestedFilename(), /^my-data-\d+\.zip$/);
  const zip = readFileSync(await download.path());
  const files = readStoredZip(zip);
  for (const name of ["README.txt", "account.jsonl", "posts.jsonl", "revisions.jsonl", "votes.jsonl", "comments.jsonl", "sessions.jsonl", "tokens.jsonl"]) {
    assert.ok(name in files, `the archive has ${name}`);
  }
  assert.match(files["README.txt"].toString(), /JSON Lines/);
  const account = jsonLines(files["account.jsonl"]);
  assert.equal(account.length, 1);
  assert.equal(account[0].username, "ann");
  assert.equal(account[0].email, "ann@example.com");
  assert.ok(!("password_hash" in account[0]), "no password hash");
  assert.deepEqual(jsonLines(files["posts.jsonl"]).map((p) => p.title), [TITLE]);
  assert.ok(jsonLines(files["revisions.jsonl"]).some((r) => r.body_md.includes(BODY)));
  assert.deepEqual(jsonLines(files["votes.jsonl"]), []);
  assert.ok(!zip.toString("latin1").includes(PASSWORD));

  await page.goto(`${stoa.base}/notifications`);
  await page.getByTestId("notifications").getByRole("link", { name: /Your data is ready to download \(for 7 days\)\./ }).waitFor();

  // Ask for deletion, keep the account after all, then ask again (posts stay).
  await page.goto(`${stoa.base}/settings/data`);
  await page.getByLabel("Your password").fill(PASSWORD);
  assert.equal(await page.getByRole("checkbox", { name: "Also delete my posts that nobody else answered" }).isChecked(), false);
  await page.getByRole("button", { name: "Delete my account in 14 days" }).click();
  await page.getByText(/Your account will be deleted on/).waitFor();
  await page.getByRole("button", { name: "Keep my account" }).click();
  await page.getByRole("status").filter({ hasText: "Your account stays" }).waitFor();
  assert.equal(await sql(`SELECT COUNT(*) FROM users WHERE id = ${userId} AND deletion_due_at IS NULL`), "1");

  await page.getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account in 14 days" }).click();
  await page.getByText(/Your account will be deleted on/).waitFor();
  const due = Number(await sql(`SELECT deletion_due_at FROM users WHERE id = ${userId}`));
  const days = (due - Date.now() / 1000) / 86_400;
  assert.ok(days > 13.9 && days <= 14, `due in 14 days, not ${days}`);

  // Let it fall due now and have the worker run the periodic job at once.
  await sql(`UPDATE users SET deletion_due_at = 1 WHERE id = ${userId};
    INSERT INTO jobs (queue, kind, payload, run_at, created_at)
      VALUES ('default', 'accounts.delete_due', '{}', 0, 0);`);
  await eventually(async () => (await fetch(`${stoa.base}/users/${userId}`)).status === 404, 20_000, "the profile to be gone");

  await page.goto(questionUrl);
  assert.match(await page.locator("#question").innerText(), new RegExp(`deleted user ${userId}`));
  assert.equal(await page.getByTestId("current-user").count(), 0, "the session ended with the account");

  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill("ann");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong username or password." }).waitFor();
  const profile = await page.goto(`${stoa.base}/users/${userId}`);
  assert.equal(profile.status(), 404);

  // The refused log-in answered 401 and the erased profile 404; nothing else went wrong.
  const expected = /status of (401|404)/;
  assert.equal(errors.filter((e) => expected.test(e)).length, 2);
  assert.deepEqual(errors.filter((e) => !expected.test(e)), []);
});
