//! What a user of a generated crate reaches without naming `sturdy-runtime`: the runtime
//! types that appear in the client's API (credentials, field types such as `Nullable`, uploads,
//! OAuth2 configuration, pagination positions and checkpoints, webhook verification and its
//! header map), and every
//! optional-parameter struct at `crate::params::<Name>Params`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::groups;
use crate::emit::operations::params_struct_name;
use crate::emit::rust::ident;
use crate::ir::Api;

/// `pub use` items of `lib.rs`: the runtime types a caller touches.
pub fn reexports() -> TokenStream {
    quote! {
        pub use ::sturdy_runtime::{Credential, Error, ErrorKind, RequestOptions, Response, RetryPolicy, Sent};
        /// Field types of the generated model: three-state nullable fields, Stripe-style
        /// expandable references, and file contents (bytes, or an upload from a file or a stream).
        pub use ::sturdy_runtime::{types::Binary, Expandable, Nullable, ObjectId};
        /// Request bodies read from a file or a stream, with progress and a stall timeout.
        pub use ::sturdy_runtime::upload::{Progress, UploadBody};
        /// OAuth2 token flows (client credentials, refresh tokens, PKCE) for
        /// [`Credential::Provider`].
        pub use ::sturdy_runtime::auth::oauth2::{ClientAuth, OAuth2, OAuth2Builder, OAuth2Config};
        pub use ::sturdy_runtime::auth::pkce::Pkce;
        /// Pages, resumable positions and checkpoints of list operations.
        pub use ::sturdy_runtime::paginate::{CheckpointStore, FileCheckpoints, Page, Paginated, Position};
        /// Webhook signature verification, and the header map it reads.
        pub use ::sturdy_runtime::webhooks::{HeaderMap, Verified, Verifier, VerifierBuilder, WebhookError};
    }
}

/// The `params` module: a `pub use` of every `*Params` struct, behind its group's feature
/// when the output has features.
pub fn params_module(api: &Api, cx: &EmitCtx) -> TokenStream {
    let root = cx.root();
    let uses = groups::by_module(api)
        .into_iter()
        .filter_map(|(module, ops)| {
            let names: Vec<_> = ops
                .iter()
                .filter(|op| op.params.iter().any(|p| !p.required))
                .map(|op| params_struct_name(op))
                .collect();
            if names.is_empty() {
                return None;
            }
            let m = ident(&module);
            let cfg = cx.group_gate(&groups::op_feature(ops[0]));
            Some(quote! {
                #cfg
                pub use #root::operations::#m::{#(#names),*};
            })
        });
    quote!(#(#uses)*)
}
