//! The committed figures are exactly what the generator produces, and every one is a well-formed,
//! self-contained SVG.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_figures_are_up_to_date() {
    for (name, lang, svg) in figures::all_figures() {
        let rel = format!("src/{}/figures/{}", lang.dir(), name);
        let on_disk = std::fs::read_to_string(root().join(&rel)).unwrap_or_else(|e| {
            panic!("{rel} is missing ({e}); regenerate with `cargo run -p figures`")
        });
        assert!(
            on_disk == svg,
            "{rel} is stale; regenerate with `cargo run -p figures`"
        );
    }
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(figures::all_figures(), figures::all_figures());
}

#[test]
fn both_languages_have_the_same_figures() {
    let all = figures::all_figures();
    let zh: Vec<_> = all
        .iter()
        .filter(|f| f.1 == figures::Lang::Zh)
        .map(|f| f.0)
        .collect();
    let en: Vec<_> = all
        .iter()
        .filter(|f| f.1 == figures::Lang::En)
        .map(|f| f.0)
        .collect();
    assert_eq!(zh, en);
    assert_eq!(zh.len(), 7);
    // and the languages really differ (labels are translated), except where no label is language-specific
    for pair in all.chunks(2) {
        assert_ne!(
            pair[0].2, pair[1].2,
            "{}: zh and en are identical",
            pair[0].0
        );
        assert!(
            pair[0].2.contains(r#"xml:lang="zh-CN""#) && pair[1].2.contains(r#"xml:lang="en""#)
        );
    }
}

#[test]
fn no_stray_files_in_figure_directories() {
    let names: Vec<_> = figures::all_figures().into_iter().map(|f| f.0).collect();
    for lang in ["zh", "en"] {
        let dir = root().join("src").join(lang).join("figures");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let file = entry.unwrap().file_name().into_string().unwrap();
            // `exp-*.svg` are the experiment figures, produced (and checked) by crates/lab.
            if file.ends_with(".svg") && !file.starts_with("exp-") {
                assert!(
                    names.contains(&file.as_str()),
                    "src/{lang}/figures/{file} is not produced by the generator (stale or hand-made)"
                );
            }
        }
    }
}

