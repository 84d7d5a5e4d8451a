//! The webhook event enum: one variant per event the spec declares, and `Unknown` keeping
//! the raw JSON of anything else.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{Api, WebhookEnvelope};

/// The body of `webhooks.rs`.
pub fn emit_webhooks(api: &Api, cx: &EmitCtx) -> TokenStream {
    let envelope = api.runtime.webhook_envelope.as_ref();
    let variants = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let t = cx.type_tokens(&w.ty);
        let docs = doc_attrs(Some(&match &w.docs {
            Some(d) => format!("{d}\n\n(event `{}`)", w.name),
            None => format!("The `{}` event.", w.name),
        }));
        quote!(#docs #v(#t))
    });
    let names = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let n = &w.name;
        quote!(Self::#v(_) => #n,)
    });
    let dispatch = dispatch(api, envelope);
    let verifier = verifier(api);
    let (find_name, envelope_items) = envelope_tokens(envelope);
    let from_body_doc = match envelope {
        Some(e) => format!(
            " Decodes `body`, taking the event name from `{}` in it.",
            e.type_pointer
        ),
        None => {
            " Decodes `body`, taking the event name from its `type` or `event` property.".to_owned()
        }
    };
    quote! {
        #verifier

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

            #[doc = #from_body_doc]
            pub fn from_body(body: &[u8]) -> ::std::result::Result<Self, ::sturdy_runtime::serde_json::Error> {
                let value: ::sturdy_runtime::serde_json::Value = ::sturdy_runtime::serde_json::from_slice(body)?;
                let name = #find_name;
                Self::from_payload(&name, body)
            }

            #envelope_items

            /// The event's name in the spec (for `Unknown`, the name it arrived with).
            pub fn name(&self) -> &str {
                match self {
                    #(#names)*
                    Self::Unknown { name, .. } => name,
                }
            }
        }

        impl ::sturdy_runtime::webhooks::WebhookEvent for WebhookEvent {
            fn from_parts(event_type: ::std::option::Option<&str>, body: &[u8]) -> ::std::result::Result<Self, ::sturdy_runtime::webhooks::WebhookError> {
                match event_type {
                    ::std::option::Option::Some(name) => Self::from_payload(name, body),
                    ::std::option::Option::None => Self::from_body(body),
                }
                .map_err(|e| ::sturdy_runtime::webhooks::WebhookError::payload(event_type, e))
            }
        }
    }
}

