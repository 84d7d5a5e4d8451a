//! The generated `Client`, its builder, the `Environment` enum, and the API's static facts.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::context::EmitCtx;
use crate::emit::rust::{doc_attrs, ident};
use crate::ir::{Api, ParamLocation, SecurityKind, Server};

/// The environment variable a scheme's credential is read from.
pub fn env_var(crate_name: &str, scheme: &str) -> String {
    format!(
        "{}_{}",
        crate::ir::names::snake(crate_name),
        crate::ir::names::snake(scheme)
    )
    .to_ascii_uppercase()
}

/// The builder method that sets a scheme's credential.
pub fn scheme_method(scheme: &str) -> String {
    let base = crate::ir::names::snake(scheme);
    match base.as_str() {
        "build"
        | "environment"
        | "base_url"
        | "runtime"
        | "credential"
        | "credentials_from_env" => format!("{base}_auth"),
        _ => base,
    }
}

/// A short description of a scheme.
pub fn scheme_kind(kind: &SecurityKind) -> String {
    match kind {
        SecurityKind::ApiKey { location, name } => format!(
            "API key in {} `{name}`",
            match location {
                ParamLocation::Header => "header",
                ParamLocation::Query => "query parameter",
                ParamLocation::Cookie => "cookie",
                ParamLocation::Path => "path",
            }
        ),
        SecurityKind::Bearer => "bearer token".into(),
        SecurityKind::Basic => "HTTP basic".into(),
        SecurityKind::OAuth2 { .. } => "OAuth2".into(),
        SecurityKind::OpenIdConnect { .. } => "OpenID Connect token".into(),
    }
}

/// `client.rs`: the API's static facts, the `Environment` enum, `Client` and `ClientBuilder`.
pub fn emit_client(api: &Api, cx: &EmitCtx, crate_name: &str) -> TokenStream {
    // Environments: servers with absolute URLs.
    let envs: Vec<&Server> = api
        .servers
        .iter()
        .filter(|s| s.url.contains("://"))
        .collect();
    let statics = statics(api, crate_name);
    let env_items = environment_enum(&envs);
    let env = EnvParts::of(&envs);
    let client = client_struct(api, cx, &env);
    let builder = builder(api, crate_name, &env);
    quote! {
        #statics
        #env_items
        #client
        #builder
    }
}

