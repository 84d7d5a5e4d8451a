//! Spec prose to rustdoc Markdown.
//!
//! - Paragraphs written in HTML (Stripe's `<p>`, `<strong>`, `<code>`, `<a href>`) become
//!   Markdown through [`htmd`]; Markdown links and code spans inside them survive.
//! - Markdown links stay links. An absolute `http(s)`/`mailto` target is kept; a relative one
//!   is resolved against the documentation base of the spec (`externalDocs.url`, set with
//!   [`DocBase::enter`]) or, without one, reduced to its text, so rustdoc never sees a
//!   relative or intra-doc link it cannot resolve.
//! - Bare URLs become autolinks; stray brackets and HTML-looking text are escaped; code
//!   fences that are not Rust are marked `text` so doctests do not compile them.

use std::cell::RefCell;

/// HTML elements whose presence makes a paragraph HTML rather than Markdown.
const HTML_TAGS: &[&str] = &[
    "p",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "div",
    "span",
];

thread_local! {
    static BASE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The base relative links are resolved against while a guard lives (one `emit` call).
#[derive(Debug)]
pub struct DocBase {
    previous: Option<String>,
}

impl DocBase {
    /// Sets the base (an absolute `http(s)` URL; anything else means no base) until the guard
    /// is dropped.
    pub fn enter(base: Option<&str>) -> DocBase {
        let base = base
            .filter(|b| b.starts_with("https://") || b.starts_with("http://"))
            .map(str::to_owned);
        DocBase {
            previous: BASE.with(|b| b.replace(base)),
        }
    }
}

impl Drop for DocBase {
    fn drop(&mut self) {
        let previous = self.previous.take();
        BASE.with(|b| *b.borrow_mut() = previous);
    }
}

/// Whether `text` is HTML: it closes one of [`HTML_TAGS`] (`</p>`, `</code>`) or breaks a
/// line with `<br>`. A lone `<b>` or `<T>` is prose about types, not HTML.
fn has_html(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("<br>")
        || lower.contains("<br/>")
        || lower.contains("<br />")
        || HTML_TAGS.iter().any(|t| lower.contains(&format!("</{t}>")))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown code spans and links inside an HTML paragraph, as HTML, so the converter keeps
/// them (it escapes Markdown syntax in text).
fn markdown_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push_str(&format!("<code>{}</code>", html_escape(&after[..end])));
                i += end + 2;
                continue;
            }
        }
        if let Some((label, url, len)) = markdown_link(rest) {
            out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                html_escape(url),
                html_escape(label)
            ));
            i += len;
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// `[label](url)` at the start of `s`: the label, the URL and the length consumed.
fn markdown_link(s: &str) -> Option<(&str, &str, usize)> {
    let body = s.strip_prefix('[')?;
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in body.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => {
                close = Some(i);
                break;
            }
            ']' => depth -= 1,
            '\n' if body[..i].ends_with('\n') => return None,
            _ => {}
        }
    }
    let close = close?;
    let target = body[close + 1..].strip_prefix('(')?;
    let end = target.find(|c: char| c == ')' || c.is_whitespace())?;
    if !target[end..].starts_with(')') {
        return None;
    }
    let url = &target[..end];
    Some((&body[..close], url, 1 + close + 2 + end + 1))
}

/// An absolute target for `url`, or `None` when it cannot be made one.
fn resolve_link(url: &str) -> Option<String> {
    if url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:") {
        return Some(url.to_owned());
    }
    if url.is_empty() || url.starts_with('#') || url.contains("://") {
        return None;
    }
    let base = BASE.with(|b| b.borrow().clone())?;
    let scheme_end = base.find("://")? + 3;
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if url.starts_with('/') {
        Some(format!("{}{url}", &base[..origin_end]))
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= origin_end)
            .map_or(base.len(), |i| i);
        Some(format!("{}/{url}", &base[..dir_end]))
    }
}

/// Blank-line separated blocks; a code fence with blank lines inside stays one block.
fn blocks(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open_fence = false;
    for chunk in text.split("\n\n") {
        let fences = chunk
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                t.starts_with("```") || t.starts_with("~~~")
            })
            .count();
        match out.last_mut() {
            Some(last) if open_fence => {
                last.push_str("\n\n");
                last.push_str(chunk);
            }
            _ => out.push(chunk.to_owned()),
        }
        if fences % 2 == 1 {
            open_fence = !open_fence;
        }
    }
    out
}

