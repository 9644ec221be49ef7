// Browser checks for the book's search (theme/search.js over Pagefind's index, built by
// `cargo xtask build`) and the "mastered" marks with their progress view (theme/mastered.js), in a
// real headless Chromium (Debian's `chromium`) driven by playwright-core, with the same launch
// flags as tests/browser/run.mjs.
//
// run.mjs calls `await searchChecks({ page, base, check, assert })` with its page and helpers (it
// runs the search and the mastered checks).

/** Each query and the chapter that must come first. */
export const QUERIES = {
  zh: [["批归一化", "batch-norm.html"], ["权重衰减", "weight-decay.html"], ["暂退法", "dropout.html"], ["层归一化", "layer-norm.html"]],
  en: [["weight decay", "weight-decay.html"], ["stochastic depth", "dropout.html"], ["label smoothing", "augmentation.html"]],
};

const RESULTS = "#regbook-search-results li[role=option]";

/** Types `q` into the search box (opened with the `s` key) and waits for its results. */
async function runQuery(page, q) {
  const input = page.locator("#regbook-search-input");
  if (!(await input.isVisible())) {
    await page.locator("body").click({ position: { x: 5, y: 300 } }).catch(() => {});
    await page.keyboard.press("s");
    await input.waitFor({ state: "visible", timeout: 5000 });
  }
  await input.fill(q);
  // The status line names the query once its results are rendered.
  await page.waitForFunction((q) => {
    const s = document.getElementById("regbook-search-status");
    return s && s.textContent.includes(q) && document.querySelectorAll("#regbook-search-results li[role=option]").length > 0;
  }, q, { timeout: 15000 });
  return page.evaluate(() => [...document.querySelectorAll("#regbook-search-results li[role=option]")].map((li) => ({
    page: li.dataset.page,
    title: (li.querySelector(".regbook-search-title") || {}).textContent || "",
    section: (li.querySelector(".regbook-search-section") || {}).textContent || "",
    excerpt: (li.querySelector(".regbook-search-excerpt") || {}).textContent || "",
    marks: li.querySelectorAll(".regbook-search-excerpt mark").length,
    href: li.querySelector("a.regbook-search-hit").getAttribute("href"),
    selected: li.getAttribute("aria-selected"),
  })));
}

/** The element the URL's hash names is there and inside the viewport. */
async function targetInView(page) {
  return page.evaluate(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id && document.getElementById(id);
    if (!el) { return { id, found: false }; }
    const r = el.getBoundingClientRect();
    return { id, found: true, top: r.top, inView: r.bottom > 0 && r.top < window.innerHeight };
  });
}

