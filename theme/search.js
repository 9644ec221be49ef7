// The book's search, replacing mdBook's (which drops Chinese text). The index is Pagefind's
// (extended build: Chinese is segmented), built by `cargo xtask build` into
// book/<lang>/pagefind/ (crates/xtask/src/search.rs); this file drives it through Pagefind's JS API,
// loaded from the book itself: no request leaves the book.
//
// Keys: S or / opens the search box, Esc closes it, ↑/↓ move through the results, Enter opens one.
// Each result names its chapter, the matched section and an excerpt, and links to that section.
//
// Ranking, on top of Pagefind's own score:
//   1. a chapter whose title contains the whole query comes first (the title weighs most);
//   2. for a Chinese query, pages holding the query as one phrase come before pages that merely
//      hold its characters (the browser cuts 批归一化 into 批/归/一/化);
//   3. chapters that teach a topic rank above the pages that review it (interview bank, cheat
//      sheet, mistakes, comparison, references), whose scores are scaled by REVIEW_FACTOR.
(function () {
    "use strict";
    var wrapper = document.getElementById("regbook-search");
    var input = document.getElementById("regbook-search-input");
    var list = document.getElementById("regbook-search-results");
    var status = document.getElementById("regbook-search-status");
    var toggle = document.getElementById("regbook-search-toggle");
    if (!wrapper || !input || !list || !toggle) { return; }

    var zh = (document.documentElement.getAttribute("lang") || "").indexOf("zh") === 0;
    var T = zh ? {
        loading: "正在载入搜索索引……", none: function (q) { return "没有找到「" + q + "」"; },
        count: function (n, q) { return "「" + q + "」：" + n + " 个页面"; }, failed: "搜索索引载入失败：",
        also: "其他小节："
    } : {
        loading: "Loading the search index ...", none: function (q) { return "Nothing found for “" + q + "”"; },
        count: function (n, q) { return n + (n === 1 ? " page" : " pages") + " for “" + q + "”"; }, failed: "The search index failed to load: ",
        also: "Also in: "
    };

    var REVIEW_PAGES = ["interview.html", "cheatsheet.html", "mistakes.html", "comparison.html", "references.html", "citing.html"];
    var REVIEW_FACTOR = 0.8;
    var MAX_RESULTS = 10;

    // The book's root, as a path ("/zh/"): Pagefind's URLs are relative to the indexed folder.
    var rootUrl = new URL((typeof path_to_root === "string" && path_to_root) || "./", window.location.href);
    var pagefind = null;
    function load() {
        if (!pagefind) {
            pagefind = import(new URL("pagefind/pagefind.js", rootUrl).href).then(function (pf) {
                return Promise.resolve(pf.options({ baseUrl: rootUrl.pathname })).then(function () { return pf; });
            });
        }
        return pagefind;
    }

    // ---- open / close -------------------------------------------------------------------------
    function isOpen() { return !wrapper.hidden; }
    function open() {
        wrapper.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        input.focus();
        input.select();
        load().catch(function () { /* reported on search */ });
    }
    function close() {
        wrapper.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-expanded", "false");
        if (wrapper.contains(document.activeElement)) { toggle.focus(); }
    }
    toggle.addEventListener("click", function () { if (isOpen()) { close(); } else { open(); } });

    // mdBook's book.js skips its chapter keys (←/→) while window.search has the focus.
    window.search = window.search || {};
    window.search.hasFocus = function () { return wrapper.contains(document.activeElement); };

    function typing(e) {
        var t = (e.composedPath && e.composedPath()[0]) || e.target;
        return /^(?:input|select|textarea)$/i.test(t.nodeName) || t.isContentEditable;
    }
    document.addEventListener("keydown", function (e) {
        if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) { return; }
        if ((e.key === "s" || e.key === "S" || e.key === "/") && !typing(e) && !e.shiftKey) {
            e.preventDefault();
            open();
        } else if (e.key === "Escape" && isOpen()) {
            e.preventDefault();
            close();
        }
    });
    // Keys inside the search box never reach mdBook's chapter navigation.
    wrapper.addEventListener("keydown", function (e) {
        if (e.key === "ArrowLeft" || e.key === "ArrowRight") { e.stopPropagation(); }
    });

    // ---- results --------------------------------------------------------------------------------
    var active = -1;
    function items() { return Array.prototype.slice.call(list.querySelectorAll("li[role=option]")); }
    function setActive(i) {
        var all = items();
        if (all.length === 0) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
        active = (i + all.length) % all.length;
        all.forEach(function (li, k) { li.setAttribute("aria-selected", k === active ? "true" : "false"); });
        input.setAttribute("aria-activedescendant", all[active].id);
        all[active].scrollIntoView({ block: "nearest" });
    }
    function go(i) {
        var li = items()[i < 0 ? 0 : i];
        if (!li) { return; }
        var a = li.querySelector("a.regbook-search-hit");
        if (a) { a.click(); }
    }
    input.addEventListener("keydown", function (e) {
        if (e.key === "ArrowDown") { e.preventDefault(); setActive(active + 1); }
        else if (e.key === "ArrowUp") { e.preventDefault(); setActive(active - 1); }
        else if (e.key === "Enter") { e.preventDefault(); if (e.isComposing) { return; } go(active); }
    });
    // Following a result to a section of the current page scrolls there; close the box either way.
    list.addEventListener("click", function (e) {
        var a = e.target.closest && e.target.closest("a");
        if (a) { close(); }
    });

    // Pagefind's excerpts are HTML with <mark>; keep only text and <mark>.
    function excerptNodes(html) {
        var frag = document.createDocumentFragment();
        var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
        Array.prototype.forEach.call(doc.body.childNodes, function (n) {
            if (n.nodeType === 1 && n.nodeName === "MARK") {
                var m = document.createElement("mark");
                m.textContent = n.textContent;
                frag.appendChild(m);
            } else {
                frag.appendChild(document.createTextNode(n.textContent));
            }
        });
        return frag;
    }
    function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, " ").trim(); }
    function squash(s) { return norm(s).replace(/\s+/g, ""); }
    function pageOf(url) { return (url || "").split("#")[0].split("/").pop(); }
    function subScore(s) {
        return (s.weighted_locations || []).reduce(function (acc, w) { return acc + (w.balanced_score || w.weight || 1); }, 0);
    }

    // The sections of a page to show: the one whose heading holds the query, else the one with
    // the most (heading-weighted) matches; sections without an anchor are skipped.
    function sections(data, q) {
        var subs = (data.sub_results || []).filter(function (s) { return s.url && s.url.indexOf("#") > 0; });
        var qq = squash(q);
        subs.sort(function (a, b) {
            var ta = squash(a.title).indexOf(qq) >= 0 ? 1 : 0, tb = squash(b.title).indexOf(qq) >= 0 ? 1 : 0;
            if (ta !== tb) { return tb - ta; }
            // Among headings that hold the query, the closest (shortest) one: the chapter title
            // rather than a long question that mentions it.
            if (ta && a.title.length !== b.title.length) { return a.title.length - b.title.length; }
            return subScore(b) - subScore(a);
        });
        return subs;
    }

    var seq = 0;
    function search(q) {
        var mine = ++seq;
        q = q.trim();
        if (!q) { render(mine, q, []); return; }
        status.textContent = T.loading;
        load().then(function (pf) {
            var cjk = /[\u3400-\u9fff\uf900-\ufaff]/.test(q);
            var phrase = cjk && !/["\s]/.test(q);
            return Promise.all([pf.search(q), phrase ? pf.search("\"" + q + "\"") : null]).then(function (r) {
                var main = r[0] ? r[0].results : [];
                var exact = {};
                if (r[1]) { r[1].results.forEach(function (x) { exact[x.id] = true; }); }
                var top = main.slice(0, 30);
                return Promise.all(top.map(function (x) { return x.data(); })).then(function (datas) {
                    var qq = squash(q);
                    var ranked = top.map(function (x, i) {
                        var d = datas[i];
                        var page = pageOf(d.url);
                        var title = (d.meta && d.meta.title) || page;
                        return {
                            data: d, page: page, title: title,
                            titleHit: squash(title).indexOf(qq) >= 0 ? 1 : 0,
                            phraseHit: phrase ? (exact[x.id] ? 1 : 0) : 1,
                            score: x.score * (REVIEW_PAGES.indexOf(page) >= 0 ? REVIEW_FACTOR : 1),
                            order: i
                        };
                    });
                    ranked.sort(function (a, b) {
                        return (b.titleHit - a.titleHit) || (b.phraseHit - a.phraseHit) || (b.score - a.score) || (a.order - b.order);
                    });
                    render(mine, q, ranked.slice(0, MAX_RESULTS));
                });
            });
        }).catch(function (err) {
            if (mine === seq) { status.textContent = T.failed + String(err && err.message || err); }
        });
    }

    function render(mine, q, ranked) {
        if (mine !== seq) { return; }
        list.textContent = "";
        active = -1;
        input.removeAttribute("aria-activedescendant");
        if (!q) { status.textContent = ""; input.setAttribute("aria-expanded", "false"); return; }
        status.textContent = ranked.length ? T.count(ranked.length, q) : T.none(q);
        input.setAttribute("aria-expanded", ranked.length ? "true" : "false");
        ranked.forEach(function (r, i) {
            var subs = sections(r.data, q);
            var best = subs[0];
            var li = document.createElement("li");
            li.id = "regbook-search-result-" + i;
            li.setAttribute("role", "option");
            li.setAttribute("aria-selected", "false");
            li.className = "regbook-search-result";
            li.dataset.page = r.page;
            var a = document.createElement("a");
            a.className = "regbook-search-hit";
            a.href = best ? best.url : r.data.url;
            a.tabIndex = -1;
            var t = document.createElement("span");
            t.className = "regbook-search-title";
            t.textContent = r.title;
            a.appendChild(t);
            if (best) {
                var s = document.createElement("span");
                s.className = "regbook-search-section";
                s.textContent = best.title;
                a.appendChild(s);
            }
            var ex = document.createElement("span");
            ex.className = "regbook-search-excerpt";
            ex.appendChild(excerptNodes(best ? best.excerpt : r.data.excerpt));
            a.appendChild(ex);
            li.appendChild(a);
            var more = subs.slice(1, 3);
            if (more.length) {
                var p = document.createElement("span");
                p.className = "regbook-search-more";
                p.appendChild(document.createTextNode(T.also));
                more.forEach(function (m, k) {
                    if (k) { p.appendChild(document.createTextNode(" · ")); }
                    var ma = document.createElement("a");
                    ma.href = m.url;
                    ma.tabIndex = -1;
                    ma.textContent = m.title;
                    p.appendChild(ma);
                });
                li.appendChild(p);
            }
            li.addEventListener("mousemove", function () { if (active !== i) { setActive(i); } });
            list.appendChild(li);
        });
        if (ranked.length) { setActive(0); }
    }

    var timer = null;
    input.addEventListener("input", function () {
        clearTimeout(timer);
        var q = input.value;
        timer = setTimeout(function () { search(q); }, 120);
    });
    // An IME commits with compositionend; search then, not on every keystroke of the composition.
    input.addEventListener("compositionend", function () { search(input.value); });
})();
