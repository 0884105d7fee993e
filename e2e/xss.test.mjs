// Every line of the XSS payload list, rendered by `stoa render --lines` (stoa_markdown::render_post),
// is loaded into real Chromium. The Rust tests check the HTML with html5ever; this checks it with
// the parser that matters: nothing may run, open a dialog, or fetch anything but an image.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { STOA_BIN, launchBrowser } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const PAYLOADS =
  process.env.STOA_XSS_PAYLOADS || join(here, "..", "..", "shared", "data", "xss", "xss-payload-list.txt");
const CHUNK = 500;
// A made-up origin, so relative URLs in the payloads resolve to something we can route.
const ORIGIN = "http://stoa-xss.test";

// What render_post may emit (crates/markdown/src/policy.rs); kept apart on purpose.
const ALLOWED_ELEMENTS = new Set(
  ("a abbr b blockquote br code dd del details dl dt em h2 h3 h4 h5 h6 hr i img input ins kbd li ol p " +
    "pre s samp strike strong sub summary sup table tbody td tfoot th thead tr ul var").split(" "),
);
const ALLOWED_ATTRIBUTES = {
  a: ["href", "title", "rel"],
  img: ["src", "alt", "title"],
  abbr: ["title"],
  ol: ["start"],
  td: ["align"],
  th: ["align"],
  code: ["class"],
  input: ["type", "disabled", "checked"],
};
const URL_SCHEMES = ["http:", "https:", "mailto:"];

// Runs in every document before the payloads: any script that runs and reaches for the usual
// proof-of-execution sinks is reported to the test through a binding it cannot undo. Console
// output is caught by the page's console event instead.
function instrument() {
  const report = (sink, args) => {
    try {
      window.__stoaXssRecord(sink, String(args[0] ?? "").slice(0, 200));
    } catch {
      // The binding is gone only while the page is torn down.
    }
  };
  // Playwright's page.evaluate itself goes through the page's eval; let only that through.
  const fromPlaywright = () => /UtilityScript/.test(new Error().stack);
  for (const sink of ["alert", "confirm", "prompt", "print", "open"]) {
    const wrapped = function (...args) {
      report(sink, args);
      return null;
    };
    Object.defineProperty(window, sink, { value: wrapped, writable: false, configurable: false });
  }
  const realEval = window.eval;
  const wrappedEval = function (code) {
    if (fromPlaywright()) return realEval(code);
    report("eval", [code]);
    return undefined;
  };
  Object.defineProperty(window, "eval", { value: wrappedEval, writable: false, configurable: false });
  const RealFunction = Function;
  const wrappedFunction = new Proxy(RealFunction, {
    apply: (target, self, args) =>
      fromPlaywright() ? Reflect.apply(target, self, args) : (report("Function", args), () => {}),
    construct: (target, args) =>
      fromPlaywright() ? Reflect.construct(target, args) : (report("Function", args), () => {}),
  });
  Object.defineProperty(window, "Function", { value: wrappedFunction, writable: false, configurable: false });
  for (const sink of ["setTimeout", "setInterval"]) {
    const real = window[sink];
    const wrapped = function (handler, ...rest) {
      if (typeof handler === "string") {
        report(sink, [handler]);
        return 0;
      }
      return real.call(this, handler, ...rest);
    };
    Object.defineProperty(window, sink, { value: wrapped, writable: false, configurable: false });
  }
}

// Runs after load: what the DOM holds, as Chromium parsed it.
function inspectDom({ allowedElements, allowedAttributes, urlSchemes }) {
  const allowed = new Set(allowedElements);
  const problems = [];
  const lineOf = (el) => el.closest("article[data-line]")?.dataset.line ?? "?";
  for (const el of document.body.querySelectorAll("*")) {
    const name = el.localName;
    if (name === "article" && el.parentElement === document.body && el.hasAttribute("data-line")) continue;
    const where = `line ${lineOf(el)}: <${name}>`;
    if (el.namespaceURI !== "http://www.w3.org/1999/xhtml") problems.push(`${where} in ${el.namespaceURI}`);
    if (!allowed.has(name)) problems.push(`${where} is not allowed`);
    for (const attr of el.attributes) {
      const attrName = attr.name.toLowerCase();
      if (!(allowedAttributes[name] || []).includes(attrName)) {
        problems.push(`${where} has ${attrName}=${JSON.stringify(attr.value.slice(0, 80))}`);
      }
      if (attrName === "href" || attrName === "src") {
        let scheme = null;
        try {
          scheme = new URL(attr.value, document.baseURI).protocol;
        } catch {
          // An unparsable URL goes nowhere.
        }
        const okHere = attrName === "src" ? ["http:", "https:"] : urlSchemes;
        if (scheme !== null && !okHere.includes(scheme)) {
          problems.push(`${where} ${attrName} has scheme ${scheme}`);
        }
      }
    }
    if (name === "a" && el.getAttribute("rel") !== "nofollow ugc noopener") {
      problems.push(`${where} has rel=${JSON.stringify(el.getAttribute("rel"))}`);
    }
    if (name === "input" && !(el.type === "checkbox" && el.disabled)) {
      problems.push(`${where} is not a disabled checkbox`);
    }
  }
  for (const node of document.head.children) {
    if (node.dataset.stoa !== "1") problems.push(`<${node.localName}> ended up in <head>`);
  }
  return problems;
}