/// Converts HTML paragraphs to Markdown; Markdown paragraphs are kept.
fn html_to_markdown(text: &str) -> String {
    let converter = htmd::HtmlToMarkdown::builder()
        .options(htmd::options::Options {
            bullet_list_marker: htmd::options::BulletListMarker::Dash,
            ul_bullet_spacing: 1,
            ol_number_spacing: 1,
            ..Default::default()
        })
        .build();
    let parts: Vec<String> = blocks(text)
        .into_iter()
        .map(|block| {
            if !has_html(&block) || block.trim_start().starts_with("```") {
                return block;
            }
            match converter.convert(&markdown_to_html(&block)) {
                Ok(md) if !md.trim().is_empty() => unescape_intraword(md.trim()),
                _ => block,
            }
        })
        .collect();
    parts.join("\n\n")
}

/// `line\_items` → `line_items`: an underscore inside a word never starts emphasis, so the
/// converter's escape only makes the source harder to read.
fn unescape_intraword(md: &str) -> String {
    let chars: Vec<char> = md.chars().collect();
    let mut out = String::with_capacity(md.len());
    for (i, &c) in chars.iter().enumerate() {
        let escaped_underscore = c == '\\' && chars.get(i + 1) == Some(&'_');
        let word_before = i > 0 && chars[i - 1].is_alphanumeric();
        let word_after = chars.get(i + 2).is_some_and(|c| c.is_alphanumeric());
        if escaped_underscore && word_before && word_after {
            continue;
        }
        out.push(c);
    }
    out
}

/// Spec prose as rustdoc Markdown (see the module docs).
pub fn render(raw: &str) -> String {
    // A bare carriage return is not allowed in a doc comment.
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = join_wrapped_links(&html_to_markdown(raw.trim()));
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_fence = false;
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            out.push_str(&trimmed[..3]);
            if !in_fence {
                out.push_str("text");
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        // Indented blocks are code blocks to rustdoc; keep them as text.
        let line = if line.starts_with("    ") && !is_list_item(trimmed) {
            trimmed
        } else {
            line
        };
        escape_line(line, &mut out);
    }
    if in_fence {
        out.push_str("\n```");
    }
    out
}

/// Link labels wrapped over two lines (`[payment\nmethod guide](..)`) on one line, so the
/// line-by-line pass sees the whole link.
fn join_wrapped_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(at) = text[i..].find('[') {
        out.push_str(&text[i..i + at]);
        let rest = &text[i + at..];
        match markdown_link(rest) {
            Some((label, url, len)) if label.contains('\n') => {
                out.push_str(&format!("[{}]({url})", label.replace('\n', " ")));
                i += at + len;
            }
            _ => {
                out.push('[');
                i += at + 1;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

fn is_list_item(line: &str) -> bool {
    line.starts_with("- ")
        || line.starts_with("* ")
        || line
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn push_url(url: &str, before: u8, out: &mut String) {
    if before == b'(' || before == b'<' {
        out.push_str(url);
    } else {
        out.push('<');
        out.push_str(url);
        out.push('>');
    }
}

fn escape_line(line: &str, out: &mut String) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        // Inline code spans are kept as they are.
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push_str(&rest[..end + 2]);
                i += end + 2;
                continue;
            }
        }
        // A Markdown escape (`\[`, `\_`) stays one.
        if let Some(c) = rest.strip_prefix('\\').and_then(|r| r.chars().next()) {
            if c.is_ascii_punctuation() {
                out.push('\\');
                out.push(c);
                i += 1 + c.len_utf8();
                continue;
            }
        }
        if let Some((label, url, len)) = markdown_link(rest) {
            let mut text = String::new();
            escape_line(label, &mut text);
            match resolve_link(url) {
                Some(target) => out.push_str(&format!("[{text}]({target})")),
                None => out.push_str(&text),
            }
            i += len;
            continue;
        }
        // An autolink stays one.
        if rest.starts_with("<http://") || rest.starts_with("<https://") {
            if let Some(end) = rest.find('>').filter(|&e| !rest[..e].contains(' ')) {
                out.push_str(&rest[..=end]);
                i += end + 1;
                continue;
            }
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || c == ')' || c == '>' || c == '"' || c == '\'' || c == ']'
                })
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            let before = if i > 0 { bytes[i - 1] } else { b' ' };
            push_url(url, before, out);
            i += url.len();
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        match c {
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push(' '),
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
}

#[cfg(test)]
mod tests;
