// "Mastered" marks for interview preparation, remembered by this browser only (localStorage; nothing
// leaves the machine):
// * a toggle on the title of each knowledge-point chapter (id kp-<page>), on every interview
//   question of the interview bank (its h3 followed by p.q-meta) and on every chapter question
//   (h3 ids starting with q-). Ids are the same in both books, so a mark made in one book shows in
//   the other.
// * a progress view on the overview page: per knowledge point, for the other chapters' questions
//   and for the interview bank, "N / M mastered" with a bar, and a reset button. The ids come from
//   mastery-index.json, written by `cargo xtask build` from the markdown
//   (crates/xtask/src/search.rs).
// The toggles are real <button aria-pressed> elements (Tab, then Space or Enter). They sit after a
// heading's link, so mdBook's sidebar (which copies that link) and quiz.js (which reads a heading's
// text) are unaffected: the visible label comes from CSS.
(function () {
    "use strict";
    var KEY = "regbook-mastered";
    // Must match KNOWLEDGE_POINTS in crates/xtask/src/search.rs.
    var KNOWLEDGE_POINTS = ["weight-decay", "dropout", "batch-norm", "layer-norm", "augmentation"];

    var zh = (document.documentElement.getAttribute("lang") || "").indexOf("zh") === 0;
    var T = zh ? {
        mark: "已掌握", markTitle: "标记为已掌握（只保存在本浏览器）", chapter: "本章",
        progress: "学习进度", note: "「已掌握」标记只保存在本浏览器（localStorage），不会上传到任何地方；中英文两版共用同一组标记。",
        of: function (n, m) { return n + " / " + m + " 已掌握"; }, total: "合计", others: "其他章节的面试题",
        reset: "清除全部标记", confirm: "清除全部「已掌握」标记？", none: "进度数据载入失败："
    } : {
        mark: "Mastered", markTitle: "Mark as mastered (kept in this browser only)", chapter: "this chapter",
        progress: "Your progress", note: "“Mastered” marks are kept in this browser only (localStorage) and never leave your machine; both languages share the same marks.",
        of: function (n, m) { return n + " / " + m + " mastered"; }, total: "Total", others: "Questions in the other chapters",
        reset: "Reset all marks", confirm: "Clear every “mastered” mark?", none: "The progress data failed to load: "
    };

    function load() {
        try {
            var v = JSON.parse(window.localStorage.getItem(KEY) || "{}");
            return v && typeof v === "object" && !Array.isArray(v) ? v : {};
        } catch (e) { return {}; }
    }
    function save(m) {
        try { window.localStorage.setItem(KEY, JSON.stringify(m)); } catch (e) { /* private mode: marks last for this page */ }
    }
    var marks = load();
    function isMarked(id) { return Object.prototype.hasOwnProperty.call(marks, id); }
    function setMarked(id, on) {
        marks = load();
        if (on) { marks[id] = Date.now(); } else { delete marks[id]; }
        save(marks);
        refresh();
    }

    var page = window.location.pathname.split("/").pop() || "index.html";
    var main = document.querySelector("main");
    if (!main || page === "print.html") { return; }

    // ---- toggles --------------------------------------------------------------------------------
    var toggles = [];
    function addToggle(heading, id, label) {
        if (!heading || !id || heading.querySelector(".mastered-toggle")) { return; }
        var b = document.createElement("button");
        b.type = "button";
        b.className = "mastered-toggle";
        b.setAttribute("data-mastered-id", id);
        b.setAttribute("data-label", T.mark);
        b.setAttribute("aria-label", (zh ? T.mark + "：" : T.mark + ": ") + label);
        b.title = T.markTitle;
        b.addEventListener("click", function () { setMarked(id, !isMarked(id)); });
        heading.appendChild(b);
        toggles.push(b);
    }
    function headingText(h) {
        var a = h.querySelector("a.header");
        return ((a || h).textContent || "").trim();
    }

    var stem = page.replace(/\.html$/, "");
    if (page === "index.html") {
        // mdBook's index.html is a copy of the first chapter.
        var first = document.querySelector("#mdbook-sidebar a.active, .sidebar a.active");
        stem = first ? (first.getAttribute("href") || "").split("/").pop().replace(/\.html.*$/, "") : stem;
    }
    var h1 = main.querySelector("h1");
    if (KNOWLEDGE_POINTS.indexOf(stem) >= 0 && h1) {
        addToggle(h1, "kp-" + stem, headingText(h1) + " (" + T.chapter + ")");
    }
    Array.prototype.forEach.call(main.querySelectorAll("h3[id]"), function (h) {
        var next = h.nextElementSibling;
        var interviewQ = next && next.classList && next.classList.contains("q-meta");
        if (interviewQ || h.id.indexOf("q-") === 0) { addToggle(h, h.id, headingText(h)); }
    });

    // ---- progress view (overview page) ------------------------------------------------------------
    var view = null;
    function bar(label, href, n, m) {
        var row = document.createElement("li");
        row.className = "mastery-row";
        var name = document.createElement(href ? "a" : "span");
        name.className = "mastery-name";
        if (href) { name.href = href; }
        name.textContent = label;
        var meter = document.createElement("span");
        meter.className = "mastery-bar";
        meter.setAttribute("role", "progressbar");
        meter.setAttribute("aria-valuemin", "0");
        meter.setAttribute("aria-valuemax", String(m));
        meter.setAttribute("aria-valuenow", String(n));
        meter.setAttribute("aria-label", label);
        var fill = document.createElement("span");
        fill.className = "mastery-bar-fill";
        fill.style.width = (m ? (100 * n / m) : 0).toFixed(1) + "%";
        meter.appendChild(fill);
        var count = document.createElement("span");
        count.className = "mastery-count";
        count.textContent = T.of(n, m);
        row.appendChild(name);
        row.appendChild(meter);
        row.appendChild(count);
        return row;
    }
    function renderView(index) {
        var list = view.querySelector(".mastery-list");
        list.textContent = "";
        function count(ids) { return ids.filter(isMarked).length; }
        var all = [];
        (index.pages || []).filter(function (p) { return p.knowledge_point; }).forEach(function (p) {
            var row = bar(p.title, p.page, count(p.ids), p.ids.length);
            row.setAttribute("data-group", p.page.replace(/\.html$/, ""));
            list.appendChild(row);
            all = all.concat(p.ids);
        });
        var others = [];
        (index.pages || []).filter(function (p) { return !p.knowledge_point; }).forEach(function (p) { others = others.concat(p.ids); });
        if (others.length) {
            var o = bar(T.others, null, count(others), others.length);
            o.setAttribute("data-group", "other-chapters");
            list.appendChild(o);
            all = all.concat(others);
        }
        if (index.interview) {
            var iv = bar(index.interview.title, index.interview.page, count(index.interview.ids), index.interview.ids.length);
            iv.setAttribute("data-group", "interview");
            list.appendChild(iv);
            all = all.concat(index.interview.ids);
        }
        var tot = bar(T.total, null, count(all), all.length);
        tot.setAttribute("data-group", "total");
        tot.classList.add("mastery-total");
        list.appendChild(tot);
    }
    var index = null;
    if (stem === "overview") {
        view = document.createElement("section");
        view.id = "mastery-progress";
        view.className = "mastery-progress";
        view.setAttribute("aria-labelledby", "mastery-progress-title");
        var title = document.createElement("h2");
        title.id = "mastery-progress-title";
        title.textContent = T.progress;
        var note = document.createElement("p");
        note.className = "mastery-note";
        note.textContent = T.note;
        var list = document.createElement("ul");
        list.className = "mastery-list";
        var reset = document.createElement("button");
        reset.type = "button";
        reset.id = "mastery-reset";
        reset.className = "mastery-reset";
        reset.textContent = T.reset;
        reset.addEventListener("click", function () {
            if (window.confirm(T.confirm)) { marks = {}; save(marks); refresh(); }
        });
        view.appendChild(title);
        view.appendChild(note);
        view.appendChild(list);
        view.appendChild(reset);
        // At the end of "The five knowledge points", else at the end of the page.
        var kp = document.getElementById("knowledge-points");
        var after = null;
        if (kp && kp.parentNode === main) {
            for (var el = kp.nextElementSibling; el; el = el.nextElementSibling) {
                if (/^H[12]$/.test(el.tagName)) { after = el; break; }
            }
        }
        main.insertBefore(view, after);
        var root = typeof path_to_root === "string" ? path_to_root : "";
        fetch(new URL(root + "mastery-index.json", window.location.href).href)
            .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
            .then(function (j) { index = j; view.setAttribute("data-ready", "true"); renderView(index); })
            .catch(function (e) { note.textContent = T.none + String(e && e.message || e); });
    }

    function refresh() {
        toggles.forEach(function (b) {
            var on = isMarked(b.getAttribute("data-mastered-id"));
            b.setAttribute("aria-pressed", on ? "true" : "false");
        });
        if (view && index) { renderView(index); }
    }
    // Another tab (or the other book) changed the marks.
    window.addEventListener("storage", function (e) { if (e.key === KEY) { marks = load(); refresh(); } });
    refresh();
})();