/// The body of `from_payload`: a match from each event name (and discriminator value) to
/// its variant, anything else decoded as `Unknown`.
fn dispatch(api: &Api, envelope: Option<&WebhookEnvelope>) -> TokenStream {
    // Each name selects one variant: the first that claims it (an event's own name always
    // wins over another event's discriminator value), so no match arm is unreachable.
    let mut taken: std::collections::BTreeSet<&str> =
        api.webhooks.iter().map(|w| w.name.as_str()).collect();
    let arms = api.webhooks.iter().map(|w| {
        let v = ident(&w.variant);
        let mut names = vec![w.name.clone()];
        for d in &w.discriminator_values {
            if taken.insert(d.as_str()) {
                names.push(d.clone());
            }
        }
        match envelope {
            Some(_) => quote!(#(#names)|* => ::sturdy_runtime::serde_json::from_value(Self::envelope_payload(body)?).map(Self::#v),),
            None => quote!(#(#names)|* => ::sturdy_runtime::serde_json::from_slice(body).map(Self::#v),),
        }
    });
    // GitHub names events `{X-GitHub-Event}-{action}` in its spec (`_` written `-`).
    let unknown = quote! {{
        let payload: ::sturdy_runtime::serde_json::Value = ::sturdy_runtime::serde_json::from_slice(body)?;
        if let ::std::option::Option::Some(action) = payload.get("action").and_then(|a| a.as_str()) {
            let combined = ::std::format!("{}-{}", name, action).replace('_', "-");
            if !name.ends_with(action) && combined != name {
                let event = Self::from_payload(&combined, body)?;
                if !matches!(event, Self::Unknown { .. }) {
                    return ::std::result::Result::Ok(event);
                }
            }
        }
        ::std::result::Result::Ok(Self::Unknown { name: name.to_owned(), payload })
    }};
    if api.webhooks.is_empty() {
        unknown
    } else {
        quote! {
            match name {
                #(#arms)*
                _ => #unknown
            }
        }
    }
}

/// How `from_body` finds the event name, and the envelope helpers (`x-sturdy-webhook-envelope`).
fn envelope_tokens(envelope: Option<&WebhookEnvelope>) -> (TokenStream, TokenStream) {
    let Some(e) = envelope else {
        let find = quote! {
            ["type", "event", "event_type"]
                .iter()
                .find_map(|k| value.get(*k).and_then(|v| v.as_str()))
                .unwrap_or("")
                .to_owned()
        };
        return (find, quote!());
    };
    let (ty, payload) = (&e.type_pointer, &e.payload_pointer);
    let find = quote! {
        value.pointer(#ty).and_then(|v| v.as_str()).unwrap_or("").to_owned()
    };
    let id = e.id_pointer.as_ref().map(|id| {
        let doc = format!(" The event's id (at `{id}` in the body), to deduplicate deliveries on.");
        quote! {
            #[doc = #doc]
            pub fn event_id(body: &[u8]) -> ::std::option::Option<::std::string::String> {
                let value: ::sturdy_runtime::serde_json::Value = ::sturdy_runtime::serde_json::from_slice(body).ok()?;
                value.pointer(#id).and_then(|v| v.as_str()).map(::std::borrow::ToOwned::to_owned)
            }
        }
    });
    let doc =
        format!(" The event's payload: the value at `{payload}` in the body (null when absent).");
    let items = quote! {
        #[doc = #doc]
        fn envelope_payload(body: &[u8]) -> ::std::result::Result<::sturdy_runtime::serde_json::Value, ::sturdy_runtime::serde_json::Error> {
            let mut value: ::sturdy_runtime::serde_json::Value = ::sturdy_runtime::serde_json::from_slice(body)?;
            ::std::result::Result::Ok(value.pointer_mut(#payload).map(::std::mem::take).unwrap_or_default())
        }

        #id
    };
    (find, items)
}

/// `verifier()`: the signature scheme the contract declares, ready for secrets.
fn verifier(api: &Api) -> TokenStream {
    let Some(sig) = &api.runtime.webhook_signature else {
        return quote!();
    };
    let w = quote!(::sturdy_runtime::webhooks);
    if sig.scheme == "twilio" {
        return quote! {
            /// A verifier for this API's webhook signatures (Twilio's, over the URL the request
            /// was sent to), for the given auth tokens (several during a rotation).
            pub fn verifier(tokens: impl ::std::iter::IntoIterator<Item = ::std::string::String>) -> ::std::result::Result<#w::TwilioVerifier, #w::WebhookError> {
                #w::TwilioVerifier::new(tokens)
            }
        };
    }
    let doc = format!(" A verifier for this API's webhook signatures (`{}`), for the given secrets (several during a rotation).", sig.scheme);
    let body = match sig.scheme.as_str() {
        "standard-webhooks" => quote!(#w::Verifier::standard_webhooks(secrets)),
        "stripe" => quote!(#w::Verifier::stripe(secrets)),
        "github" => quote!(#w::Verifier::github(secrets)),
        "slack" => quote!(#w::Verifier::slack(secrets)),
        "box" => quote!(#w::Verifier::box_com(secrets)),
        _ => {
            let header = sig
                .header
                .clone()
                .unwrap_or_else(|| "x-signature".to_owned());
            let mut spec = quote!(#w::HmacSpec::new(#header));
            if sig.algorithm.as_deref() == Some("sha512") {
                spec = quote!(#spec.algorithm(#w::Algorithm::Sha512));
            }
            if sig.encoding.as_deref() == Some("base64") {
                spec = quote!(#spec.encoding(#w::SignatureEncoding::Base64));
            }
            if let Some(p) = &sig.prefix {
                spec = quote!(#spec.prefix(#p));
            }
            if let Some(t) = &sig.timestamp_header {
                spec = quote!(#spec.timestamp_header(#t));
            }
            if let Some(i) = &sig.id_header {
                spec = quote!(#spec.id_header(#i));
            }
            if let Some(s) = &sig.signed {
                spec = quote!(#spec.signed(#s));
            }
            quote!(#w::Verifier::hmac(#spec, secrets))
        }
    };
    quote! {
        #[doc = #doc]
        pub fn verifier(secrets: impl ::std::iter::IntoIterator<Item = ::std::string::String>) -> #w::VerifierBuilder {
            #body
        }
    }
}
