// Bounties and badges in a browser: a member offers a bounty with the question page's form,
// finds the question among the featured bounties, awards it to an answer with the button under
// it, and the answerer's profile shows the points, the accepted answer and the badges earned.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStoa, launchBrowser, createUser, apiCall, newPerson, logInAs } from "./support.mjs";

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

test("a member offers a bounty, awards it, and the answerer's profile shows it", async () => {
  await createUser(stoa, { username: "ada_admin", role: "admin", password: PASSWORD });
  const admin = (await ok("POST", "/auth/login", null, { login: "ada_admin", password: PASSWORD })).token;
  const bob = await signup("bob");
  const ann = await signup("ann");
  const q = await ok("POST", "/questions", bob, {
    title: "Projector shows no picture over HDMI",
    body: "The projector finds the laptop but the screen stays blue; another laptop works.",
    tags: ["projector"],
  });
  // Five members up-vote bob's question: 51 reputation, enough for a bounty of 50.
  for (const name of ["voter1", "voter2", "voter3", "voter4", "voter5"]) {
    await ok("POST", `/posts/${q.id}/vote`, await signup(name), { value: 1 });
  }
  const a = await ok("POST", `/questions/${q.id}/answers`, ann, {
    body: "Set the laptop's HDMI output to 60 Hz; many projectors refuse 120 Hz and show blue.",
  });

  const errors = [];
  const page = await newPerson(browser, errors, "bob");
  await logInAs(stoa, page, "bob", PASSWORD);
  await page.goto(`${stoa.base}/questions/${q.id}`);
  await page.getByText("Offer a bounty").click();
  await page.getByLabel("Reputation to offer").fill("50");
  await page.getByRole("button", { name: "Start the bounty" }).click();
  const box = page.getByTestId("bounty-box");
  await box.waitFor();
  assert.match(await box.innerText(), /\+50 bounty/);
  assert.match(await box.innerText(), /It ends in 7 days/);
  assert.equal((await ok("GET", `/users/${q.author.id}`)).reputation, 1);

  // Featured among the bounties.
  await page.goto(`${stoa.base}/`);
  await page.getByRole("link", { name: "Bounties" }).click();
  const item = page.getByRole("listitem").filter({ hasText: "Projector shows no picture" });
  assert.match(await item.getByTestId("bounty-amount").innerText(), /\+50/);

  // Awarded with the button under ann's answer.
  await item.getByRole("link", { name: "Projector shows no picture over HDMI" }).click();
  await page.getByTestId("award-bounty").click();
  await page.waitForURL(new RegExp(`#answer-${a.id}$`));
  assert.equal(await page.getByTestId("bounty-box").count(), 0);
  await ok("POST", `/questions/${q.id}/accept`, bob, { answer_id: a.id });

  // Ann's profile: the points, the accepted answer, the badges.
  await ok("POST", "/admin/badges/award", admin, {});
  const annPage = await newPerson(browser, errors, "ann");
  await logInAs(stoa, annPage, "ann", PASSWORD);
  await annPage.getByTestId("current-user").click();
  assert.equal(await annPage.getByTestId("accepted-answers").innerText(), "1");
  await annPage.getByTestId("user-badges").getByRole("link", { name: "Solver" }).click();
  await annPage.waitForURL(/\/badges\/solver$/);
  await annPage.getByTestId("badge-holders").getByRole("link", { name: "ann" }).waitFor();
  const me = await ok("GET", `/users/${a.author.id}/reputation`);
  assert.deepEqual(me.items.map((e) => e.reason).slice(0, 2), ["answer_accepted", "bounty"]);
  assert.deepEqual(errors, []);
});
