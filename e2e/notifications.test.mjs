// A member follows a tag, another asks in it: the first sees the unread count appear without
// reloading, opens the notification, and gets the e-mail at a real SMTP server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, createUser, startSmtpSink, eventually } from "./support.mjs";

let stoa, browser, smtp;
before(async () => {
  smtp = await startSmtpSink();
  stoa = await startStoa([], { STOA_SMTP_URL: smtp.url });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stoa?.stop();
  await smtp?.stop();
});

const mailTo = (addr) => smtp.messages().filter((m) => m.startsWith(`X-Envelope-To: ${addr}`));
const decoded = (raw) => raw.replace(/=\r\n/g, "").replace(/=3D/g, "=");

async function api(path, { token, body, method } = {}) {
  const res = await fetch(`${stoa.base}/api/v1${path}`, {
    method: method || (body ? "POST" : "GET"),
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

test("follow a tag, see the notification arrive, get the e-mail", async () => {
  const password = "a good long password";
  await createUser(stoa, { username: "fiona", role: "member", password });
  await createUser(stoa, { username: "gus", role: "member", password });
  const { json: { token: gus } } = await api("/auth/login", { body: { login: "gus", password } });
  const first = await api("/questions", { token: gus, body: {
    title: "Which bulbs dim without flicker?", body: "My cheap bulbs flicker at 20 percent.", tags: ["lighting"] } });
  assert.equal(first.status, 201);

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  // Fiona confirms her address with the link from the confirmation mail.
  const confirm = await eventually(() => mailTo("fiona@example.com")[0], 20_000, "confirmation mail");
  const link = decoded(confirm).match(/http:\/\/\S+\/confirm-email\?token=[A-Za-z0-9_]+/)[0];
  await page.goto(link);
  await page.getByRole("heading", { name: "Address confirmed" }).waitFor();

  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill("fiona");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("current-user").waitFor();

  // She follows the tag and asks for new questions in it by e-mail at once.
  await page.goto(`${stoa.base}/tags/lighting`);
  await page.getByRole("button", { name: "Follow" }).click();
  await page.getByRole("button", { name: "Following" }).waitFor();
  await page.goto(`${stoa.base}/settings/notifications`);
  await page.getByLabel("A new question in a tag I follow").selectOption("email");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByRole("status").waitFor();
  assert.equal(await page.getByLabel("A new question in a tag I follow").inputValue(), "email");
  await page.goto(`${stoa.base}/`);
  assert.equal(await page.getByTestId("unread-count").count(), 0, "nothing unread yet");

  // Gus asks in the tag; Fiona's open page shows the count without a reload.
  const asked = await api("/questions", { token: gus, body: {
    title: "Motion sensor switches the hall light too late",
    body: "It takes three seconds before the light comes on.", tags: ["lighting"] } });
  assert.equal(asked.status, 201);
  const badge = page.getByTestId("unread-count");
  await badge.waitFor({ timeout: 45_000 });
  assert.equal(await badge.innerText(), "1");

  await page.getByTestId("notifications-link").click();
  const item = page.getByRole("link", { name: /New question in \[lighting\]/ });
  await item.waitFor();
  await item.click();
  await page.waitForURL(new RegExp(`/questions/${asked.json.id}/`));
  assert.equal(await page.locator("#question-title").innerText(), "Motion sensor switches the hall light too late");
  assert.equal(await page.getByTestId("unread-count").count(), 0, "opening it marked it read");

  const mail = await eventually(() => mailTo("fiona@example.com")[1], 20_000, "notification mail");
  assert.match(mail, /Subject: .*New question in \[lighting\]/);
  assert.match(decoded(mail), new RegExp(`/questions/${asked.json.id}/`));
  assert.match(mail, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);

  // Mentioning someone in an answer: typing "@gu" offers "@gus"; Enter completes the name.
  const answer = page.locator("#answer-body");
  await answer.click();
  await answer.pressSequentially("Try the delay setting, @gu");
  const option = page.getByRole("option", { name: "@gus" });
  await option.waitFor();
  await answer.press("ArrowDown");
  await answer.press("Enter");
  assert.equal(await answer.inputValue(), "Try the delay setting, @gus ");
  assert.equal(await page.getByRole("listbox").count(), 0, "the list closes once a name is chosen");
  assert.deepEqual(errors, [], "no script errors or CSP violations");
  await page.close();
});