/// `SECURITY_SCHEMES` and `API`: what the runtime needs to know about the API.
fn statics(api: &Api, crate_name: &str) -> TokenStream {
    let schemes = api.security_schemes.values().map(|s| {
        let scheme = &s.name;
        match &s.kind {
            SecurityKind::ApiKey { location, name } => {
                let loc = match location {
                    ParamLocation::Query => quote!(::sturdy_runtime::auth::ApiKeyLocation::Query),
                    ParamLocation::Cookie => quote!(::sturdy_runtime::auth::ApiKeyLocation::Cookie),
                    _ => quote!(::sturdy_runtime::auth::ApiKeyLocation::Header),
                };
                quote!(::sturdy_runtime::SecurityScheme::api_key(#scheme, #loc, #name))
            }
            SecurityKind::Bearer => quote!(::sturdy_runtime::SecurityScheme::bearer(#scheme)),
            SecurityKind::Basic => quote!(::sturdy_runtime::SecurityScheme::basic(#scheme)),
            SecurityKind::OAuth2 {
                token_url,
                authorization_url,
                ..
            } => {
                let opt = |v: &Option<String>| match v {
                    Some(u) => quote!(::std::option::Option::Some(#u)),
                    None => quote!(::std::option::Option::None),
                };
                let t = opt(token_url);
                let a = opt(authorization_url);
                quote!(::sturdy_runtime::SecurityScheme::oauth2(#scheme, #t, #a))
            }
            SecurityKind::OpenIdConnect { .. } => {
                quote!(::sturdy_runtime::SecurityScheme::open_id_connect(#scheme))
            }
        }
    });
    let error_pointer = match &api.runtime.error_pointer {
        Some(p) => quote!(.error_pointer(#p)),
        None => quote!(),
    };
    let version_header = match &api.runtime.version_header {
        Some((n, v)) => quote!(.version_header(#n, #v)),
        None => quote!(),
    };
    let api_version = &api.version;

    let scheme_count = api.security_schemes.len();
    quote! {
        /// The security schemes of the spec.
        pub static SECURITY_SCHEMES: [::sturdy_runtime::SecurityScheme; #scheme_count] = [#(#schemes),*];

        /// API-wide facts the runtime needs.
        pub static API: ::sturdy_runtime::ApiMeta = ::sturdy_runtime::ApiMeta::new(#crate_name, #api_version)
            .security_schemes(&SECURITY_SCHEMES)
            #error_pointer
            #version_header;
    }
}

/// The `Environment` enum, when the spec names servers with absolute URLs.
fn environment_enum(envs: &[&Server]) -> TokenStream {
    if envs.is_empty() {
        quote!()
    } else {
        let variants = envs.iter().map(|s| {
            let v = ident(&s.name);
            let d = doc_attrs(Some(&match &s.description {
                Some(d) => format!("{d}\n\n`{}`", s.url),
                None => format!("`{}`", s.url),
            }));
            quote!(#d #v)
        });
        let urls = envs.iter().map(|s| {
            let v = ident(&s.name);
            let mut url = s.url.clone();
            for var in &s.variables {
                url = url.replace(&format!("{{{}}}", var.name), &var.default);
            }
            quote!(Environment::#v => #url)
        });
        quote! {
            /// The servers the spec declares. The first is the default.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
            #[non_exhaustive]
            pub enum Environment {
                #[default]
                #(#variants,)*
            }

            impl Environment {
                /// The base URL (server variables at their defaults).
                pub fn url(self) -> &'static str {
                    match self {
                        #(#urls,)*
                    }
                }
            }
        }
    }
}

/// What the builder holds and does differently when the spec names environments.
struct EnvParts {
    field: TokenStream,
    method: TokenStream,
    init: TokenStream,
    base_resolution: TokenStream,
}

impl EnvParts {
    fn of(envs: &[&Server]) -> Self {
        let (field, method, init, base_resolution) = if envs.is_empty() {
            (
                quote!(),
                quote!(),
                quote!(),
                quote!(let inner = self.inner;),
            )
        } else {
            (
                quote!(environment: Environment,),
                quote! {
                    /// Chooses a server from the spec (default: the first).
                    pub fn environment(mut self, environment: Environment) -> Self {
                        self.environment = environment;
                        self.base_url_set = false;
                        self
                    }
                },
                quote!(environment: Environment::default(),),
                quote! {
                    let inner = if self.base_url_set { self.inner } else { self.inner.base_url(self.environment.url()) };
                },
            )
        };
        EnvParts {
            field,
            method,
            init,
            base_resolution,
        }
    }
}

/// `Client`: its constructor, runtime access and `verify_credentials`.
fn client_struct(api: &Api, cx: &EmitCtx, env: &EnvParts) -> TokenStream {
    let rate_limit = match &api.runtime.rate_limit {
        Some(r) => {
            let per_second = r.per_second;
            let burst = r.burst;
            quote!(.rate_limit(#per_second, #burst))
        }
        None => quote!(),
    };
    let title_doc = format!(" A client for {} (API version {}).", api.title, api.version);
    let health_check = health_check(api, cx);
    let env_init = &env.init;
    quote! {
        #[doc = #title_doc]
        ///
        /// Cheap to clone: clones share connections, credentials, rate limits and retry budget.
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) inner: ::sturdy_runtime::Client,
        }

        impl Client {
            /// A builder with sturdy's defaults.
            pub fn builder() -> ClientBuilder {
                ClientBuilder {
                    inner: ::sturdy_runtime::Client::builder().api(API)#rate_limit,
                    base_url_set: false,
                    #env_init
                }
            }

            /// Wraps a runtime client configured by hand.
            pub fn from_runtime(inner: ::sturdy_runtime::Client) -> Self {
                Self { inner }
            }

            /// The runtime client underneath.
            pub fn runtime(&self) -> &::sturdy_runtime::Client {
                &self.inner
            }

            /// Replaces the credential of a scheme while the client runs (key rotation).
            pub fn set_credential(&self, scheme: &str, credential: ::sturdy_runtime::Credential) {
                self.inner.set_credential(scheme, credential);
            }

            #health_check
        }
    }
}

/// `verify_credentials`, when `x-sturdy-health-check` names an operation that needs no input;
/// in a crate, behind the feature of that operation's group.
fn health_check(api: &Api, cx: &EmitCtx) -> TokenStream {
    match api
        .runtime
        .health_check
        .as_deref()
        .and_then(|id| api.operations.iter().find(|o| o.id == id))
    {
        Some(op) if !op.params.iter().any(|p| p.required) && op.body.is_none() => {
            let meta = crate::emit::operations::meta_ident(op);
            let module = ident(&crate::emit::groups::op_module(op));
            let gate = cx.group_gate(&crate::emit::groups::op_feature(op));
            let (path, root) = (&op.path, cx.root());
            let doc = format!(" Checks the credentials by calling `{}` (`x-sturdy-health-check`); the error's hint says plainly what is wrong.", op.id);
            quote! {
                #[doc = #doc]
                #gate
                pub async fn verify_credentials(&self) -> ::std::result::Result<(), ::sturdy_runtime::Error> {
                    let request = ::sturdy_runtime::Request::new(&#root::operations::#module::#meta, ::std::string::String::from(#path));
                    self.inner.execute(request, ::sturdy_runtime::RequestOptions::new()).await.map(|_| ())
                }
            }
        }
        _ => quote!(),
    }
}

/// `ClientBuilder`: environments, a credential method per scheme, signing, `build()`.
fn builder(api: &Api, crate_name: &str, env: &EnvParts) -> TokenStream {
    let scheme_methods = scheme_methods(api, crate_name);
    let signing = signing_method(api).into_iter();
    let env_reads = env_reads(api, crate_name);
    let EnvParts {
        field: env_field,
        method: env_method,
        base_resolution,
        ..
    } = env;
    quote! {
        /// Builds a [`Client`]. By value; `build()` validates.
        #[derive(Debug)]
        pub struct ClientBuilder {
            inner: ::sturdy_runtime::ClientBuilder,
            base_url_set: bool,
            #env_field
        }

        impl ClientBuilder {
            /// The base URL, instead of an environment's.
            pub fn base_url(mut self, url: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.inner = self.inner.base_url(url);
                self.base_url_set = true;
                self
            }

            #env_method

            /// A credential for a security scheme, by its name in the spec.
            pub fn credential(mut self, scheme: &str, credential: ::sturdy_runtime::Credential) -> Self {
                self.inner = self.inner.credential(scheme, credential);
                self
            }

            #(#scheme_methods)*

            #(#signing)*

            /// Reads credentials from the environment variables named in the crate docs.
            #[allow(unused_mut)]
            pub fn credentials_from_env(mut self) -> Self {
                #(#env_reads)*
                self
            }

            /// Configures the runtime: timeouts, retry policy, time source, HTTP client.
            pub fn runtime(mut self, f: impl ::std::ops::FnOnce(::sturdy_runtime::ClientBuilder) -> ::sturdy_runtime::ClientBuilder) -> Self {
                self.inner = f(self.inner);
                self
            }

            /// Validates the configuration and builds the client.
            pub fn build(self) -> ::std::result::Result<Client, ::sturdy_runtime::BuildError> {
                #base_resolution
                ::std::result::Result::Ok(Client { inner: inner.build()? })
            }
        }
    }
}

/// One builder method per security scheme.
fn scheme_methods(api: &Api, crate_name: &str) -> Vec<TokenStream> {
    api.security_schemes.values().map(|s| {
        let m = ident(&scheme_method(&s.name));
        let name = &s.name;
        let env = env_var(crate_name, &s.name);
        match &s.kind {
            SecurityKind::Basic => {
                let doc = format!(" Credentials for `{name}` (HTTP basic). Also read from `{env}` (`user:password`) by [`ClientBuilder::credentials_from_env`].");
                quote! {
                    #[doc = #doc]
                    pub fn #m(self, username: impl ::std::convert::Into<::std::string::String>, password: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.credential(#name, ::sturdy_runtime::Credential::basic(username, password))
                    }
                }
            }
            SecurityKind::OAuth2 { .. } | SecurityKind::OpenIdConnect { .. } => {
                let doc = format!(" Credentials for `{name}` ({}): a static token, or `Credential::Provider` for tokens that refresh. A static token is also read from `{env}`.", scheme_kind(&s.kind));
                quote! {
                    #[doc = #doc]
                    pub fn #m(self, credential: ::sturdy_runtime::Credential) -> Self {
                        self.credential(#name, credential)
                    }
                }
            }
            _ => {
                let doc = format!(" Credentials for `{name}` ({}). Also read from `{env}` by [`ClientBuilder::credentials_from_env`].", scheme_kind(&s.kind));
                quote! {
                    #[doc = #doc]
                    pub fn #m(self, secret: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.credential(#name, ::sturdy_runtime::Credential::token(secret))
                    }
                }
            }
        }
    }).collect()
}

/// `credentials_from_env`: one read per scheme.
fn env_reads(api: &Api, crate_name: &str) -> Vec<TokenStream> {
    api.security_schemes.values().map(|s| {
        let name = &s.name;
        let env = env_var(crate_name, &s.name);
        match &s.kind {
            SecurityKind::Basic => quote! {
                if let ::std::result::Result::Ok(v) = ::std::env::var(#env) {
                    let (user, pass) = v.split_once(':').unwrap_or((v.as_str(), ""));
                    self = self.credential(#name, ::sturdy_runtime::Credential::basic(user, pass));
                }
            },
            _ => quote! {
                if let ::std::option::Option::Some(c) = ::sturdy_runtime::Credential::from_env(#env) {
                    self = self.credential(#name, c);
                }
            },
        }
    }).collect()
}

/// `signing_secret`, when the contract signs every request (`x-sturdy-request-signing`).
fn signing_method(api: &Api) -> Option<TokenStream> {
    api.runtime.request_signing.as_ref().map(|r| {
        let s = quote!(::sturdy_runtime::auth::signing);
        let mut chain = quote!(#s::RequestSigner::new(secret));
        if let Some(h) = &r.header {
            chain = quote!(#chain.header(#h));
        }
        if let Some(h) = &r.timestamp_header {
            chain = quote!(#chain.timestamp_header(#h));
        }
        if r.algorithm.as_deref() == Some("sha512") {
            chain = quote!(#chain.digest(#s::Digest::Sha512));
        }
        if r.encoding.as_deref() == Some("base64") {
            chain = quote!(#chain.encoding(#s::Encoding::Base64));
        }
        if let Some(p) = &r.prefix {
            chain = quote!(#chain.prefix(#p));
        }
        if let Some(t) = &r.signed {
            chain = quote!(#chain.template(#t));
        }
        quote! {
            /// The secret every request is HMAC-signed with, as the contract requires
            /// (`x-sturdy-request-signing`).
            pub fn signing_secret(mut self, secret: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.inner = self.inner.request_signer(#chain);
                self
            }
        }
    })
}
