// Browser checks for the interview bank (src/<lang>/interview.md + theme/quiz.js) and its cheat
// sheet, in a real headless Chromium (Debian's `chromium`) driven by playwright-core, with the same
// launch flags as tests/browser/run.mjs.
//
// run.mjs calls `await interviewChecks({ page, base, check, assert })` with its page and helpers.

/** The checks; `page` is a Playwright page, `base` the URL that serves book/ (ending in /). */
export async function interviewChecks({ page, base, check, assert }) {
  for (const lang of ["en", "zh"]) {
    const url = new URL(`${lang}/interview.html`, base).href;
    const labels = lang === "zh"
      ? { showAll: "显示全部答案", hideAll: "隐藏全部", random: "随机一题", summary: "答案" }
      : { showAll: "Show all answers", hideAll: "Hide all", random: "Random question", summary: "Answer" };

    await check(`${lang}/interview.html: answers start hidden; clicking one question's answer opens it`, async () => {
      const resp = await page.goto(url, { waitUntil: "load" });
      assert(resp && resp.ok(), `GET ${url} -> ${resp && resp.status()}`);
      const counts = await page.evaluate(() => ({
        questions: document.querySelectorAll("main p.q-meta").length,
        answers: document.querySelectorAll("main details.q-answer").length,
        shorts: document.querySelectorAll("main details.q-short").length,
        open: document.querySelectorAll("main details.q-answer[open], main details.q-short[open]").length,
        lang: document.documentElement.lang,
      }));
      assert(counts.lang === lang, `<html lang> is ${counts.lang}`);
      assert(counts.questions >= 50, `only ${counts.questions} questions on the page`);
      assert(counts.answers === counts.questions && counts.shorts === counts.questions,
        `${counts.questions} questions but ${counts.answers} answers and ${counts.shorts} 30-second answers`);
      assert(counts.open === 0, `${counts.open} answers are open before anything was clicked`);
      const answer = page.locator("#bn-train-vs-eval ~ details.q-answer").first();
      const body = answer.locator("p").first();
      assert(!(await body.isVisible()), "the answer text is visible before its summary was clicked");
      await answer.locator("summary").click();
      assert(await answer.evaluate((d) => d.open), "the answer did not open");
      assert(await body.isVisible(), "the answer is open but its text is not visible");
      const summary = (await answer.locator("summary").textContent()).trim();
      assert(summary === labels.summary, `summary reads ${JSON.stringify(summary)}`);
      const others = await page.evaluate(() => document.querySelectorAll("main details.q-answer[open]").length);
      assert(others === 1, `${others} answers opened by one click`);
    });

    await check(`${lang}/interview.html: a 30-second answer opens from the keyboard`, async () => {
      const summary = page.locator("#bn-batch-of-one ~ details.q-short summary").first();
      await summary.focus();
      await page.keyboard.press("Enter");
      assert(await summary.evaluate((s) => s.parentElement.open), "Enter on a focused summary did not open it");
    });

    await check(`${lang}/interview.html: "${labels.showAll}" opens every answer, "${labels.hideAll}" folds them`, async () => {
      const all = page.getByRole("button", { name: labels.showAll, exact: true });
      assert(await all.isVisible(), `no visible "${labels.showAll}" button`);
      await all.click();
      const r = await page.evaluate(() => {
        const d = [...document.querySelectorAll("main details.q-answer, main details.q-short")];
        return { n: d.length, open: d.filter((x) => x.open).length };
      });
      assert(r.n > 0 && r.open === r.n, `${r.open} of ${r.n} answers open after "show all"`);
      await page.getByRole("button", { name: labels.hideAll, exact: true }).click();
      const open = await page.evaluate(() => document.querySelectorAll("main details[open].q-answer, main details[open].q-short").length);
      assert(open === 0, `${open} answers still open after "hide all"`);
    });

    await check(`${lang}/interview.html: filtering by difficulty, then a random question from the filtered set`, async () => {
      await page.selectOption("#quiz-difficulty", "hard");
      const r = await page.evaluate(() => {
        const metas = [...document.querySelectorAll("main p.q-meta")];
        return {
          hard: metas.filter((m) => m.dataset.difficulty === "hard").length,
          shown: metas.filter((m) => !m.hidden && m.offsetParent !== null).length,
          shownHard: metas.filter((m) => !m.hidden && m.dataset.difficulty === "hard").length,
        };
      });
      assert(r.hard >= 10, `only ${r.hard} hard questions`);
      assert(r.shown === r.hard && r.shownHard === r.hard, `filter "hard": ${r.shown} shown, ${r.hard} hard`);
      await page.getByRole("button", { name: labels.random, exact: true }).click();
      const picked = await page.evaluate(() => {
        const id = decodeURIComponent(location.hash.slice(1));
        const h = document.getElementById(id);
        const meta = h && h.nextElementSibling;
        return { id, difficulty: meta && meta.dataset.difficulty, focused: document.activeElement === h };
      });
      assert(picked.id && picked.difficulty === "hard", `random pick #${picked.id} is not a hard question`);
      assert(picked.focused, `random pick #${picked.id} did not receive focus`);
      await page.waitForFunction(() => {
        const a = document.getElementById("lang-switch");
        return a && a.getAttribute("href").endsWith("#" + location.hash.slice(1));
      }, null, { timeout: 2000 }).catch(() => {});
      const sw = await page.evaluate(() => { const a = document.getElementById("lang-switch"); return a ? a.getAttribute("href") : ""; });
      assert(sw.endsWith(`/interview.html#${picked.id}`), `the language switch leads to ${sw}, not to the picked question`);
      await page.selectOption("#quiz-difficulty", "");
      const all = await page.evaluate(() => [...document.querySelectorAll("main p.q-meta")].every((m) => !m.hidden));
      assert(all, "clearing the filter did not show every question again");
    });

    await check(`${lang}/interview.html: printing unfolds every answer and hides the toolbar`, async () => {
      await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
      await page.emulateMedia({ media: "print" });
      const r = await page.evaluate(() => {
        const d = [...document.querySelectorAll("main details.q-answer, main details.q-short")];
        const bar = document.getElementById("quiz-toolbar");
        return { n: d.length, open: d.filter((x) => x.open).length, bar: bar ? getComputedStyle(bar).display : "missing" };
      });
      await page.emulateMedia({ media: "screen" });
      await page.evaluate(() => window.dispatchEvent(new Event("afterprint")));
      assert(r.open === r.n, `${r.open} of ${r.n} answers open for printing`);
      assert(r.bar === "none", `the toolbar prints (display: ${r.bar})`);
      const after = await page.evaluate(() => document.querySelectorAll("main details[open]").length);
      assert(after === 0, `${after} answers still open after printing`);
    });

    await check(`${lang}/cheatsheet.html: one entry per question, each linking to its answer`, async () => {
      const resp = await page.goto(new URL(`${lang}/cheatsheet.html`, base).href, { waitUntil: "load" });
      assert(resp && resp.ok(), "cheatsheet.html not served");
      const hrefs = await page.evaluate(() => [...document.querySelectorAll("main .cheatsheet li > a[href^='interview.html#']")].map((a) => a.getAttribute("href")));
      assert(hrefs.length >= 50, `only ${hrefs.length} cheat-sheet entries`);
      await page.goto(new URL(hrefs[0], new URL(`${lang}/cheatsheet.html`, base)).href, { waitUntil: "load" });
      const id = decodeURIComponent(new URL(page.url()).hash.slice(1));
      assert(await page.evaluate((i) => !!document.getElementById(i), id), `interview.html has no #${id}`);
    });
  }

  await check("a cited question keeps its id across languages (zh -> en via the language switch)", async () => {
    await page.goto(new URL("zh/interview.html#bn-train-vs-eval", base).href, { waitUntil: "load" });
    await Promise.all([page.waitForURL(/\/en\/interview\.html/), page.locator("#lang-switch").click()]);
    const u = new URL(page.url());
    assert(u.hash === "#bn-train-vs-eval", `landed on ${u.pathname}${u.hash}`);
    assert(await page.evaluate(() => !!document.getElementById("bn-train-vs-eval")), "en/interview.html has no #bn-train-vs-eval");
  });
}
