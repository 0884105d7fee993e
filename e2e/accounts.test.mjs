// A person signs up through the real form in a real browser and sees themselves logged in.
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

test("sign up through the form, log out, log back in", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // A form answered with 422 is logged by Chromium as a failed resource; that is expected here.
  page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));

  await page.goto(`${stoa.base}/`);
  await page.getByRole("link", { name: "Sign up" }).click();
  await page.getByLabel("Username").fill("maria");
  await page.getByLabel("E-mail").fill("not-an-email");
  await page.getByLabel("Password").fill("a good long password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").innerText(), /does not look like an e-mail/);
  assert.equal(await page.getByLabel("Username").inputValue(), "maria", "the form keeps what was typed");

  await page.getByLabel("E-mail").fill("maria@example.com");
  await page.getByLabel("Password").fill("a good long password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("current-user").waitFor();
  assert.equal(await page.getByTestId("current-user").innerText(), "maria");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Username or e-mail").fill("maria@example.com");
  await page.getByLabel("Password").fill("a good long password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("current-user").waitFor();
  assert.equal(await page.getByTestId("current-user").innerText(), "maria");
  assert.deepEqual(errors, [], "no script errors or CSP violations");
  await page.close();
});