function escapeHtml(text) {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

// Rust's str::lines(): split on \n, drop a trailing \r, no empty last line after a final \n.
function rustLines(text) {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("every XSS payload rendered by stoa stays inert in Chromium", async (t) => {
  if (!existsSync(PAYLOADS)) {
    console.error(`\n!!!!! SKIPPED: XSS payload list not found at ${PAYLOADS} !!!!!\n`);
    t.skip(`payload list not found at ${PAYLOADS}`);
    return;
  }
  const input = readFileSync(PAYLOADS, "utf8");
  const payloads = rustLines(input);
  const run = spawnSync(STOA_BIN, ["render", "--lines"], { input, maxBuffer: 512 * 1024 * 1024 });
  assert.ifError(run.error);
  assert.equal(run.status, 0, `${STOA_BIN} render --lines failed:\n${run.stderr}`);
  const outputs = rustLines(run.stdout.toString("utf8")).map((line) => JSON.parse(line));
  assert.equal(outputs.length, payloads.length, "one output line per payload line");
  assert.ok(outputs.every((html) => typeof html === "string"), "each output line is a JSON string");

  const context = await browser.newContext({ javaScriptEnabled: true });
  const calls = [];
  await context.exposeBinding("__stoaXssRecord", ({ page }, sink, arg) => {
    calls.push({ page: page.url(), sink, arg });
  });
  await context.addInitScript(instrument);

  // What shows code ran or a fetch was made, and what the DOM holds that it should not.
  const ran = [];
  const markup = [];
  const requests = { images: 0, other: [] };
  let documents = new Map();
  await context.route("**/*", async (route) => {
    const request = route.request();
    const url = request.url();
    if (request.isNavigationRequest() && documents.has(url)) {
      await route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: documents.get(url) });
      return;
    }
    // A plain <img> fetching its src is expected; anything else (scripts, styles, frames,
    // fetch/XHR, beacons, navigations) means markup or code did what it must not.
    if (request.resourceType() === "image" && !request.isNavigationRequest()) {
      requests.images += 1;
    } else {
      requests.other.push(`${request.resourceType()} ${url.slice(0, 200)}`);
    }
    await route.abort();
  });

  for (let start = 0; start < outputs.length; start += CHUNK) {
    const chunk = outputs.slice(start, start + CHUNK);
    const url = `${ORIGIN}/chunk/${start}`;
    const articles = chunk
      .map((html, i) => `<article data-line="${start + i + 1}">${html}</article>`)
      .join("\n");
    documents = new Map([
      [
        url,
        `<!doctype html><html><head><meta charset="utf-8" data-stoa="1">` +
          `<title data-stoa="1">${escapeHtml(`payloads ${start + 1}-${start + chunk.length}`)}</title></head>` +
          `<body>\n${articles}\n</body></html>`,
      ],
    ]);

    const page = await context.newPage();
    page.on("dialog", async (dialog) => {
      ran.push(`chunk ${start}: ${dialog.type()} dialog opened: ${dialog.message().slice(0, 200)}`);
      await dialog.dismiss().catch(() => {});
    });
    page.on("pageerror", (error) => ran.push(`chunk ${start}: page error: ${String(error).slice(0, 200)}`));
    page.on("console", (message) => {
      // Aborted image loads are reported as console errors; that is the routing, not a payload.
      if (/Failed to load resource/.test(message.text())) return;
      ran.push(`chunk ${start}: console ${message.type()}: ${message.text().slice(0, 200)}`);
    });

    await page.goto(url, { waitUntil: "load" });
    // Let queued timers and one animation frame run, so deferred payloads get their chance.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    for (const problem of await page.evaluate(inspectDom, {
      allowedElements: [...ALLOWED_ELEMENTS],
      allowedAttributes: ALLOWED_ATTRIBUTES,
      urlSchemes: URL_SCHEMES,
    })) {
      markup.push(`chunk ${start}: ${problem}`);
    }
    if (page.url() !== url) ran.push(`chunk ${start}: the page navigated to ${page.url()}`);
    const kept = await page.locator("body > article[data-line]").count();
    if (kept !== chunk.length) {
      markup.push(`chunk ${start}: only ${kept} of ${chunk.length} outputs stayed inside their own <article>`);
    }
    await page.close();
  }
  await context.close();

  for (const call of calls) ran.push(`${call.page}: ${call.sink}(${JSON.stringify(call.arg)}) was called`);
  for (const request of requests.other) ran.push(`request that is not a plain image: ${request}`);
  t.diagnostic(
    `${outputs.length} payloads in ${Math.ceil(outputs.length / CHUNK)} pages, ${requests.images} image requests, ` +
      `${ran.length} signs of execution, ${markup.length} markup problems`,
  );
  assert.deepEqual(ran.slice(0, 40), [], `${ran.length} signs that code ran or fetched; the first are shown`);
  assert.deepEqual(markup.slice(0, 40), [], `${markup.length} markup problems; the first are shown`);
});