/** The checks; `page` is a Playwright page, `base` the URL that serves book/ (ending in /). */
export async function searchChecks({ page, base, check, assert }) {
  const url = (p) => new URL(p, base).href;

  // ---- search ---------------------------------------------------------------------------------
  for (const lang of ["zh", "en"]) {
    await check(`${lang}: mdBook's search is gone; S opens the book's search box, Esc closes it`, async () => {
      const resp = await page.goto(url(`${lang}/overview.html`), { waitUntil: "load" });
      assert(resp && resp.ok(), `GET ${lang}/overview.html -> ${resp && resp.status()}`);
      const r = await page.evaluate(() => ({
        old: !!document.getElementById("mdbook-searchbar") || !!document.querySelector("script[src*='searcher']") || !!document.querySelector("script[src*='elasticlunr']"),
        hidden: document.getElementById("regbook-search").hidden,
      }));
      assert(!r.old, "mdBook's own search is still on the page");
      assert(r.hidden, "the search box is open before anything was pressed");
      await page.keyboard.press("s");
      const input = page.locator("#regbook-search-input");
      await input.waitFor({ state: "visible", timeout: 5000 });
      assert(await input.evaluate((el) => document.activeElement === el), "the search box did not get the focus");
      await page.keyboard.press("Escape");
      assert(await page.evaluate(() => document.getElementById("regbook-search").hidden), "Esc did not close the search box");
      await page.keyboard.press("/");
      assert(await input.isVisible(), "/ did not open the search box");
      await page.keyboard.press("Escape");
    });

    for (const [q, expected] of QUERIES[lang]) {
      await check(`${lang}: searching ${JSON.stringify(q)} puts ${expected} first, with the matched section; Enter jumps there`, async () => {
        await page.goto(url(`${lang}/overview.html`), { waitUntil: "load" });
        const results = await runQuery(page, q);
        const first = results[0];
        const list = results.slice(0, 5).map((r) => `${r.page} (${r.section})`).join(", ");
        assert(first.page === expected, `first result is ${first.page}, not ${expected}; results: ${list}`);
        assert(first.section.trim().length > 0, `the first result shows no matched section`);
        assert(first.marks > 0, `the first result's excerpt highlights nothing: ${first.excerpt}`);
        assert(/#.+/.test(first.href) && first.href.split("#")[0].endsWith(`/${lang}/${expected}`), `the first result links to ${first.href}`);
        assert(first.selected === "true", "the first result is not the active one");
        await Promise.all([page.waitForURL((u) => u.pathname.endsWith(`/${lang}/${expected}`) && u.hash.length > 1, { timeout: 10000 }), page.keyboard.press("Enter")]);
        await page.waitForLoadState("load");
        const u = new URL(page.url());
        assert(u.hash === "#" + first.href.split("#")[1], `landed on ${u.hash}, the result pointed to ${first.href}`);
        const t = await targetInView(page);
        assert(t.found, `no element #${t.id} on ${u.pathname}`);
        assert(t.inView, `#${t.id} is not in view (top ${t.top})`);
      });
    }
  }

  await check("en: arrow keys move through the results and a click opens one at its section", async () => {
    await page.goto(url("en/overview.html"), { waitUntil: "load" });
    const results = await runQuery(page, "label smoothing");
    assert(results.length >= 2, `only ${results.length} results for "label smoothing"`);
    await page.keyboard.press("ArrowDown");
    const sel = await page.evaluate(() => [...document.querySelectorAll("#regbook-search-results li[role=option]")].findIndex((li) => li.getAttribute("aria-selected") === "true"));
    assert(sel === 1, `ArrowDown selected result ${sel}, not the second`);
    // ArrowRight in the search box edits the text; it must not turn the page.
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(300);
    assert(new URL(page.url()).pathname.endsWith("/en/overview.html"), `ArrowRight in the search box navigated to ${page.url()}`);
    const second = results[1];
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/en/" + second.page) && u.hash.length > 1, { timeout: 10000 }),
      page.locator(`${RESULTS} >> nth=1`).locator("a.regbook-search-hit").click()]);
    const t = await targetInView(page);
    assert(t.found && t.inView, `after the click #${t.id} is ${t.found ? "not in view" : "missing"}`);
  });

  await check("zh: a query with no match says so", async () => {
    await page.goto(url("zh/overview.html"), { waitUntil: "load" });
    await page.keyboard.press("s");
    await page.locator("#regbook-search-input").fill("靐龘");
    await page.waitForFunction(() => /没有找到/.test(document.getElementById("regbook-search-status").textContent), null, { timeout: 15000 });
    const n = await page.locator(RESULTS).count();
    assert(n === 0, `${n} results for nonsense`);
  });

  await mastered({ page, base, check, assert });
}

