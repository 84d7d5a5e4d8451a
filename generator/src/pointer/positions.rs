//! Line and column of JSON pointers in the source text, for many pointers in one pass (lint
//! findings, contract-snapshot errors); [`super::line_of`] finds the line of one pointer.
//!
//! JSON is tokenized exactly (minified files included: everything is then on line 1, and the
//! column tells where). YAML is followed by indentation (block style: `key:` lines and `- `
//! items, block scalars skipped); a pointer that lives inside flow-style YAML is not found.

use std::collections::{BTreeMap, BTreeSet};

use super::{escape, segments};

/// A 1-based line and column.
pub(crate) type Pos = (usize, usize);

/// Where each of `pointers` (`#/...` or `/...`) starts in `text`: a member's key, an array
/// element's first character. Pointers not found are absent from the map.
pub(crate) fn locate<'a>(
    text: &str,
    pointers: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<String, Pos> {
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    for p in pointers {
        let canon: String = segments(p)
            .unwrap_or_default()
            .iter()
            .map(|s| format!("/{}", escape(s)))
            .collect();
        wanted.insert(canon, p.to_owned());
    }
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for w in wanted.keys() {
        let mut acc = String::new();
        prefixes.insert(String::new());
        for s in w.split('/').skip(1) {
            acc.push('/');
            acc.push_str(s);
            prefixes.insert(acc.clone());
        }
    }
    let found = if text.trim_start().starts_with(['{', '[']) {
        json(text, &wanted, &prefixes)
    } else {
        yaml(text, &wanted, &prefixes)
    };
    found
        .into_iter()
        .filter_map(|(canon, pos)| wanted.get(&canon).map(|orig| (orig.clone(), pos)))
        .collect()
}

/// Like [`locate`], but a pointer that cannot be found (inside flow-style YAML, or naming a
/// key that is missing) gets the position of its nearest ancestor that can; the root is 1:1.
pub(crate) fn locate_nearest<'a>(
    text: &str,
    pointers: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<String, Pos> {
    let pointers: Vec<&str> = pointers.into_iter().collect();
    let mut all: BTreeSet<String> = BTreeSet::new();
    for p in &pointers {
        let segs = segments(p).unwrap_or_default();
        for n in 1..=segs.len() {
            all.insert(
                segs[..n]
                    .iter()
                    .map(|s| format!("/{}", escape(s)))
                    .collect(),
            );
        }
    }
    let found = locate(text, all.iter().map(String::as_str));
    let mut out = BTreeMap::new();
    for p in pointers {
        let segs = segments(p).unwrap_or_default();
        let pos = (1..=segs.len())
            .rev()
            .find_map(|n| {
                found
                    .get(
                        &segs[..n]
                            .iter()
                            .map(|s| format!("/{}", escape(s)))
                            .collect::<String>(),
                    )
                    .copied()
            })
            .unwrap_or((1, 1));
        out.insert(p.to_owned(), pos);
    }
    out
}

/// Where `pointer` (or its nearest locatable ancestor) starts in `text`.
pub(crate) fn locate_one(text: &str, pointer: &str) -> Option<Pos> {
    locate_nearest(text, [pointer]).into_values().next()
}

struct Frame {
    /// The pointer of this container.
    ptr: String,
    /// Whether anything under it is wanted (else keys are not checked).
    live: bool,
    is_obj: bool,
    idx: usize,
    /// Object: the key of the member whose value comes next.
    key: Option<String>,
}

