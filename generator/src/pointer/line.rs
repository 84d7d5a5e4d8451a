//! Where a JSON pointer sits in the source text: the 1-based line of a member's key or of an
//! array element's first character.
//!
//! JSON is tokenized exactly (a minified file is all on line 1). YAML is followed by its block
//! structure (`key:` entries, `- ` items, compact `- key: value` items, quoted keys, block
//! scalars skipped); a pointer that leads into a flow collection (`{...}`, `[...]`) in YAML is
//! not found. One call walks the text once and stops at the target, skipping every subtree that
//! cannot contain it, so it is cheap enough for error paths even on a 13 MB spec.

use super::segments;

/// The 1-based line where `pointer` (`#/a/b~1c`, `/a/b~1c`, or `""`/`#` for the root) starts in
/// `text` (JSON or YAML, detected by the first character), or `None` if it is not there.
///
/// ```
/// use sturdy_generator::pointer::line_of;
/// let json = "{\n  \"paths\": {\n    \"/pets\": {}\n  }\n}";
/// assert_eq!(line_of(json, "#/paths/~1pets"), Some(3));
/// let yaml = "openapi: 3.1.0\npaths:\n  /pets:\n    get: {}\n";
/// assert_eq!(line_of(yaml, "/paths/~1pets/get"), Some(4));
/// ```
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let segs = segments(pointer)?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = body.trim_start().chars().next();
    if matches!(first, Some('{') | Some('[')) {
        json_line(body, &segs)
    } else {
        yaml_line(body, &segs)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// At `"`: moves past the closing quote; returns the raw contents' byte range.
    fn skip_string(&mut self) -> Option<(usize, usize, bool)> {
        let start = self.i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            match *self.b.get(j)? {
                b'"' => {
                    self.i = j + 1;
                    return Some((start, j, escaped));
                }
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                b'\n' => {
                    self.line += 1;
                    j += 1;
                }
                _ => j += 1,
            }
        }
    }

    fn read_string(&mut self) -> Option<String> {
        let (s, e, escaped) = self.skip_string()?;
        if escaped {
            serde_json::from_str(self.text.get(s - 1..e + 1)?).ok()
        } else {
            self.text.get(s..e).map(str::to_owned)
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.b.get(self.i)? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

fn json_line(text: &str, segs: &[String]) -> Option<usize> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
    };
    c.ws();
    if segs.is_empty() {
        return c.peek().map(|_| c.line);
    }
    for (depth, seg) in segs.iter().enumerate() {
        let last = depth + 1 == segs.len();
        match c.peek()? {
            b'{' => {
                c.i += 1;
                loop {
                    c.ws();
                    if c.peek()? != b'"' {
                        return None;
                    }
                    let key_line = c.line;
                    let key = c.read_string()?;
                    c.ws();
                    if c.peek()? != b':' {
                        return None;
                    }
                    c.i += 1;
                    c.ws();
                    if key == *seg {
                        if last {
                            return Some(key_line);
                        }
                        break;
                    }
                    c.skip_value()?;
                    c.ws();
                    match c.peek()? {
                        b',' => c.i += 1,
                        _ => return None,
                    }
                }
            }
            b'[' => {
                let want: usize = seg.parse().ok()?;
                c.i += 1;
                let mut n = 0usize;
                loop {
                    c.ws();
                    if c.peek()? == b']' {
                        return None;
                    }
                    if n == want {
                        if last {
                            return Some(c.line);
                        }
                        break;
                    }
                    c.skip_value()?;
                    c.ws();
                    match c.peek()? {
                        b',' => c.i += 1,
                        _ => return None,
                    }
                    n += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// YAML

/// One source line: its 1-based number and text (without the newline).
struct Line<'a> {
    no: usize,
    text: &'a str,
}

fn indent_of(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// Whether the line carries nothing (blank, comment, document marker, directive).
fn is_filler(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.starts_with('#') || t == "---" || t == "..." || t.starts_with('%')
}

fn is_item(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

/// Parses `key: rest` at the start of `s`; returns the key and what follows the colon.
fn parse_key(s: &str) -> Option<(String, &str)> {
    let (key, after) = if let Some(body) = s.strip_prefix('"') {
        let mut end = None;
        let mut esc = false;
        for (i, ch) in body.char_indices() {
            if esc {
                esc = false;
            } else if ch == '\\' {
                esc = true;
            } else if ch == '"' {
                end = Some(i);
                break;
            }
        }
        let end = end?;
        let key = serde_json::from_str::<String>(&s[..end + 2])
            .unwrap_or_else(|_| body[..end].to_owned());
        (key, &body[end + 1..])
    } else if let Some(body) = s.strip_prefix('\'') {
        let mut key = String::new();
        let mut chars = body.char_indices().peekable();
        let mut end = None;
        while let Some((i, ch)) = chars.next() {
            if ch == '\'' {
                if matches!(chars.peek(), Some((_, '\''))) {
                    key.push('\'');
                    chars.next();
                } else {
                    end = Some(i);
                    break;
                }
            } else {
                key.push(ch);
            }
        }
        (key, &body[end? + 1..])
    } else {
        let b = s.as_bytes();
        let mut i = 0;
        loop {
            let ch = *b.get(i)?;
            if ch == b':' && matches!(b.get(i + 1), None | Some(b' ') | Some(b'\t')) {
                break;
            }
            if ch == b'#' && i > 0 && b[i - 1] == b' ' {
                return None;
            }
            i += 1;
        }
        (s[..i].trim_end().to_owned(), &s[i..])
    };
    let after = after.trim_start();
    let rest = after.strip_prefix(':')?;
    Some((key, rest))
}

/// Whether a value written after `key:` or `- ` leaves the node to the following lines
/// (nothing but a comment, an anchor or a tag).
fn opens_block(rest: &str) -> bool {
    let mut t = rest.trim();
    loop {
        if t.is_empty() || t.starts_with('#') {
            return true;
        }
        if t.starts_with('&') || t.starts_with('!') {
            t = t.find(' ').map_or("", |i| t[i..].trim_start());
            continue;
        }
        return false;
    }
}

fn yaml_line(text: &str, segs: &[String]) -> Option<usize> {
    let lines: Vec<Line<'_>> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| Line {
            no: i + 1,
            text: l.strip_suffix('\r').unwrap_or(l),
        })
        .collect();
    let first = lines.iter().position(|l| !is_filler(l.text))?;
    if segs.is_empty() {
        return Some(lines[first].no);
    }
    // The node being searched: (line index, column where its first entry starts).
    let mut at = (first, indent_of(lines[first].text));
    for (depth, seg) in segs.iter().enumerate() {
        let last = depth + 1 == segs.len();
        let (idx, col) = at;
        let head = lines[idx].text.get(col..)?;
        let sequence = is_item(head);
        let mut n = 0usize;
        let mut found = None;
        let mut i = idx;
        while i < lines.len() {
            let l = lines[i].text;
            if i != idx {
                if is_filler(l) {
                    i += 1;
                    continue;
                }
                let ind = indent_of(l);
                if ind < col {
                    break;
                }
                if ind > col {
                    i += 1;
                    continue;
                }
            }
            let entry = &l[col..];
            if sequence {
                if !is_item(entry) {
                    break;
                }
                if seg.parse::<usize>().ok() == Some(n) {
                    found = Some((
                        i,
                        col + 1 + (entry.len() - 1 - entry[1..].trim_start().len()),
                    ));
                    break;
                }
                n += 1;
            } else if !is_item(entry) {
                if let Some((key, _)) = parse_key(entry) {
                    if key == *seg {
                        found = Some((i, col));
                        break;
                    }
                }
            }
            i += 1;
        }
        let (i, c) = found?;
        if last {
            return Some(lines[i].no);
        }
        // Move to the value of the entry found.
        let entry = &lines[i].text[c..];
        let rest = if sequence { entry } else { parse_key(entry)?.1 };
        if sequence && !entry.is_empty() && !opens_block(entry) {
            // `- key: value` or `- - x`: the node starts on this line.
            if parse_key(entry).is_some() || is_item(entry) {
                at = (i, c);
                continue;
            }
            return None;
        }
        if !opens_block(rest) {
            return None;
        }
        let next = (i + 1..lines.len()).find(|&j| !is_filler(lines[j].text))?;
        let ind = indent_of(lines[next].text);
        let same_level_items = !sequence && ind == col && is_item(&lines[next].text[ind..]);
        if ind > col || same_level_items {
            at = (next, ind);
        } else {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
  "openapi": "3.0.3",
  "paths": {
    "/pets/{id}": {
      "get": {
        "parameters": [
          {"name": "a"},
          {
            "name": "b\"q"
          }
        ]
      }
    },
    "x": "a\nb"
  },
  "k~ey": [1, [2, 3]]
}"#;

    #[test]
    fn json_members_and_elements() {
        assert_eq!(line_of(JSON, ""), Some(1));
        assert_eq!(line_of(JSON, "#/openapi"), Some(2));
        assert_eq!(line_of(JSON, "#/paths/~1pets~1{id}/get"), Some(5));
        assert_eq!(
            line_of(JSON, "/paths/~1pets~1{id}/get/parameters/1"),
            Some(8)
        );
        assert_eq!(
            line_of(JSON, "/paths/~1pets~1{id}/get/parameters/1/name"),
            Some(9)
        );
        assert_eq!(line_of(JSON, "/paths/x"), Some(14));
        assert_eq!(line_of(JSON, "/k~0ey/1/1"), Some(16));
        assert_eq!(line_of(JSON, "/paths/missing"), None);
        assert_eq!(line_of(JSON, "/paths/~1pets~1{id}/get/parameters/7"), None);
        assert_eq!(line_of(JSON, "/openapi/0"), None);
        assert_eq!(line_of(JSON, "not a pointer"), None);
    }

    #[test]
    fn json_minified_and_escaped_keys() {
        let t = r#"{"a\u0062":{"c":[{"d":1}]}}"#;
        assert_eq!(line_of(t, "/ab/c/0/d"), Some(1));
        assert_eq!(line_of(t, "/ab/c/0/e"), None);
    }

    const YAML: &str = "# comment\nopenapi: 3.1.0\npaths:\n  '/pets':\n    get:\n      description: |\n        text\n        notakey: x\n      parameters:\n        - name: a\n          in: query\n        -\n          name: b\n      tags:\n      - one\n      - two\n  \"/a\\\"b\":\n    post: {}\ncomponents:\n  schemas:\n    Pet: &pet\n      type: object\n";

    #[test]
    fn yaml_block_structure() {
        assert_eq!(line_of(YAML, ""), Some(2));
        assert_eq!(line_of(YAML, "/openapi"), Some(2));
        assert_eq!(line_of(YAML, "/paths/~1pets/get"), Some(5));
        assert_eq!(line_of(YAML, "/paths/~1pets/get/parameters/0"), Some(10));
        assert_eq!(line_of(YAML, "/paths/~1pets/get/parameters/0/in"), Some(11));
        assert_eq!(
            line_of(YAML, "/paths/~1pets/get/parameters/1/name"),
            Some(13)
        );
        assert_eq!(line_of(YAML, "/paths/~1pets/get/tags/1"), Some(16));
        assert_eq!(line_of(YAML, "/paths/~1a\"b/post"), Some(18));
        assert_eq!(line_of(YAML, "/components/schemas/Pet/type"), Some(22));
        assert_eq!(line_of(YAML, "/paths/~1pets/get/description/notakey"), None);
        assert_eq!(line_of(YAML, "/paths/~1pets/get/notakey"), None);
        assert_eq!(line_of(YAML, "/paths/~1a\"b/post/x"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for t in [
            "",
            "{",
            "[",
            "{\"a\"",
            "a:\n  - b: [",
            "- - -",
            ":",
            "\"unterminated",
            "'x':\n - \n -",
            "{\"a\":\"\\",
        ] {
            for p in ["", "/a", "/0", "/a/0/b", "/b/c"] {
                let _ = line_of(t, p);
            }
        }
    }
}