// ---- mastered marks --------------------------------------------------------------------------------
async function mastered({ page, base, check, assert }) {
  const url = (p) => new URL(p, base).href;
  const pressed = (sel) => page.locator(sel).getAttribute("aria-pressed");
  const row = async (group) => {
    await page.locator("#mastery-progress[data-ready=true]").waitFor({ timeout: 10000 });
    return page.evaluate((g) => {
      const r = document.querySelector(`#mastery-progress .mastery-row[data-group="${g}"]`);
      return r ? { count: r.querySelector(".mastery-count").textContent, now: r.querySelector("[role=progressbar]").getAttribute("aria-valuenow"),
        max: r.querySelector("[role=progressbar]").getAttribute("aria-valuemax"), width: r.querySelector(".mastery-bar-fill").style.width } : null;
    }, group);
  };

  await check("mastered: every interview question, chapter question and knowledge point has a toggle", async () => {
    await page.goto(url("en/overview.html"), { waitUntil: "load" });
    await page.evaluate(() => localStorage.removeItem("regbook-mastered"));
    const index = await (await page.request.get(url("en/mastery-index.json"))).json();
    assert(index.interview && index.interview.ids.length >= 50, "mastery-index.json lists too few interview questions");
    assert(index.pages.filter((p) => p.knowledge_point).length === 5, "mastery-index.json does not list five knowledge points");
    for (const lang of ["en", "zh"]) {
      await page.goto(url(`${lang}/interview.html`), { waitUntil: "load" });
      const ids = await page.evaluate(() => [...document.querySelectorAll("main .mastered-toggle")].map((b) => b.dataset.masteredId));
      const missing = index.interview.ids.filter((id) => !ids.includes(id));
      assert(missing.length === 0, `${lang}/interview.html: no toggle for ${missing.join(", ")}`);
      for (const p of index.pages) {
        await page.goto(url(`${lang}/${p.page}`), { waitUntil: "load" });
        const here = await page.evaluate(() => [...document.querySelectorAll("main .mastered-toggle")].map((b) => b.dataset.masteredId));
        const miss = p.ids.filter((id) => !here.includes(id));
        assert(miss.length === 0, `${lang}/${p.page}: no toggle for ${miss.join(", ")}`);
      }
    }
  });

  await check("mastered: a mark on an interview question survives a reload and shows in the other book", async () => {
    await page.goto(url("en/interview.html"), { waitUntil: "load" });
    const sel = "#bn-train-vs-eval .mastered-toggle";
    assert((await pressed(sel)) === "false", "the question starts marked");
    const name = await page.locator(sel).getAttribute("aria-label");
    assert(/^Mastered: /.test(name), `the toggle's accessible name is ${name}`);
    await page.locator(sel).click();
    assert((await pressed(sel)) === "true", "clicking did not mark the question");
    await page.reload({ waitUntil: "load" });
    assert((await pressed(sel)) === "true", "the mark is gone after a reload");
    // The question's own text is untouched (the random pick and the sidebar read it).
    const text = await page.evaluate(() => document.getElementById("bn-train-vs-eval").textContent.trim());
    assert(!/Mastered/.test(text), `the heading's text now reads ${JSON.stringify(text)}`);
    await page.goto(url("zh/interview.html"), { waitUntil: "load" });
    assert((await pressed(sel)) === "true", "zh/interview.html does not show the mark made in the en book");
    assert(/^已掌握：/.test(await page.locator(sel).getAttribute("aria-label")), "the zh toggle is not labelled 已掌握");
  });

  await check("mastered: the overview's progress view counts the mark, in both books", async () => {
    for (const [lang, word] of [["en", "mastered"], ["zh", "已掌握"]]) {
      await page.goto(url(`${lang}/overview.html`), { waitUntil: "load" });
      const r = await row("interview");
      assert(r && r.now === "1", `${lang}: the interview row says ${r && r.count}`);
      assert(r.count === `1 / ${r.max} ${word}`, `${lang}: the interview row reads ${JSON.stringify(r.count)}`);
      assert(parseFloat(r.width) > 0, `${lang}: the interview bar is empty`);
      const groups = await page.evaluate(() => [...document.querySelectorAll("#mastery-progress .mastery-row")].map((x) => x.dataset.group));
      for (const g of ["weight-decay", "dropout", "batch-norm", "layer-norm", "augmentation", "interview", "total"]) {
        assert(groups.includes(g), `${lang}: the progress view has no ${g} row (${groups.join(", ")})`);
      }
      const placed = await page.evaluate(() => {
        const v = document.getElementById("mastery-progress");
        const h = document.getElementById("knowledge-points");
        return !!(v && h && (h.compareDocumentPosition(v) & Node.DOCUMENT_POSITION_FOLLOWING));
      });
      assert(placed, `${lang}: the progress view is not after "the five knowledge points"`);
    }
  });

  await check("mastered: Tab reaches a knowledge point's toggle and Space toggles it; the progress view follows", async () => {
    await page.goto(url("en/batch-norm.html"), { waitUntil: "load" });
    await page.locator("h1#batch-norm a.header").focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.masteredId);
    assert(focused === "kp-batch-norm", `Tab from the title focused ${focused}`);
    await page.keyboard.press("Space");
    assert((await pressed("h1#batch-norm .mastered-toggle")) === "true", "Space did not mark the knowledge point");
    await page.keyboard.press("Space");
    assert((await pressed("h1#batch-norm .mastered-toggle")) === "false", "a second Space did not unmark it");
    await page.keyboard.press("Enter");
    assert((await pressed("h1#batch-norm .mastered-toggle")) === "true", "Enter did not mark it");
    await page.goto(url("zh/overview.html"), { waitUntil: "load" });
    const r = await row("batch-norm");
    assert(r && r.now === "1", `the batch-norm row says ${r && r.count}`);
    const total = await row("total");
    assert(total && total.now === "2", `the total row says ${total && total.count}`);
  });

  await check("mastered: ← / → still turn the page (also right after using a toggle)", async () => {
    await page.goto(url("en/batch-norm.html"), { waitUntil: "load" });
    const next = await page.evaluate(() => document.querySelector(".nav-chapters.next").getAttribute("href"));
    await page.locator("#q-bn-fold .mastered-toggle").focus();
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/" + next.replace(/^(\.\.\/|\.\/)+/, "")), { timeout: 10000 }), page.keyboard.press("ArrowRight")]);
    await page.waitForLoadState("load");
    await Promise.all([page.waitForURL(/\/en\/batch-norm\.html/, { timeout: 10000 }), page.keyboard.press("ArrowLeft")]);
  });

  await check("mastered: reset clears every mark", async () => {
    await page.goto(url("en/overview.html"), { waitUntil: "load" });
    await row("total");
    page.once("dialog", (d) => d.accept());
    await page.locator("#mastery-reset").click();
    const total = await row("total");
    assert(total && total.now === "0", `after reset the total row says ${total && total.count}`);
    const stored = await page.evaluate(() => localStorage.getItem("regbook-mastered"));
    assert(stored === "{}" || stored === null, `localStorage still holds ${stored}`);
  });
}
