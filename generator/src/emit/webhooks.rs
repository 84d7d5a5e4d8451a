//! The webhook event enum: one variant per event the spec declares, and `Unknown` keeping
//! the raw JSON of anything else.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{doc_attrs, ident, type_tokens};
use crate::ir::Api;

/// The body of `webhooks.rs`.
pub fn emit_webhooks(api: &Api) -> TokenStream {
    let variants = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let t = type_tokens(&w.ty);
        let docs = doc_attrs(Some(&match &w.docs {
            Some(d) => format!("{d}\n\n(event `{}`)", w.name),
            None => format!("The `{}` event.", w.name),
        }));
        quote!(#docs #v(#t))
    });
    let arms = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let mut names = vec![w.name.clone()];
        for d in &w.discriminator_values {
            if !names.contains(d) {
                names.push(d.clone());
            }
        }
        quote!(#(#names)|* => ::sturdy_runtime::serde_json::from_slice(body).map(Self::#v),)
    });
    let names = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let n = &w.name;
        quote!(Self::#v(_) => #n,)
    });
    let unknown = quote!(::sturdy_runtime::serde_json::from_slice(body).map(|payload| Self::Unknown { name: name.to_owned(), payload }));
    let dispatch = if api.webhooks.is_empty() {
        unknown
    } else {
        quote! {
            match name {
                #(#arms)*
                _ => #unknown,
            }
        }
    };
    quote! {
        /// A webhook event, decoded from a verified payload.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            #(#variants,)*
            /// An event this client does not know; the payload is kept as JSON.
            Unknown {
                /// The event name or type.
                name: ::std::string::String,
                /// The payload.
                payload: ::sturdy_runtime::serde_json::Value,
            },
        }

        impl WebhookEvent {
            /// Decodes `body` as the event `name`: the event's key in the spec, or the value
            /// of its discriminator (`type`/`event` property, or an event header such as
            /// `X-GitHub-Event`). Verify the signature on the raw bytes first.
            pub fn from_payload(name: &str, body: &[u8]) -> ::std::result::Result<Self, ::sturdy_runtime::serde_json::Error> {
                #dispatch
            }

            /// Decodes `body`, taking the event name from its `type` or `event` property.
            pub fn from_body(body: &[u8]) -> ::std::result::Result<Self, ::sturdy_runtime::serde_json::Error> {
                let value: ::sturdy_runtime::serde_json::Value = ::sturdy_runtime::serde_json::from_slice(body)?;
                let name = ["type", "event", "event_type"]
                    .iter()
                    .find_map(|k| value.get(*k).and_then(|v| v.as_str()))
                    .unwrap_or("")
                    .to_owned();
                Self::from_payload(&name, body)
            }

            /// The event's name in the spec (for `Unknown`, the name it arrived with).
            pub fn name(&self) -> &str {
                match self {
                    #(#names)*
                    Self::Unknown { name, .. } => name,
                }
            }
        }
    }
}
