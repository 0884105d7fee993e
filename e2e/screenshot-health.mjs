// Regenerates docs/health.png, the README's picture of the community health page: imports the
// meta-site dump of ../shared/data into a fresh site and photographs /health for 2013.
// Usage (from e2e/): STOA_BIN=../target/debug/stoa node screenshot-health.mjs
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStoa, launchBrowser, runStoa } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const stoa = await startStoa();
const browser = await launchBrowser();
try {
  await runStoa(["import", "stackexchange", join(here, "..", "..", "shared", "data", "stackexchange", "meta-site"),
    "--database-url", stoa.dbUrl]);
  const page = await browser.newPage({ viewport: { width: 1200, height: 1500 } });
  await page.goto(`${stoa.base}/health?from=2013-01-01&to=2013-12-31&granularity=month`);
  await page.screenshot({ path: join(here, "..", "docs", "health.png"), fullPage: false });
  console.log("wrote docs/health.png");
} finally {
  await browser.close();
  await stoa.stop();
}
