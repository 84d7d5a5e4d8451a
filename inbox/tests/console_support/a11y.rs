//! A written accessibility checklist the console's pages must pass, checked on their HTML
//! and stylesheet:
//! 1. `<html lang>` is set and the viewport meta tag is present (readable on a phone).
//! 2. Exactly one `<h1>`, and no heading level skipped going down.
//! 3. Every visible `<input>` and `<select>` has an `id` named by a `<label for>`, or an
//!    `aria-label`.
//! 4. Every table header cell has a `scope`.
//! 5. No script, and nothing loaded from another origin.
//! 6. Text colours in the stylesheet contrast at least 4.5:1 with their backgrounds.

/// The attributes of each `<tag ...>` in `html`.
fn tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let end = after.find('>').unwrap_or(after.len());
        if after.starts_with([' ', '>', '\n']) {
            out.push(&after[..end]);
        }
        rest = &after[end..];
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    tag[i..].split('"').next()
}

/// Checks items 1–5 on one page; returns what fails.
pub fn page_problems(html: &str) -> Vec<String> {
    let mut p = Vec::new();
    if !tags(html, "html").iter().any(|t| attr(t, "lang").is_some()) {
        p.push("no <html lang>".to_owned());
    }
    if !html.contains(r#"name="viewport""#) {
        p.push("no viewport meta".to_owned());
    }
    if tags(html, "h1").len() != 1 {
        p.push(format!("{} <h1>", tags(html, "h1").len()));
    }
    let mut levels: Vec<(usize, u8)> = (1..=6u8)
        .flat_map(|l| {
            let open = format!("<h{l}");
            html.match_indices(&open)
                .filter(|(i, _)| html[i + open.len()..].starts_with([' ', '>']))
                .map(move |(i, _)| (i, l))
                .collect::<Vec<_>>()
        })
        .collect();
    levels.sort();
    for w in levels.windows(2) {
        if w[1].1 > w[0].1 + 1 {
            p.push(format!("heading h{} after h{}", w[1].1, w[0].1));
        }
    }
    let labels: Vec<&str> = tags(html, "label")
        .iter()
        .filter_map(|t| attr(t, "for"))
        .collect();
    for t in tags(html, "input").into_iter().chain(tags(html, "select")) {
        if attr(t, "type") == Some("hidden") || attr(t, "aria-label").is_some() {
            continue;
        }
        if !attr(t, "id").is_some_and(|id| labels.contains(&id)) {
            p.push(format!("unlabelled control <{t}>"));
        }
    }
    for t in tags(html, "th") {
        if attr(t, "scope").is_none() {
            p.push(format!("<th{t}> without scope"));
        }
    }
    if html.contains("<script") {
        p.push("a <script> element".to_owned());
    }
    for t in tags(html, "link").into_iter().chain(tags(html, "img")) {
        let src = attr(t, "href").or_else(|| attr(t, "src")).unwrap_or("");
        if src.contains("//") {
            p.push(format!("outside asset {src}"));
        }
    }
    p
}

fn channel(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.039_28 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#');
    let v = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap();
    0.2126 * channel(v(0)) + 0.7152 * channel(v(2)) + 0.0722 * channel(v(4))
}

/// The WCAG contrast ratio of two `#rrggbb` colours.
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The `--name: #rrggbb` variables of the stylesheet.
pub fn palette(css: &str) -> Vec<(String, String)> {
    css.lines()
        .filter_map(|l| l.trim().strip_prefix("--"))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.trim().trim_end_matches(';').to_owned(),
            )
        })
        .collect()
}