fn json(
    text: &str,
    wanted: &BTreeMap<String, String>,
    prefixes: &BTreeSet<String>,
) -> BTreeMap<String, Pos> {
    let mut out = BTreeMap::new();
    let b = text.as_bytes();
    let (mut i, mut line, mut line_start) = (0usize, 1usize, 0usize);
    let mut stack: Vec<Frame> = Vec::new();
    // The pointer of the value about to start, if it is wanted-or-prefix.
    let value_ptr = |stack: &Vec<Frame>| -> Option<String> {
        let top = stack.last()?;
        if !top.live {
            return None;
        }
        let seg = if top.is_obj {
            escape(top.key.as_deref()?)
        } else {
            top.idx.to_string()
        };
        Some(format!("{}/{seg}", top.ptr))
    };
    while i < b.len() {
        let c = b[i];
        let col = Col(text, line_start, i);
        match c {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b':' => i += 1,
            b',' => {
                if let Some(top) = stack.last_mut() {
                    if top.is_obj {
                        top.key = None;
                    } else {
                        top.idx += 1;
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                let ptr = if stack.is_empty() {
                    Some(String::new())
                } else {
                    value_ptr(&stack)
                };
                if let Some(p) = &ptr {
                    if stack.last().is_some_and(|t| !t.is_obj) && wanted.contains_key(p) {
                        out.entry(p.clone()).or_insert((line, col.get()));
                    }
                }
                let live = ptr.as_ref().is_some_and(|p| prefixes.contains(p));
                stack.push(Frame {
                    ptr: ptr.unwrap_or_default(),
                    live,
                    is_obj: c == b'{',
                    idx: 0,
                    key: None,
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                let is_key = stack.last().is_some_and(|t| t.is_obj && t.key.is_none());
                if is_key {
                    let raw = &text[start..i];
                    let key: String = serde_json::from_str(raw)
                        .unwrap_or_else(|_| raw.trim_matches('"').to_owned());
                    if let Some(top) = stack.last_mut() {
                        top.key = Some(key);
                    }
                    if let Some(p) = value_ptr(&stack) {
                        if wanted.contains_key(&p) {
                            out.entry(p).or_insert((line, col.get()));
                        }
                    }
                } else if let Some(p) = value_ptr(&stack) {
                    if stack.last().is_some_and(|t| !t.is_obj) && wanted.contains_key(&p) {
                        out.entry(p).or_insert((line, col.get()));
                    }
                }
            }
            _ => {
                if let Some(p) = value_ptr(&stack) {
                    if stack.last().is_some_and(|t| !t.is_obj) && wanted.contains_key(&p) {
                        out.entry(p).or_insert((line, col.get()));
                    }
                }
                while i < b.len()
                    && !matches!(b[i], b',' | b'}' | b']' | b'\n' | b' ' | b'\t' | b'\r')
                {
                    i += 1;
                }
            }
        }
    }
    out
}

/// A column computed only when needed (counting characters from the line start).
struct Col<'a>(&'a str, usize, usize);

impl Col<'_> {
    fn get(&self) -> usize {
        self.0
            .get(self.1..self.2)
            .map_or(self.2 - self.1, |s| s.chars().count())
            + 1
    }
}

struct YFrame {
    indent: usize,
    ptr: String,
    is_item: bool,
    /// A key with its value on the same line (so it cannot be a parent).
    inline: bool,
    next_idx: usize,
}

/// Splits `key: rest` (key possibly quoted); `None` if the text is not a mapping entry.
fn yaml_key(s: &str) -> Option<(String, &str)> {
    if let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = s[1..].find(q)? + 1;
        let key = &s[1..end];
        let rest = s[end + 1..].trim_start();
        let rest = rest.strip_prefix(':')?;
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return None;
        }
        let key = if q == '"' {
            serde_json::from_str(&s[..=end]).unwrap_or_else(|_| key.to_owned())
        } else {
            key.replace("''", "'")
        };
        return Some((key, rest.trim()));
    }
    if s.starts_with(['{', '[', '#', '|', '>', '&', '*', '!']) {
        return None;
    }
    let mut from = 0;
    while let Some(off) = s[from..].find(':') {
        let at = from + off;
        let after = &s[at + 1..];
        if after.is_empty() || after.starts_with([' ', '\t']) {
            return Some((s[..at].trim_end().to_owned(), after.trim()));
        }
        from = at + 1;
    }
    None
}

fn strip_comment(s: &str) -> &str {
    match s.find(" #") {
        Some(i) if !s[..i].contains(['"', '\'']) => s[..i].trim_end(),
        _ => s,
    }
}

