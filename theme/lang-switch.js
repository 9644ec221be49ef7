// Language switch: retarget the static link in the menu bar (#lang-switch, see theme/index.hbs)
// to the mirrored page in the other book, keeping the current section (#hash).
// Both books have identical file names: /zh/<page>.html <-> /en/<page>.html.
(function () {
    "use strict";
    var link = document.getElementById("lang-switch");
    if (!link) { return; }
    var target = link.getAttribute("hreflang") === "en" ? "en" : "zh";
    var current = target === "en" ? "zh" : "en";
    function mirrored() {
        var path = window.location.pathname;
        var marker = "/" + current + "/";
        var at = path.lastIndexOf(marker);
        if (at < 0) { return null; }
        var page = path.slice(at + marker.length);
        if (page === "") { page = "index.html"; }
        // A relative URL keeps http://, file:// and any prefix the book is served under.
        var depth = page.split("/").length - 1;
        var up = "../";
        for (var i = 0; i < depth; i++) { up += "../"; }
        return up + target + "/" + page + window.location.hash;
    }
    function update() {
        var href = mirrored();
        if (href) { link.setAttribute("href", href); }
    }
    update();
    window.addEventListener("hashchange", update);
    // Remember the choice for the landing page (book/index.html).
    link.addEventListener("click", function () {
        update();
        try { window.localStorage.setItem("regbook-lang", target); } catch (e) { /* private mode */ }
    });
    // Sections scrolled into view without a hash change: follow the last heading above the viewport.
    var headings = Array.prototype.slice.call(document.querySelectorAll("main h2[id], main h3[id], main h4[id], main details[id]"));
    var ticking = false;
    window.addEventListener("scroll", function () {
        if (ticking) { return; }
        ticking = true;
        window.requestAnimationFrame(function () {
            ticking = false;
            var best = null;
            for (var i = 0; i < headings.length; i++) {
                // A heading hidden by a filter (the interview page's) reports top = 0: skip it.
                if (headings[i].offsetParent === null) { continue; }
                if (headings[i].getBoundingClientRect().top <= 80) { best = headings[i]; } else { break; }
            }
            var base = mirrored();
            if (!base) { return; }
            base = base.split("#")[0];
            link.setAttribute("href", best ? base + "#" + best.id : base + window.location.hash);
        });
    }, { passive: true });
})();
