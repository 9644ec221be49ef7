// Self-quiz for the interview bank (src/<lang>/interview.md): a toolbar that opens or folds every
// answer, picks a random question and filters by topic and difficulty. Works offline, with plain
// buttons and selects (keyboard accessible). On every page (print.html included) answers are
// unfolded for printing and folded back afterwards.
(function () {
    "use strict";
    var zh = (document.documentElement.getAttribute("lang") || "").indexOf("zh") === 0;
    var T = zh ? {
        toolbar: "自测工具", showAll: "显示全部答案", showShort: "只显示 30 秒回答", hideAll: "隐藏全部",
        random: "随机一题", topic: "主题", difficulty: "难度", any: "全部",
        basic: "基础", intermediate: "进阶", hard: "困难",
        shown: function (n, t) { return "显示 " + n + " / " + t + " 题"; },
        picked: function (title) { return "随机抽到：" + title; }
    } : {
        toolbar: "Self-quiz", showAll: "Show all answers", showShort: "Show 30-second answers only", hideAll: "Hide all",
        random: "Random question", topic: "Topic", difficulty: "Difficulty", any: "All",
        basic: "basic", intermediate: "intermediate", hard: "hard",
        shown: function (n, t) { return n + " of " + t + " questions shown"; },
        picked: function (title) { return "Random pick: " + title; }
    };

    var ANSWERS = "details.q-short, details.q-answer";

    // Printing: unfold every answer, fold back the ones that were closed.
    var reopened = [];
    window.addEventListener("beforeprint", function () {
        reopened = Array.prototype.filter.call(document.querySelectorAll(ANSWERS), function (d) { return !d.open; });
        reopened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
        reopened.forEach(function (d) { d.open = false; });
        reopened = [];
    });

    // The toolbar only on the interview page itself (not on print.html, which holds every chapter).
    var path = window.location.pathname;
    if (!/\/interview\.html$/.test(path)) { return; }
    var main = document.querySelector("main");
    if (!main || !main.querySelector("p.q-meta")) { return; }

    // Group each question: its h3, the q-meta line and everything up to the next h2/h3.
    var questions = [];
    var topicTitles = {};
    var topicOrder = [];
    var lastH2 = null;
    var kids = Array.prototype.slice.call(main.children);
    for (var i = 0; i < kids.length; i++) {
        var el = kids[i];
        if (el.tagName === "H2") { lastH2 = el; continue; }
        if (el.tagName !== "H3") { continue; }
        var meta = kids[i + 1];
        if (!meta || !meta.classList || !meta.classList.contains("q-meta")) { continue; }
        var q = { heading: el, els: [el], topic: meta.getAttribute("data-topic"),
                  difficulty: meta.getAttribute("data-difficulty"), h2: lastH2 };
        for (var j = i + 1; j < kids.length && kids[j].tagName !== "H2" && kids[j].tagName !== "H3"; j++) {
            q.els.push(kids[j]);
        }
        if (!(q.topic in topicTitles)) {
            topicTitles[q.topic] = lastH2 ? lastH2.textContent.trim() : q.topic;
            topicOrder.push(q.topic);
        }
        q.heading.setAttribute("tabindex", "-1");
        questions.push(q);
    }
    if (questions.length === 0) { return; }

    function el2(tag, attrs, text) {
        var e = document.createElement(tag);
        for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
        if (text) { e.textContent = text; }
        return e;
    }
    function button(id, text) { var b = el2("button", { type: "button", id: id, "class": "quiz-button" }, text); return b; }
    function select(id, label, options) {
        var wrap = el2("label", { "class": "quiz-filter", "for": id });
        wrap.appendChild(document.createTextNode(label + " "));
        var s = el2("select", { id: id });
        options.forEach(function (o) { var opt = el2("option", { value: o[0] }, o[1]); s.appendChild(opt); });
        wrap.appendChild(s);
        return { wrap: wrap, select: s };
    }

    var bar = el2("div", { "class": "quiz-toolbar", role: "toolbar", "aria-label": T.toolbar, id: "quiz-toolbar" });
    var bAll = button("quiz-show-all", T.showAll);
    var bShort = button("quiz-show-short", T.showShort);
    var bHide = button("quiz-hide-all", T.hideAll);
    var bRandom = button("quiz-random", T.random);
    var fTopic = select("quiz-topic", T.topic, [["", T.any]].concat(topicOrder.map(function (t) { return [t, topicTitles[t]]; })));
    var fDiff = select("quiz-difficulty", T.difficulty, [["", T.any], ["basic", T.basic], ["intermediate", T.intermediate], ["hard", T.hard]]);
    var status = el2("span", { "class": "quiz-status", id: "quiz-status", role: "status", "aria-live": "polite" });
    [bAll, bShort, bHide, bRandom, fTopic.wrap, fDiff.wrap, status].forEach(function (x) { bar.appendChild(x); });
    var h1 = main.querySelector("h1");
    if (h1 && h1.parentNode === main) { main.insertBefore(bar, h1.nextSibling); } else { main.insertBefore(bar, main.firstChild); }

    function visible() { return questions.filter(function (q) { return !q.heading.hidden; }); }
    function setOpen(qs, shortOnly, open) {
        qs.forEach(function (q) {
            q.els.forEach(function (e) {
                if (e.tagName !== "DETAILS") { return; }
                if (e.classList.contains("q-short")) { e.open = open; }
                if (e.classList.contains("q-answer")) { e.open = open && !shortOnly; }
            });
        });
    }
    function applyFilter() {
        var t = fTopic.select.value, d = fDiff.select.value, n = 0;
        var h2shown = [];
        questions.forEach(function (q) {
            var show = (!t || q.topic === t) && (!d || q.difficulty === d);
            q.els.forEach(function (e) { e.hidden = !show; });
            if (show) { n++; if (q.h2 && h2shown.indexOf(q.h2) < 0) { h2shown.push(q.h2); } }
        });
        questions.forEach(function (q) { if (q.h2) { q.h2.hidden = h2shown.indexOf(q.h2) < 0; } });
        status.textContent = T.shown(n, questions.length);
    }

    bAll.addEventListener("click", function () { setOpen(visible(), false, true); });
    bShort.addEventListener("click", function () { setOpen(visible(), false, false); setOpen(visible(), true, true); });
    bHide.addEventListener("click", function () { setOpen(questions, false, false); });
    bRandom.addEventListener("click", function () {
        var pool = visible();
        if (pool.length === 0) { return; }
        var q = pool[Math.floor(Math.random() * pool.length)];
        setOpen([q], false, false);
        if (window.history && window.history.replaceState) {
            window.history.replaceState(null, "", "#" + q.heading.id);
            window.dispatchEvent(new HashChangeEvent("hashchange"));
        }
        q.heading.scrollIntoView({ block: "start" });
        q.heading.focus({ preventScroll: true });
        // The language switch follows scrolling too; tell it again once the scroll has settled, so it
        // leads to this question and not to a heading hidden by the filter.
        window.requestAnimationFrame(function () {
            window.requestAnimationFrame(function () { window.dispatchEvent(new HashChangeEvent("hashchange")); });
        });
        status.textContent = T.picked(q.heading.textContent.trim());
    });
    fTopic.select.addEventListener("change", applyFilter);
    fDiff.select.addEventListener("change", applyFilter);
    applyFilter();
})();