fn yaml(
    text: &str,
    wanted: &BTreeMap<String, String>,
    prefixes: &BTreeSet<String>,
) -> BTreeMap<String, Pos> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<YFrame> = Vec::new();
    let mut block: Option<usize> = None;
    let mut note = |ptr: &str, pos: Pos| {
        if wanted.contains_key(ptr) {
            out.entry(ptr.to_owned()).or_insert(pos);
        }
    };
    for (n, raw_line) in text.lines().enumerate() {
        let line = n + 1;
        let content = raw_line.trim_start_matches(' ');
        let indent = raw_line.len() - content.len();
        if content.trim().is_empty() {
            continue;
        }
        if let Some(b) = block {
            if indent > b {
                continue;
            }
            block = None;
        }
        if content.starts_with('#') || content.starts_with("---") || content.starts_with("...") {
            continue;
        }
        let mut col = indent;
        let mut rest = content;
        // Sequence items (possibly several on one line: `- - a`).
        let mut first = true;
        while rest == "-" || rest.starts_with("- ") {
            while let Some(top) = stack.last() {
                let pop = top.indent > col
                    || (top.indent == col && (top.is_item || top.inline || !first));
                if !pop {
                    break;
                }
                stack.pop();
            }
            first = false;
            let (parent_ptr, live) = match stack.last_mut() {
                Some(p) => {
                    let idx = p.next_idx;
                    p.next_idx += 1;
                    (format!("{}/{idx}", p.ptr), prefixes.contains(&p.ptr))
                }
                None => (String::new(), true),
            };
            if live {
                note(&parent_ptr, (line, col + 1));
            }
            stack.push(YFrame {
                indent: col,
                ptr: parent_ptr,
                is_item: true,
                inline: false,
                next_idx: 0,
            });
            let after = rest[1..].trim_start_matches(' ');
            col += rest.len() - after.len();
            rest = after;
            if rest.is_empty() {
                break;
            }
        }
        if rest.is_empty() {
            continue;
        }
        let Some((key, value)) = yaml_key(rest) else {
            continue;
        };
        while let Some(top) = stack.last() {
            if top.indent >= col {
                stack.pop();
            } else {
                break;
            }
        }
        let parent = stack.last().map(|f| f.ptr.clone()).unwrap_or_default();
        let ptr = format!("{parent}/{}", escape(&key));
        if prefixes.contains(&parent) {
            note(&ptr, (line, col + 1));
        }
        let value = strip_comment(value);
        if value.starts_with(['|', '>']) {
            block = Some(col);
        }
        stack.push(YFrame {
            indent: col,
            ptr,
            is_item: false,
            inline: !value.is_empty(),
            next_idx: 0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pretty_and_minified() {
        let pretty = "{\n  \"paths\": {\n    \"/a/b\": {\n      \"get\": {}\n    }\n  },\n  \"list\": [1, {\"x\": 2}]\n}";
        let m = locate(
            pretty,
            ["#/paths/~1a~1b/get", "#/list/1/x", "#/list/0", "#/nope"],
        );
        assert_eq!(m.get("#/paths/~1a~1b/get"), Some(&(4, 7)));
        assert_eq!(m.get("#/list/0"), Some(&(7, 12)));
        assert_eq!(m.get("#/list/1/x"), Some(&(7, 16)));
        assert!(!m.contains_key("#/nope"));
        let min = r#"{"a":{"b\"c":[true,{"d":1}]}}"#;
        assert_eq!(locate_one(min, "/a/b\"c/1/d"), Some((1, 21)));
    }

    #[test]
    fn yaml_blocks_items_and_scalars() {
        let y = "sturdy: snapshot/v1\ndescription: |\n  text: not a key\n  more\nendpoints:\n  list:\n    method: GET\n    errors:\n    - status: 404\n      code: missing\n    - {status: 500}\n    tags:\n      - a\n      - b\n  \"odd/key\":\n    method: FETCH # comment\n";
        let m = locate(
            y,
            [
                "#/endpoints/list/method",
                "#/endpoints/list/errors/0/code",
                "#/endpoints/list/errors/1",
                "#/endpoints/list/tags/1",
                "#/endpoints/odd~1key/method",
                "#/description/text",
            ],
        );
        assert_eq!(m.get("#/endpoints/list/method"), Some(&(7, 5)));
        assert_eq!(m.get("#/endpoints/list/errors/0/code"), Some(&(10, 7)));
        assert_eq!(m.get("#/endpoints/list/errors/1"), Some(&(11, 5)));
        assert_eq!(m.get("#/endpoints/list/tags/1"), Some(&(14, 7)));
        assert_eq!(m.get("#/endpoints/odd~1key/method"), Some(&(16, 5)));
        assert!(!m.contains_key("#/description/text"));
    }
}
