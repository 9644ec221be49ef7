// Browser checks in a real headless Chromium (Debian's `chromium`), driven by playwright-core.
// Run by `cargo xtask test`, which serves book/ on 127.0.0.1 and sets BOOK_URL, CHROMIUM and
// ARTIFACTS_DIR. On its own (`node tests/browser/run.mjs`, after `cargo xtask build`) it serves
// book/ (or BOOK_DIR) on 127.0.0.1 itself. Prints one line per check and a closing
// "browser: N passed, N failed" line.
import { chromium } from "playwright-core";
import { interviewChecks } from "./interview.mjs";
import { searchChecks } from "./search.mjs";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.ARTIFACTS_DIR || path.join(root, "target", "browser-artifacts");

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
  ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".wasm": "application/wasm",
  ".pf_meta": "application/octet-stream", ".pf_index": "application/octet-stream", ".pf_fragment": "application/octet-stream",
};

/** A static file server for a built book/, on a free port of 127.0.0.1. */
function serve(dir) {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    let file = path.normalize(path.join(dir, p));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) { file = path.join(file, "index.html"); }
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end("not found"); return; }
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" }).end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let base = process.env.BOOK_URL;
let server = null;
if (!base) {
  const bookDir = path.resolve(process.env.BOOK_DIR || path.join(root, "book"));
  if (!fs.existsSync(path.join(bookDir, "zh", "pagefind", "pagefind.js"))) {
    console.error(`${bookDir} holds no built book: run \`cargo xtask build\` first (or \`cargo xtask test\`)`);
    process.exit(2);
  }
  server = await serve(bookDir);
  base = `http://127.0.0.1:${server.address().port}/`;
}
fs.mkdirSync(artifacts, { recursive: true });
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regbook-chromium-"));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ok    ${name}`);
  } catch (e) {
    failed++;
    console.log(`  FAIL  ${name}\n        ${String(e && e.message ? e.message : e).split("\n").join("\n        ")}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const baseHost = new URL(base).host;
const offsite = [];
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
  ],
  viewport: { width: 1280, height: 900 },
});
context.on("request", (req) => {
  const u = new URL(req.url());
  const local = (u.protocol === "http:" || u.protocol === "https:" || u.protocol === "ws:") ? u.host === baseHost : ["data:", "blob:", "about:"].includes(u.protocol);
  if (!local) offsite.push(req.url());
});

try {
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // A request aborted by the next navigation (net::ERR_ABORTED) is not an error; anything else is,
  // and so is every local response with an error status.
  page.on("requestfailed", (r) => {
    const why = (r.failure() && r.failure().errorText) || "";
    if (new URL(r.url()).host === baseHost && !why.includes("ERR_ABORTED")) consoleErrors.push(`request failed (${why}): ${r.url()}`);
  });
  page.on("response", (r) => {
    if (new URL(r.url()).host === baseHost && r.status() >= 400) consoleErrors.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  // 1. A chapter with math renders, with the KaTeX fonts loaded from the book.
  const zhUrl = new URL("zh/overview.html#what-is-regularization", base).href;
  await check("zh/overview.html: math rendered by KaTeX with its fonts loaded", async () => {
    const resp = await page.goto(zhUrl, { waitUntil: "load" });
    assert(resp && resp.ok(), `GET ${zhUrl} -> ${resp && resp.status()}`);
    await page.evaluate(() => document.fonts.ready);
    const r = await page.evaluate(async () => {
      await Promise.all([document.fonts.load("1em KaTeX_Main"), document.fonts.load("italic 1em KaTeX_Math")]);
      const el = document.querySelector(".katex-display .katex, .katex");
      const loaded = [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family.replace(/"/g, ""));
      return {
        katex: !!el,
        mainFamily: el ? getComputedStyle(el).fontFamily : "",
        main: document.fonts.check("1em KaTeX_Main"),
        math: document.fonts.check("italic 1em KaTeX_Math"),
        loaded,
        lang: document.documentElement.lang,
      };
    });
    assert(r.katex, "no rendered .katex element");
    assert(r.lang === "zh", `<html lang> is ${r.lang}`);
    assert(r.mainFamily.includes("KaTeX_Main"), `.katex font-family is ${r.mainFamily}`);
    assert(r.main && r.math, `KaTeX fonts not available (KaTeX_Main ${r.main}, KaTeX_Math ${r.math})`);
    assert(r.loaded.includes("KaTeX_Main") && r.loaded.includes("KaTeX_Math"), `loaded font faces: ${r.loaded.join(", ")}`);
  });
  await page.screenshot({ path: path.join(artifacts, "zh-overview-math.png"), fullPage: false });

  // 2. The language switch lands on the mirrored page, same section.
  await check("language switch zh -> en keeps page and section", async () => {
    await page.goto(new URL("zh/overview.html#knowledge-points", base).href, { waitUntil: "load" });
    const sw = page.locator("#lang-switch");
    assert(await sw.isVisible(), "#lang-switch not visible");
    await Promise.all([page.waitForURL(/\/en\/overview\.html/), sw.click()]);
    const u = new URL(page.url());
    assert(u.pathname.endsWith("/en/overview.html"), `landed on ${u.pathname}`);
    assert(u.hash === "#knowledge-points", `landed on hash ${u.hash}`);
    const lang = await page.evaluate(() => document.documentElement.lang);
    assert(lang === "en", `<html lang> is ${lang}`);
    const target = await page.evaluate(() => !!document.getElementById("knowledge-points"));
    assert(target, "the mirrored page has no #knowledge-points");
  });
  await page.screenshot({ path: path.join(artifacts, "en-overview-after-switch.png"), fullPage: false });

  await check("language switch en -> zh follows a hash change", async () => {
    await page.goto(new URL("en/dropout.html", base).href, { waitUntil: "load" });
    await page.evaluate(() => { location.hash = "#dropout"; });
    await Promise.all([page.waitForURL(/\/zh\/dropout\.html/), page.locator("#lang-switch").click()]);
    const u = new URL(page.url());
    assert(u.pathname.endsWith("/zh/dropout.html") && u.hash === "#dropout", `landed on ${u.pathname}${u.hash}`);
  });

  // 3. The landing page offers both books.
  await check("landing page links both books", async () => {
    await page.goto(new URL("index.html?choose", base).href, { waitUntil: "load" });
    const hrefs = await page.evaluate(() => [...document.querySelectorAll(".choices a")].map((a) => a.getAttribute("href")));
    assert(hrefs.includes("zh/index.html") && hrefs.includes("en/index.html"), `choices: ${hrefs}`);
  });
  await page.screenshot({ path: path.join(artifacts, "landing.png") });

  // 4. Print page and search load without errors.
  await check("en/print.html renders math", async () => {
    const resp = await page.goto(new URL("en/print.html", base).href, { waitUntil: "load" });
    assert(resp && resp.ok(), "print.html not served");
    assert(await page.evaluate(() => document.querySelectorAll(".katex").length > 0), "no KaTeX on the print page");
  });

  // 5. The interview bank: self-quiz, answers, cheat sheet (tests/browser/interview.mjs).
  await interviewChecks({ page, base, check, assert });
  await page.goto(new URL("en/interview.html#bn-train-vs-eval", base).href, { waitUntil: "load" });
  await page.locator("#bn-train-vs-eval ~ details.q-answer summary").first().click();
  await page.screenshot({ path: path.join(artifacts, "en-interview-answer-open.png"), fullPage: false });

  // 6. Search (Pagefind, Chinese and English queries) and the "mastered" marks (tests/browser/search.mjs).
  await searchChecks({ page, base, check, assert });
  await page.goto(new URL("zh/overview.html", base).href, { waitUntil: "load" });
  await page.keyboard.press("s");
  await page.locator("#regbook-search-input").fill("批归一化");
  await page.waitForSelector("#regbook-search-results li[role=option]");
  await page.screenshot({ path: path.join(artifacts, "zh-search.png"), fullPage: false });

  await check("no page error and no failed local request", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });

  // 5. Nothing left 127.0.0.1.
  await check("no request leaves localhost", async () => {
    assert(offsite.length === 0, `requests to other hosts:\n${offsite.join("\n")}`);
  });
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  if (server) server.close();
}

console.log(`screenshots: ${artifacts}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
