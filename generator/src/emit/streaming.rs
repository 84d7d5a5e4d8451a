//! Streaming methods beside an operation's plain one.
//!
//! - Server-sent events: for a `text/event-stream` response, beside
//!   `create_chat_completion`, `create_chat_completion_stream` takes the same arguments and
//!   returns a `sturdy_runtime::stream::SseCall` of the spec's event type (wrapped in
//!   `stream::Event` when the spec describes several event kinds, keyed by the SSE `event:`
//!   name when the data lacks the discriminator).
//! - Byte streams: for a binary success response (`application/octet-stream`, `audio/*`,
//!   any media type that is not JSON or text), `download_file_byte_stream` takes the same
//!   arguments and returns a `sturdy_runtime::stream::DownloadCall`, whose body arrives
//!   chunk by chunk instead of as one buffered `Bytes`.
//!
//! All streaming behaviour lives in the runtime.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::context::EmitCtx;
use crate::emit::rust::doc_attrs;
use crate::ir::{Operation, ResponseEncoding};

/// `method` followed by the operation's streaming method, if it has one. `args`, `stmts`,
/// `path` and `meta` are the plain method's arguments, request-building statements, path
/// expression and `OperationMeta` static.
pub fn with_stream_method(
    cx: &EmitCtx,
    op: &Operation,
    method: TokenStream,
    args: &[TokenStream],
    stmts: &[TokenStream],
    path: &TokenStream,
    meta: &proc_macro2::Ident,
) -> TokenStream {
    let Some(s) = &op.streaming else {
        return method;
    };
    let name = format_ident!("{}_stream", op.method_name);
    let event = cx.type_tokens(&s.event);
    let (item, decode) = if s.several {
        let decode = match &s.tag {
            Some(tag) => {
                quote!(|e| ::sturdy_runtime::stream::decode::tagged_or_unknown(e, #tag))
            }
            None => quote!(::sturdy_runtime::stream::decode::json_or_unknown),
        };
        (quote!(::sturdy_runtime::stream::Event<#event>), decode)
    } else {
        (event, quote!(::sturdy_runtime::stream::decode::json))
    };
    let flag = s.stream_flag.then(
        || quote!(request = ::sturdy_runtime::stream::with_json_flag(request, "stream", true);),
    );
    let mutability = if stmts.is_empty() && flag.is_none() {
        quote!()
    } else {
        quote!(mut)
    };
    let resumable = s.resumable.then(|| {
        quote!(.stream_options(::sturdy_runtime::stream::StreamOptions::default().resumable(true)))
    });
    let plain = &op.method_name;
    let mut doc = format!(
        "[`{plain}`](Self::{plain}) as a stream of server-sent events: `.await` it for a \
         `Stream` of typed events that ends at `[DONE]`; an error event ends it with the \
         normalized error."
    );
    if s.stream_flag {
        doc.push_str(" Sets the body's `stream` flag.");
    }
    if s.resumable {
        doc.push_str(" Resumable: a broken stream reconnects with `Last-Event-ID`.");
    }
    let docs = doc_attrs(Some(&doc));
    let dep = if op.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    quote! {
        #method
        #docs
        #dep
        pub fn #name(&self, #(#args),*) -> ::sturdy_runtime::stream::SseCall<'_, #item> {
            let #mutability request = ::sturdy_runtime::Request::new(&#meta, #path);
            #(#stmts)*
            #flag
            ::sturdy_runtime::stream::SseCall::new(&self.inner, request, #decode) #resumable
        }
    }
}

/// `method` followed by the operation's byte-stream method, when its success response is
/// binary. Arguments as for [`with_stream_method`].
pub fn with_byte_stream_method(
    op: &Operation,
    method: TokenStream,
    args: &[TokenStream],
    stmts: &[TokenStream],
    path: &TokenStream,
    meta: &proc_macro2::Ident,
) -> TokenStream {
    if op.success.encoding != ResponseEncoding::Bytes {
        return method;
    }
    let name = format_ident!("{}_byte_stream", op.method_name);
    let plain = &op.method_name;
    let doc = format!(
        "[`{plain}`](Self::{plain}) with the response body as a stream of chunks, never \
         buffered whole: `.await` it for a `ByteStream` (`on_progress` and `idle_timeout` \
         before awaiting). A body cut short ends the stream with an error; it is not restarted."
    );
    let docs = doc_attrs(Some(&doc));
    let dep = if op.deprecated {
        quote!(#[deprecated])
    } else {
        quote!()
    };
    let mutability = if stmts.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        #method
        #docs
        #dep
        pub fn #name(&self, #(#args),*) -> ::sturdy_runtime::stream::DownloadCall<'_> {
            let #mutability request = ::sturdy_runtime::Request::new(&#meta, #path);
            #(#stmts)*
            ::sturdy_runtime::stream::DownloadCall::new(&self.inner, request)
        }
    }
}
