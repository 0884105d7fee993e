// Shared helpers for Stoa's browser tests: start a real `stoa serve` on a free port with a fresh
// database (SQLite, or PostgreSQL when STOA_E2E_POSTGRES_URL names a server to create it on),
// and launch Debian's headless Chromium through playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const STOA_BIN = process.env.STOA_BIN || join(here, "..", "target", "debug", "stoa");

/** Starts Stoa on 127.0.0.1:0 (or `options.addr`, when a test must know its address before it
 * starts, e.g. to register a redirect URI) and resolves with { base, stop } once it is listening. */
export async function startStoa(extraArgs = [], extraEnv = {}, { addr = "127.0.0.1:0" } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "stoa-e2e-"));
  const pg = process.env.STOA_E2E_POSTGRES_URL;
  let dbUrl = `sqlite://${join(dir, "stoa.db")}`;
  let dropDb = () => {};
  if (pg) {
    // A database of its own per server, dropped when it stops (like the Rust tests' `stoa_t_`).
    const name = `stoa_e2e_${randomBytes(6).toString("hex")}`;
    psql(pg, `CREATE DATABASE ${name}`);
    const url = new URL(pg);
    url.pathname = `/${name}`;
    dbUrl = url.toString();
    dropDb = () => psql(pg, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const child = spawn(
    STOA_BIN,
    ["serve", "--addr", addr, "--database-url", dbUrl, ...extraArgs],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, STOA_LOG_FORMAT: "text", STOA_LOG: "info", ...extraEnv } },
  );
  let log = "";
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stoa did not start in 30 s:\n${log}`)), 30_000);
    child.stderr.on("data", (chunk) => {
      log += chunk.toString();
      const m = log.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`stoa exited with ${code}:\n${log}`));
    });
  });
  const stop = async () => {
    child.removeAllListeners("exit");
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
    dropDb();
  };
  // `dbUrl` lets a test run other subcommands (e.g. `admin create-user`) on the same database.
  return { base, stop, log: () => log, dbUrl };
}

/** Runs a `stoa` subcommand to completion; resolves with its output, rejects on a non-zero exit. */
export function runStoa(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(STOA_BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (c) => { out += c.toString(); });
    child.stderr.on("data", (c) => { out += c.toString(); });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`stoa ${args.join(" ")} exited with ${code}:\n${out}`))));
  });
}

/** Creates a user with a role (`member`, `agent`, `moderator`, `admin`) through `stoa admin create-user`. */
export function createUser(stoa, { username, role, password }) {
  return runStoa(
    ["admin", "create-user", "--username", username, "--email", `${username}@example.com`, "--role", role,
      "--database-url", stoa.dbUrl],
    { STOA_PASSWORD: password },
  );
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** Runs one SQL statement on a PostgreSQL database with psql; returns the output, trimmed. */
function psql(url, statement) {
  return execFileSync("psql", ["-qtAX", "-v", "ON_ERROR_STOP=1", "-c", statement, url], { encoding: "utf8" }).trim();
}

/** Runs SQL on a test's database: psql on PostgreSQL, else the sqlite3 shell (the server keeps
 * the file open too; WAL and a busy timeout let both write); resolves with the output, trimmed.
 * Statements must be written in SQL both understand. */
export async function runSql(stoa, statement) {
  if (stoa.dbUrl.startsWith("postgres")) return psql(stoa.dbUrl, statement);
  const { execFile } = await import("node:child_process");
  const file = stoa.dbUrl.replace(/^sqlite:\/\//, "");
  return new Promise((resolve, reject) => {
    execFile("/usr/bin/sqlite3", ["-cmd", ".timeout 5000", file, statement], (err, stdout, stderr) =>
      (err ? reject(new Error(`sqlite3: ${stderr || err}`)) : resolve(stdout.trim())));
  });
}

/** A free TCP port on 127.0.0.1 (listen on 0, read the port, close). */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/** Starts a real SMTP server (scripts/smtp-sink.py) on a free port; resolves with
 * { url, messages(), stop } once it listens. Each message is the raw text it received. */
export async function startSmtpSink() {
  const { createServer } = await import("node:net");
  const { readdirSync, readFileSync } = await import("node:fs");
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dir = mkdtempSync(join(tmpdir(), "stoa-smtp-"));
  const child = spawn("/usr/bin/python3", [join(here, "..", "scripts", "smtp-sink.py"), "--port", String(port), "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("SMTP sink did not start")), 15_000);
    child.stdout.on("data", (c) => { if (c.toString().includes("ready")) { clearTimeout(timer); resolve(); } });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`SMTP sink exited with ${code}`)); });
  });
  const messages = () => readdirSync(dir).filter((f) => f.endsWith(".eml")).sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
  const stop = async () => {
    child.removeAllListeners("exit");
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `smtp://127.0.0.1:${port}`, messages, stop };
}

/** Waits until `check()` returns something truthy (polling), or fails after `ms`. */
export async function eventually(check, ms = 20_000, what = "condition") {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A JSON API call: `{status, json}`. */
export async function apiCall(stoa, method, path, token, body) {
  const res = await fetch(`${stoa.base}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

/** A fresh browser context (a separate person) whose pages record script and CSP errors. */
export async function newPerson(browser, errors, name) {
  const context = await browser.newContext();
  context.on("page", (page) => {
    page.on("pageerror", (e) => errors.push(`${name}: ${e}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()}`));
  });
  return context.newPage();
}

/** Logs `page` in through the form. */
export async function logInAs(stoa, page, username, password) {
  await page.goto(`${stoa.base}/login`);
  await page.getByLabel("Username or e-mail").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("current-user").filter({ hasText: username }).waitFor();
}