/// A tiny XML well-formedness checker: tags balanced and properly nested, attributes quoted,
/// entities known, a single `<svg>` root. Returns the element names seen.
fn check_xml(doc: &str) -> Result<Vec<String>, String> {
    let b = doc.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    let check_text = |t: &str| -> Result<(), String> {
        let mut rest = t;
        while let Some(p) = rest.find('&') {
            let after = &rest[p + 1..];
            let end = after.find(';').ok_or_else(|| format!("bare & in {t:?}"))?;
            let ent = &after[..end];
            let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || (ent.starts_with("#x") && u32::from_str_radix(&ent[2..], 16).is_ok())
                || (ent.starts_with('#') && ent[1..].parse::<u32>().is_ok());
            if !ok {
                return Err(format!("unknown entity &{ent};"));
            }
            rest = &after[end + 1..];
        }
        if t.contains('>') {
            return Err(format!("raw > in text {t:?}"));
        }
        Ok(())
    };
    while i < b.len() {
        if b[i] != b'<' {
            let next = doc[i..].find('<').map_or(doc.len(), |p| i + p);
            let text = &doc[i..next];
            check_text(text)?;
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            i = next;
            continue;
        }
        if doc[i..].starts_with("<!--") {
            let end = doc[i..].find("-->").ok_or("unclosed comment")?;
            i += end + 3;
            continue;
        }
        if doc[i..].starts_with("<?") || doc[i..].starts_with("<!") {
            return Err("processing instructions / doctypes are not expected".into());
        }
        // a tag: scan to the matching '>' outside quotes
        let mut j = i + 1;
        let mut quote: Option<u8> = None;
        while j < b.len() {
            match (quote, b[j]) {
                (None, b'"') | (None, b'\'') => quote = Some(b[j]),
                (Some(q), c) if c == q => quote = None,
                (Some(_), b'<') => return Err("< inside an attribute value".into()),
                (None, b'>') => break,
                (None, b'<') => return Err("< inside a tag".into()),
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() {
            return Err("unterminated tag".into());
        }
        let inner = &doc[i + 1..j];
        i = j + 1;
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim();
            let open = stack
                .pop()
                .ok_or_else(|| format!("</{name}> without an opening tag"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = inner.ends_with('/');
        let inner = inner.trim_end_matches('/');
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = &inner[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-')
        {
            return Err(format!("bad element name {name:?}"));
        }
        // attributes: name="value" pairs, each name once
        let mut attrs = inner[name_end..].trim();
        let mut names = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or_else(|| format!("attribute without value in <{name}>"))?;
            let an = attrs[..eq].trim();
            if an.is_empty()
                || !an
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-')
            {
                return Err(format!("bad attribute name {an:?} in <{name}>"));
            }
            if names.contains(&an) {
                return Err(format!("duplicate attribute {an} in <{name}>"));
            }
            names.push(an);
            let rest = attrs[eq + 1..].trim_start();
            let q = rest.chars().next().ok_or("missing attribute value")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted attribute {an} in <{name}>"));
            }
            let close = rest[1..].find(q).ok_or("unclosed attribute value")?;
            check_text(&rest[1..1 + close])?;
            attrs = rest[1 + close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
            if name != "svg" || roots > 1 {
                return Err(format!("root must be a single <svg>, found <{name}>"));
            }
        }
        seen.push(name.to_string());
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err("no <svg> root".into());
    }
    Ok(seen)
}

#[test]
fn checker_rejects_broken_documents() {
    assert!(check_xml(r#"<svg><g></svg>"#).is_err());
    assert!(check_xml(r#"<svg><g></g></svg><svg></svg>"#).is_err());
    assert!(check_xml(r#"<svg><text>a & b</text></svg>"#).is_err());
    assert!(check_xml(r#"<svg x=1></svg>"#).is_err());
    assert!(check_xml(r#"<svg x="1" x="2"></svg>"#).is_err());
    assert!(check_xml(r#"<svg><text>a &amp; b</text><rect x="1"/></svg>"#).is_ok());
}

#[test]
fn every_figure_is_well_formed_and_self_contained() {
    for (name, lang, svg) in figures::all_figures() {
        let rel = format!("src/{}/figures/{}", lang.dir(), name);
        let elements = check_xml(&svg).unwrap_or_else(|e| panic!("{rel}: not well formed: {e}"));
        // accessibility: <title> and <desc> come first
        assert_eq!(
            elements.get(1).map(String::as_str),
            Some("title"),
            "{rel}: <title> must come first"
        );
        assert_eq!(
            elements.get(2).map(String::as_str),
            Some("desc"),
            "{rel}: <desc> must follow <title>"
        );
        for forbidden in [
            "script",
            "foreignObject",
            "image",
            "use",
            "a",
            "style",
            "iframe",
        ] {
            assert!(
                !elements.iter().any(|e| e == forbidden),
                "{rel}: contains <{forbidden}>"
            );
        }
        // nothing external: the only URL is the SVG namespace, references are fragment-only
        let without_ns = svg.replacen(r#"xmlns="http://www.w3.org/2000/svg""#, "", 1);
        let lower = without_ns.to_lowercase();
        for needle in [
            "http:",
            "https:",
            "href",
            "@import",
            "data:",
            "javascript:",
            "file:",
            "//",
        ] {
            assert!(!lower.contains(needle), "{rel}: contains {needle:?}");
        }
        for (p, _) in lower.match_indices("url(") {
            assert!(
                lower[p + 4..].starts_with('#'),
                "{rel}: url() that is not a local fragment"
            );
        }
        // a sane size for a book page
        let width: f64 = svg
            .split(r#"width=""#)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("{rel}: no width"));
        assert!((600.0..=920.0).contains(&width), "{rel}: width {width}");
    }
}
