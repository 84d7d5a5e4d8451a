//! Small pieces of Rust that every emitter needs: type paths, identifiers, doc attributes.
//! Generated code uses absolute paths so a user type named `Result` cannot collide.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Prim, TypeRef};

/// An identifier; raw (`r#...`) is never needed because IR names are keyword-safe.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a [`TypeRef`]. Named types are referred to as `crate::types::Name`.
pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Prim(p) => prim_tokens(*p),
        TypeRef::Named(n) => {
            let id = ident(n);
            quote!(crate::types::#id)
        }
        TypeRef::Vec(inner) => {
            let t = type_tokens(inner);
            quote!(::std::vec::Vec<#t>)
        }
        TypeRef::Map(inner) => {
            let t = type_tokens(inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #t>)
        }
        TypeRef::Boxed(inner) => {
            let t = type_tokens(inner);
            quote!(::std::boxed::Box<#t>)
        }
        TypeRef::Json => quote!(::sturdy_runtime::serde_json::Value),
        TypeRef::Unit => quote!(()),
    }
}

/// The Rust type of a primitive.
pub fn prim_tokens(p: Prim) -> TokenStream {
    match p {
        Prim::String => quote!(::std::string::String),
        Prim::Bool => quote!(bool),
        Prim::I32 => quote!(i32),
        Prim::I64 => quote!(i64),
        Prim::U64 => quote!(u64),
        Prim::F32 => quote!(f32),
        Prim::F64 => quote!(f64),
        Prim::DateTime => quote!(::sturdy_runtime::types::DateTime),
        Prim::Date => quote!(::sturdy_runtime::types::Date),
        Prim::Uuid => quote!(::sturdy_runtime::types::Uuid),
        Prim::Binary => quote!(::sturdy_runtime::types::Binary),
        Prim::Base64 => quote!(::sturdy_runtime::types::Base64),
    }
}

/// Escapes text so rustdoc renders it as prose: bare URLs become links, stray brackets
/// and HTML-looking tags are escaped, and code fences that are not Rust are marked `text`
/// so doctests do not try to compile them.
pub fn doc_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut in_fence = false;
    // A bare carriage return is not allowed in a doc comment.
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    for (i, line) in raw.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence = &trimmed[..3];
            if !in_fence {
                out.push_str(fence);
                out.push_str("text");
            } else {
                out.push_str(fence);
            }
            in_fence = !in_fence;
            continue;
        }
        // Indented blocks are code blocks to rustdoc; keep them as text.
        let line = if !in_fence && line.starts_with("    ") {
            line.trim_start()
        } else {
            line
        };
        if in_fence {
            out.push_str(line);
            continue;
        }
        escape_line(line, &mut out);
    }
    if in_fence {
        out.push_str("\n```");
    }
    out
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
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || c == ')' || c == '>' || c == '"' || c == '\'' || c == ']'
                })
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            let before = if i > 0 { bytes[i - 1] } else { b' ' };
            if before == b'(' || before == b'<' {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
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

/// `#![doc = "..."]` inner attributes (module docs).
pub fn inner_doc_attrs(docs: &str) -> TokenStream {
    let text = doc_text(docs.trim());
    let lines = text.lines().map(|l| format!(" {l}"));
    quote!(#( #![doc = #lines] )*)
}

/// `#[doc = "..."]` attributes for optional documentation.
pub fn doc_attrs(docs: Option<&str>) -> TokenStream {
    match docs.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let text = doc_text(d);
            let lines = text.lines().map(|l| format!(" {l}"));
            quote!(#( #[doc = #lines] )*)
        }
        None => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_escape_what_rustdoc_misreads() {
        assert_eq!(doc_text("See https://x.io/a."), "See <https://x.io/a>.");
        assert_eq!(doc_text("[link](https://x.io)"), "\\[link\\](https://x.io)");
        assert_eq!(doc_text("a <b> c"), "a &lt;b&gt; c");
        assert_eq!(doc_text("```\nfoo()\n```"), "```text\nfoo()\n```");
        assert_eq!(doc_text("```js\nx"), "```text\nx\n```");
        assert_eq!(doc_text("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(
            doc_text("`https://x.io/{id}` and `a<b>`"),
            "`https://x.io/{id}` and `a<b>`"
        );
    }
}
