// Two-factor sign-in in a browser: a member enrols an authenticator (QR code and secret), turns
// it on with a code computed here (RFC 6238, independent of Stoa's implementation), gets ten
// recovery codes; logging in then asks for a code after the password (a wrong one is refused,
// the next one signs in); a recovery code signs in once and only once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startStoa, launchBrowser, newPerson } from "./support.mjs";

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

/** RFC 4648 Base32 (upper or lower case, padding and spaces ignored) to bytes. */
function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text.toUpperCase().replace(/[\s=]/g, "")) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not Base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit TOTP code (RFC 6238: HMAC-SHA1, 30-second steps) of time step `step`. */
function totp(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}
const stepNow = () => Math.floor(Date.now() / 1000 / 30);

test("RFC 6238's test vector", () => {
  // Appendix B: the ASCII key "12345678901234567890", T = 59 s gives 94287082 (8 digits).
  const key = Buffer.from("12345678901234567890");
  assert.equal(totp(key, Math.floor(59 / 30)), "287082");
  assert.equal(totp(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), Math.floor(1111111109 / 30)), "081804");
});

async function logOut(page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("link", { name: "Log in" }).waitFor();
}

async function passwordStep(page, username) {
  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Two-factor sign-in" }).waitFor();
  assert.equal(await page.getByTestId("current-user").count(), 0, "the password alone does not sign in");
}

test("enrol an authenticator, then log in with its code and with recovery codes", async () => {
  const errors = [];
  const page = await newPerson(browser, errors, "tess");

  await page.goto(`${stoa.base}/signup`);
  await page.getByLabel("Username").fill("tess");
  await page.getByLabel("E-mail").fill("tess@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("current-user").filter({ hasText: "tess" }).waitFor();

  // Enrol.
  await page.goto(`${stoa.base}/settings`);
  await page.getByRole("link", { name: "Two-factor sign-in" }).click();
  await page.waitForURL(/\/settings\/two-factor$/);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const qr = page.getByRole("img", { name: "QR code for your authenticator app" });
  await qr.waitFor();
  assert.equal(await page.locator("figure.qr svg").count(), 1, "the QR code is an inline SVG");
  const secret = (await page.locator("code#totp-secret").innerText()).trim();
  assert.match(secret, /^[A-Z2-7 ]{16,}=*$/, "the key is Base32");
  const key = base32Decode(secret);
  assert.ok(key.length >= 10, "at least 80 bits of key");

  const codeInput = page.getByLabel("Code from the app");
  assert.equal(await codeInput.getAttribute("autocomplete"), "one-time-code");
  const enrolStep = stepNow();
  await codeInput.fill(totp(key, enrolStep));
  await page.getByRole("button", { name: "Turn on" }).click();
  const codes = page.locator("ul#recovery-codes code");
  await codes.first().waitFor();
  assert.match(await page.locator("main, body").first().innerText(), /Two-factor sign-in is on/);
  const recovery = await codes.allInnerTexts();
  assert.equal(recovery.length, 10);
  for (const c of recovery) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  assert.equal(new Set(recovery).size, 10, "the recovery codes differ");
  assert.equal(await page.getByRole("img", { name: "QR code for your authenticator app" }).count(), 0,
    "the secret is not shown once two-factor sign-in is on");

  // Log in: the password, then a wrong code, then the next step's code (the enrolment's code
  // cannot be used again).
  await logOut(page);
  await passwordStep(page, "tess");
  const codeField = page.getByLabel("Code", { exact: true });
  await codeField.fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("alert").filter({ hasText: "That code is not right" }).waitFor();
  assert.equal(await page.getByTestId("current-user").count(), 0);
  assert.equal(await codeField.getAttribute("aria-invalid"), "true");
  assert.equal(await codeField.getAttribute("aria-describedby"), "form-error");
  await codeField.fill(totp(key, Math.max(enrolStep + 1, stepNow())));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByTestId("current-user").filter({ hasText: "tess" }).waitFor();
  await page.goto(`${stoa.base}/settings/two-factor`);
  assert.match(await page.locator("body").innerText(), /You have 10 unused recovery codes/);

  // A recovery code signs in once (typed in capitals and with spaces: case and spacing do not matter).
  await logOut(page);
  await passwordStep(page, "tess");
  await page.getByLabel("Code", { exact: true }).fill(` ${recovery[3].toUpperCase()} `);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByTestId("current-user").filter({ hasText: "tess" }).waitFor();
  await page.goto(`${stoa.base}/settings/two-factor`);
  assert.match(await page.locator("body").innerText(), /You have 9 unused recovery codes/);

  await logOut(page);
  await passwordStep(page, "tess");
  await page.getByLabel("Code", { exact: true }).fill(recovery[3]);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("alert").filter({ hasText: "That code is not right" }).waitFor();
  assert.equal(await page.getByTestId("current-user").count(), 0);
  await page.goto(`${stoa.base}/settings`);
  assert.match(page.url(), /\/login/, "not signed in");

  // The two refused codes answered 401, which Chromium logs as failed loads; nothing else.
  assert.equal(errors.filter((e) => /status of 401/.test(e)).length, 2);
  assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
});
