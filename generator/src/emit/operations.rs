//! Operations to methods on `Client`: one `OperationMeta` static, an optional-parameters
//! struct, and a small method that builds a `Request` and returns a `Call`. All behaviour
//! (retries, auth, decoding) lives in the runtime, so each method stays a few lines and
//! cheap to compile.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::emit::context::EmitCtx;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{
    Api, BodyEncoding, HttpMethod, Operation, Param, ParamLocation, ParamStyle, Prim,
    ResponseEncoding, TypeRef,
};

/// Whether a value of `ty` is passed by value (small `Copy` types).
pub fn is_copy(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Prim(
            Prim::Bool
                | Prim::I32
                | Prim::I64
                | Prim::U64
                | Prim::F32
                | Prim::F64
                | Prim::DateTime
                | Prim::Date
                | Prim::Uuid
        )
    )
}

/// The type of a required argument: `&str` for strings, by value for small copies, a
/// reference otherwise.
fn arg_type(cx: &EmitCtx, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Prim(Prim::String) => quote!(&str),
        t if is_copy(t) => cx.type_tokens(t),
        TypeRef::Vec(inner) => {
            let i = cx.type_tokens(inner);
            quote!(&[#i])
        }
        t => {
            let t = cx.type_tokens(t);
            quote!(&#t)
        }
    }
}

/// An expression that is a reference to the argument's value.
fn arg_ref(p: &Param) -> TokenStream {
    let name = ident(&p.rust_name);
    if is_copy(&p.ty) {
        quote!(&#name)
    } else {
        quote!(#name)
    }
}

fn method_tokens(m: HttpMethod) -> TokenStream {
    match m {
        HttpMethod::Get => quote!(::sturdy_runtime::Method::Get),
        HttpMethod::Put => quote!(::sturdy_runtime::Method::Put),
        HttpMethod::Post => quote!(::sturdy_runtime::Method::Post),
        HttpMethod::Delete => quote!(::sturdy_runtime::Method::Delete),
        HttpMethod::Options => quote!(::sturdy_runtime::Method::Options),
        HttpMethod::Head => quote!(::sturdy_runtime::Method::Head),
        HttpMethod::Patch => quote!(::sturdy_runtime::Method::Patch),
        HttpMethod::Trace => quote!(::sturdy_runtime::Method::Trace),
    }
}

/// The name of the static describing an operation.
pub fn meta_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", op.method_name.to_ascii_uppercase())
}

fn meta_static(api: &Api, op: &Operation) -> TokenStream {
    let name = meta_ident(op);
    let id = &op.id;
    let method = method_tokens(op.method);
    let path = &op.path;
    let mut chain = quote!(::sturdy_runtime::OperationMeta::new(#id, #method, #path));
    if let Some(h) = &op.idempotency_header {
        chain = quote!(#chain.idempotency_header(#h));
    }
    let alts: Vec<TokenStream> = op
        .security
        .iter()
        .map(|alt| {
            let names: Vec<&String> = alt
                .iter()
                .map(|(n, _)| n)
                .filter(|n| api.security_schemes.contains_key(*n))
                .collect();
            quote!(&[#(#names),*])
        })
        .collect();
    if !alts.is_empty() {
        chain = quote!(#chain.security(&[#(#alts),*]));
    }
    let r = &op.retry;
    if r.retry_conflict
        || !r.terminal_codes.is_empty()
        || r.max_retries.is_some()
        || r.idempotent.is_some()
    {
        let conflict = r.retry_conflict;
        let codes = &r.terminal_codes;
        let max = match r.max_retries {
            Some(n) => quote!(::std::option::Option::Some(#n)),
            None => quote!(::std::option::Option::None),
        };
        let idem = match r.idempotent {
            Some(b) => quote!(::std::option::Option::Some(#b)),
            None => quote!(::std::option::Option::None),
        };
        chain = quote!(#chain.retry(::sturdy_runtime::RetryRules {
            retry_conflict: #conflict,
            terminal_codes: &[#(#codes),*],
            max_retries: #max,
            idempotent: #idem,
        }));
    }
    if let Some(ms) = op.timeout_ms {
        chain = quote!(#chain.timeout_ms(#ms));
    }
    let doc = format!(" `{} {}`", op.method.as_str(), op.path);
    quote! {
        #[doc = #doc]
        pub static #name: ::sturdy_runtime::OperationMeta = #chain;
    }
}

fn success_type(cx: &EmitCtx, op: &Operation) -> TokenStream {
    match op.success.encoding {
        ResponseEncoding::Empty => quote!(()),
        ResponseEncoding::Bytes => quote!(::sturdy_runtime::bytes::Bytes),
        ResponseEncoding::Text => quote!(::std::string::String),
        ResponseEncoding::Json => cx.type_tokens(&op.success.ty),
    }
}

fn decoder(op: &Operation) -> TokenStream {
    match op.success.encoding {
        ResponseEncoding::Empty => quote!(::sturdy_runtime::decode::empty),
        ResponseEncoding::Bytes => quote!(::sturdy_runtime::decode::bytes),
        ResponseEncoding::Text => quote!(::sturdy_runtime::decode::text),
        // Lenient unless the crate's `strict` feature is on (see `emit::types::lenient`).
        ResponseEncoding::Json => quote! {
            if cfg!(feature = "strict") {
                ::sturdy_runtime::decode::json_strict
            } else {
                ::sturdy_runtime::decode::json
            }
        },
    }
}

/// The error type of an operation: its own enum (in `<root>::errors`), or `Infallible`.
pub fn error_type(cx: &EmitCtx, op: &Operation) -> TokenStream {
    if op.errors.is_empty() {
        quote!(::std::convert::Infallible)
    } else {
        let (root, e) = (cx.root(), format_ident!("{}Error", op.type_prefix));
        quote!(#root::errors::#e)
    }
}

fn error_decoder(cx: &EmitCtx, op: &Operation) -> TokenStream {
    if op.errors.is_empty() {
        quote!(::sturdy_runtime::__private::no_typed_error)
    } else {
        let (root, e) = (cx.root(), format_ident!("{}Error", op.type_prefix));
        quote!(#root::errors::#e::decode)
    }
}

fn path_expr(op: &Operation) -> TokenStream {
    let mut fmt = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let (lit, after) = rest.split_at(start);
        fmt.push_str(&lit.replace('}', "}}"));
        match after.find('}') {
            Some(end) => {
                let name = &after[1..end];
                match op
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == name)
                {
                    Some(p) => {
                        fmt.push_str("{}");
                        let v = arg_ref(p);
                        args.push(match p.style {
                            ParamStyle::Json => quote!(::sturdy_runtime::__private::encode::path(&::sturdy_runtime::__private::encode::json_text(#v))),
                            _ => quote!(::sturdy_runtime::__private::encode::path(#v)),
                        });
                    }
                    None => fmt.push_str(&after[..=end].replace('{', "{{").replace('}', "}}")),
                }
                rest = &after[end + 1..];
            }
            None => {
                fmt.push_str(&after.replace('{', "{{"));
                rest = "";
            }
        }
    }
    fmt.push_str(&rest.replace('}', "}}"));
    if args.is_empty() {
        let lit = Literal::string(&op.path);
        quote!(::std::string::String::from(#lit))
    } else {
        quote!(::std::format!(#fmt, #(#args),*))
    }
}

/// The statements that add one non-path parameter to `request`.
fn param_stmt(p: &Param, value: TokenStream, optional: bool) -> TokenStream {
    let wire = &p.name;
    let add = |v: TokenStream| -> TokenStream {
        match (p.location, p.style) {
            (ParamLocation::Query, ParamStyle::Array { explode, delimiter }) => {
                let d = delimiter.to_string();
                quote!(request = request.query_array(#wire, #v, #explode, #d);)
            }
            (ParamLocation::Query, ParamStyle::Object { deep }) => {
                quote!(request = request.query_object(#wire, #v, #deep);)
            }
            (loc, ParamStyle::Json) => {
                let m = loc_method(loc);
                quote!(request = request.#m(#wire, &::sturdy_runtime::__private::encode::json_text(#v));)
            }
            (loc, _) => {
                let m = loc_method(loc);
                quote!(request = request.#m(#wire, #v);)
            }
        }
    };
    if optional {
        let stmt = add(quote!(v));
        quote!(if let ::std::option::Option::Some(v) = &#value { #stmt })
    } else {
        add(value)
    }
}

fn loc_method(loc: ParamLocation) -> proc_macro2::Ident {
    match loc {
        ParamLocation::Query | ParamLocation::Path => format_ident!("query"),
        ParamLocation::Header => format_ident!("header"),
        ParamLocation::Cookie => format_ident!("cookie"),
    }
}

pub fn params_struct_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Params", op.type_prefix)
}

/// The items of one operation: its static, its parameters struct, and its method.
/// Returns (module items, method).
pub fn emit_operation(api: &Api, cx: &EmitCtx, op: &Operation) -> (TokenStream, TokenStream) {
    let meta = meta_static(api, op);
    let params = params_struct(cx, op);
    let paged = op
        .pagination
        .as_ref()
        .filter(|_| op.success.encoding == ResponseEncoding::Json);
    let pages = paged.map(|p| pages_static(op, p));
    let items = quote! {
        #meta
        #params
        #pages
    };
    let call = PlainCall {
        args: method_args(cx, op),
        stmts: request_stmts(op),
        path: path_expr(op),
        meta: meta_ident(op),
    };
    let method = plain_method(cx, op, paged, &call);
    let (args, stmts, path, meta_id) = (&call.args, &call.stmts, &call.path, &call.meta);
    let method =
        crate::emit::streaming::with_stream_method(cx, op, method, args, stmts, path, meta_id);
    let method =
        crate::emit::streaming::with_byte_stream_method(op, method, args, stmts, path, meta_id);
    (items, method)
}

/// What every method of an operation shares: its arguments, the statements that add them to
/// the request, the path expression and the `OperationMeta` static.
struct PlainCall {
    args: Vec<TokenStream>,
    stmts: Vec<TokenStream>,
    path: TokenStream,
    meta: proc_macro2::Ident,
}

/// The optional-parameter struct, when the operation has optional parameters.
fn params_struct(cx: &EmitCtx, op: &Operation) -> TokenStream {
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    if optional.is_empty() {
        return TokenStream::new();
    }
    let fields = optional.iter().map(|p| {
        let n = ident(&p.rust_name);
        let t = cx.type_tokens(&p.ty);
        let doc = doc_attrs(Some(&param_doc(p)));
        let dep = if p.deprecated {
            quote!(#[deprecated])
        } else {
            quote!()
        };
        quote!(#doc #dep pub #n: ::std::option::Option<#t>)
    });
    let doc = format!(
        " Optional parameters of [`Client::{}`]({}).",
        op.method_name,
        cx.path_text(&format!("Client::{}", op.method_name))
    );
    let params_name = params_struct_name(op);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #params_name { #(#fields,)* }
    }
}

/// The method's arguments: required parameters, the body, the optional-parameter struct.
fn method_args(cx: &EmitCtx, op: &Operation) -> Vec<TokenStream> {
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let n = ident(&p.rust_name);
        let t = arg_type(cx, &p.ty);
        args.push(quote!(#n: #t));
    }
    let body_arg = op.body.as_ref().map(|b| {
        let t = match b.encoding {
            // Bytes, a `Vec<u8>`, or an upload from a file or a stream.
            BodyEncoding::Bytes => {
                quote!(impl ::std::convert::Into<::sturdy_runtime::UploadBody>)
            }
            BodyEncoding::Text => quote!(&str),
            _ => {
                let t = cx.type_tokens(&b.ty);
                quote!(&#t)
            }
        };
        if b.required || matches!(b.encoding, BodyEncoding::Bytes | BodyEncoding::Text) {
            quote!(body: #t)
        } else {
            quote!(body: ::std::option::Option<#t>)
        }
    });
    args.extend(body_arg);
    if op.params.iter().any(|p| !p.required) {
        let params_name = params_struct_name(op);
        args.push(quote!(params: #params_name));
    }
    args
}

/// The statements that add the non-path parameters and the body to `request`.
fn request_stmts(op: &Operation) -> Vec<TokenStream> {
    let mut stmts = Vec::new();
    for p in &op.params {
        if p.location == ParamLocation::Path {
            continue;
        }
        if p.required {
            stmts.push(param_stmt(p, arg_ref(p), false));
        } else {
            let f = ident(&p.rust_name);
            stmts.push(param_stmt(p, quote!(params.#f), true));
        }
    }
    if let Some(b) = &op.body {
        let ct = &b.content_type;
        let set = |v: TokenStream| match b.encoding {
            BodyEncoding::Json => quote!(request = request.json(#v);),
            BodyEncoding::Form => quote!(request = request.form(#v);),
            BodyEncoding::Multipart => quote!(request = request.multipart(#v);),
            BodyEncoding::Bytes => quote!(request = request.upload(#ct, #v);),
            BodyEncoding::Text => {
                quote!(request = request.bytes(#ct, ::std::string::String::from(#v));)
            }
        };
        if b.required || matches!(b.encoding, BodyEncoding::Bytes | BodyEncoding::Text) {
            stmts.push(set(quote!(body)));
        } else {
            let s = set(quote!(body));
            stmts.push(quote!(if let ::std::option::Option::Some(body) = body { #s }));
        }
    }
    stmts
}

/// The `<METHOD>_PAGES` static of a paginated operation.
fn pages_static(op: &Operation, p: &crate::ir::Pagination) -> TokenStream {
    let spec = page_spec(p);
    let name = format_ident!("{}_PAGES", op.method_name.to_ascii_uppercase());
    let doc = format!(" Pagination of `{}` ({}).", op.id, p.source);
    quote! {
        #[doc = #doc]
        pub static #name: ::sturdy_runtime::paginate::PageSpec = #spec;
    }
}

/// The plain method: a `Call`, or a `Paginated` for a paginated JSON operation.
fn plain_method(
    cx: &EmitCtx,
    op: &Operation,
    paged: Option<&crate::ir::Pagination>,
    call: &PlainCall,
) -> TokenStream {
    let PlainCall {
        args,
        stmts,
        path,
        meta: meta_id,
    } = call;
    let ok = success_type(cx, op);
    let err = error_type(cx, op);
    let dec = decoder(op);
    let dec_err = error_decoder(cx, op);
    let mutability = if stmts.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let method_name = ident(&op.method_name);
    let docs = doc_attrs(Some(&method_doc(op)));
    let dep = if op.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    match paged {
        Some(p) => {
            let item = cx.type_tokens(&p.item_ty);
            let pages = format_ident!("{}_PAGES", op.method_name.to_ascii_uppercase());
            quote! {
                #docs
                #dep
                pub fn #method_name(&self, #(#args),*) -> ::sturdy_runtime::paginate::Paginated<#ok, #item, #err> {
                    let #mutability request = ::sturdy_runtime::Request::new(&#meta_id, #path);
                    #(#stmts)*
                    ::sturdy_runtime::paginate::Paginated::new(::sturdy_runtime::Call::new(&self.inner, request, #dec, #dec_err), &#pages)
                }
            }
        }
        None => quote! {
            #docs
            #dep
            pub fn #method_name(&self, #(#args),*) -> ::sturdy_runtime::Call<#ok, #err> {
                let #mutability request = ::sturdy_runtime::Request::new(&#meta_id, #path);
                #(#stmts)*
                ::sturdy_runtime::Call::new(&self.inner, request, #dec, #dec_err)
            }
        },
    }
}

/// The `PageSpec` expression of a pagination scheme.
fn page_spec(p: &crate::ir::Pagination) -> TokenStream {
    use crate::ir::PageScheme;
    let items = &p.items;
    let base = match &p.scheme {
        PageScheme::Cursor {
            param,
            cursor,
            from_last_item,
            has_more,
        } => {
            let mut t = quote!(::sturdy_runtime::paginate::PageSpec::cursor(#param));
            if let Some(c) = cursor {
                t = quote!(#t.next_cursor(#c));
            }
            if let Some(f) = from_last_item {
                t = quote!(#t.cursor_from_last_item(#f));
            }
            if let Some(h) = has_more {
                t = quote!(#t.has_more(#h));
            }
            t
        }
        PageScheme::Offset { param, limit_param } => {
            let mut t = quote!(::sturdy_runtime::paginate::PageSpec::offset(#param));
            if let Some(l) = limit_param {
                t = quote!(#t.limit_param(#l));
            }
            t
        }
        PageScheme::PageNumber { param, start } => {
            quote!(::sturdy_runtime::paginate::PageSpec::page_number(#param, #start))
        }
        PageScheme::NextUrl { pointer } => {
            quote!(::sturdy_runtime::paginate::PageSpec::next_url(#pointer))
        }
        PageScheme::LinkHeader => quote!(::sturdy_runtime::paginate::PageSpec::link_header()),
    };
    quote!(#base.items(#items))
}

fn param_doc(p: &Param) -> String {
    let loc = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    match &p.docs {
        Some(d) => format!("{d}\n\n(`{}` {loc} parameter)", p.name),
        None => format!("The `{}` {loc} parameter.", p.name),
    }
}

fn method_doc(op: &Operation) -> String {
    let mut s = String::new();
    if let Some(sum) = &op.summary {
        s.push_str(sum.trim());
        s.push_str("\n\n");
    }
    if let Some(d) = &op.description {
        if op.summary.as_deref().map(str::trim) != Some(d.trim()) {
            s.push_str(d.trim());
            s.push_str("\n\n");
        }
    }
    s.push_str(&format!(
        "`{} {}` (operation `{}`).",
        op.method.as_str(),
        op.path,
        op.id
    ));
    // Only arguments the spec says something about; "the `id` parameter" tells nothing.
    let described: Vec<(&Param, &str)> = op
        .params
        .iter()
        .filter(|p| p.required)
        .filter_map(|p| {
            let first = p.docs.as_deref()?.trim().split("\n\n").next()?.trim();
            (!first.is_empty()).then_some((p, first))
        })
        .collect();
    if !described.is_empty() {
        s.push_str("\n\nArguments:");
        for (p, d) in described {
            // Rendered here, so the list item stays Markdown when the text was HTML.
            let d = crate::emit::docs::render(d).replace('\n', " ");
            s.push_str(&format!("\n- `{}`: {d}", p.rust_name));
        }
    }
    if let Some(p) = &op.pagination {
        s.push_str(&format!("\n\nPaginated ({}): `.await` gives the first page; `.items()` streams every item and `.pages()` every page, each with its position for resuming.", p.source));
    }
    if let Some(h) = &op.idempotency_header {
        s.push_str(&format!("\n\nIdempotent: an `{h}` key is generated per call and sent on every retry (set your own with `.idempotency_key(..)`)."));
    }
    let scopes: Vec<String> = op
        .security
        .iter()
        .flat_map(|alt| alt.iter().flat_map(|(_, sc)| sc.iter().cloned()))
        .collect();
    if !scopes.is_empty() {
        let mut scopes = scopes;
        scopes.sort();
        scopes.dedup();
        s.push_str(&format!(
            "\n\nScopes: {}.",
            scopes
                .iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s
}
