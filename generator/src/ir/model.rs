//! The API as sturdy sees it. Nothing here is an OpenAPI type: `ir` builds these from the
//! loaded document, `emit` turns them into Rust. Every collection whose order reaches
//! emitted code is a `Vec` in a deterministic order or a `BTreeMap`.

use std::collections::BTreeMap;

/// A whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Base URLs (`servers`), first is the default.
    pub servers: Vec<Server>,
    /// `components.securitySchemes`, by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// Named types, keyed by their Rust name (unique).
    pub types: BTreeMap<String, TypeDef>,
    /// Operations sorted by their Rust method name.
    pub operations: Vec<Operation>,
    /// Webhook events (3.1 `webhooks`, `x-webhooks`, snapshots).
    pub webhooks: Vec<Webhook>,
    /// API-wide runtime facts from `x-sturdy-*` extensions.
    pub runtime: RuntimeConfig,
    /// Tags in use, sorted, with their descriptions.
    pub tags: BTreeMap<String, Option<String>>,
    /// `externalDocs.url`: relative links in the spec's prose are resolved against it.
    pub docs_base: Option<String>,
}

/// A server (environment).
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// A Rust-friendly name for the environment (`Production`, `Sandbox`, `Server0`).
    pub name: String,
    /// The URL template (`https://{region}.api.example.com/v1`).
    pub url: String,
    /// `description`.
    pub description: Option<String>,
    /// Variables with their defaults and allowed values, sorted by name.
    pub variables: Vec<ServerVariable>,
}

/// A server URL variable.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    /// Name in the template.
    pub name: String,
    /// Default value.
    pub default: String,
    /// Allowed values (empty: any).
    pub allowed: Vec<String>,
    /// `description`.
    pub description: Option<String>,
}

/// A security scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The scheme's name in the spec.
    pub name: String,
    /// What it is.
    pub kind: SecurityKind,
    /// `description`.
    pub description: Option<String>,
}

/// Kinds of security scheme.
#[derive(Debug, Clone, PartialEq)]
pub enum SecurityKind {
    /// An API key.
    ApiKey {
        /// Where it goes.
        location: ParamLocation,
        /// The header/query/cookie name.
        name: String,
    },
    /// HTTP bearer.
    Bearer,
    /// HTTP basic.
    Basic,
    /// OAuth2 flows.
    OAuth2 {
        /// Token URL (client credentials, or authorization code).
        token_url: Option<String>,
        /// Authorization URL (authorization code, implicit).
        authorization_url: Option<String>,
        /// Refresh URL, when declared apart.
        refresh_url: Option<String>,
        /// Which flows are declared: `client_credentials`, `authorization_code`, `password`, `implicit`.
        flows: Vec<String>,
        /// Declared scopes with their descriptions.
        scopes: BTreeMap<String, String>,
    },
    /// OpenID Connect.
    OpenIdConnect {
        /// The discovery URL.
        url: String,
    },
}

/// A security requirement: alternatives (any one suffices), each a set of schemes applied
/// together, each with the scopes it needs.
pub type Security = Vec<Vec<(String, Vec<String>)>>;

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name (unique, valid, not a keyword).
    pub name: String,
    /// Where it came from (a JSON pointer into the spec), for warnings and docs.
    pub origin: String,
    /// Rustdoc text (already taken from `title`/`description`; not yet escaped).
    pub docs: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// What it is.
    pub kind: TypeKind,
}

/// Kinds of named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object.
    Struct(StructDef),
    /// A string enum that keeps working when the server adds a value.
    Enum(EnumDef),
    /// `oneOf`/`anyOf`.
    Union(UnionDef),
    /// A named alias of another type (`type X = Y;`).
    Alias(TypeRef),
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Fields in spec order (after `allOf` merging).
    pub fields: Vec<Field>,
    /// `additionalProperties`: extra keys kept in a map of this value type.
    pub additional: Option<TypeRef>,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust field name (snake_case, keyword-safe, unique in the struct).
    pub name: String,
    /// The JSON property name.
    pub wire_name: String,
    /// The value type, without the `Option` or `Nullable` that `required`/`nullable` add.
    pub ty: TypeRef,
    /// The property is in `required`.
    pub required: bool,
    /// The value may be `null`.
    pub nullable: bool,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `readOnly`.
    pub read_only: bool,
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Variants in spec order.
    pub variants: Vec<EnumVariant>,
}

/// A variant of a string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// The Rust variant name (UpperCamelCase, unique, not `Unknown`).
    pub name: String,
    /// The wire value.
    pub value: String,
    /// Rustdoc text.
    pub docs: Option<String>,
}

/// A `oneOf`/`anyOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// Variants in spec order.
    pub variants: Vec<UnionVariant>,
    /// The discriminator property, if the spec declares one (tagged union).
    pub discriminator: Option<String>,
}

/// A union variant.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The Rust variant name.
    pub name: String,
    /// The payload.
    pub ty: TypeRef,
    /// The discriminator values that select this variant (tagged unions).
    pub tags: Vec<String>,
    /// Rustdoc text.
    pub docs: Option<String>,
}

/// A reference to a type, as it appears in a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// A primitive.
    Prim(Prim),
    /// A named type in [`Api::types`].
    Named(String),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Box<T>` (breaks recursion).
    Boxed(Box<TypeRef>),
    /// `sturdy_runtime::Expandable<T>`: an object's id, or the object (Stripe's
    /// `anyOf: [string, Object]` expandable fields).
    Expandable(Box<TypeRef>),
    /// Any JSON (`serde_json::Value`): what a construct that cannot be typed degrades to.
    Json,
    /// No content (`()`).
    Unit,
}

/// Primitive types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prim {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u64` (minimum 0 with format uint64).
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `DateTime<Utc>` (`format: date-time`).
    DateTime,
    /// `NaiveDate` (`format: date`).
    Date,
    /// `Uuid`.
    Uuid,
    /// Raw bytes (`format: binary`).
    Binary,
    /// Base64 bytes (`format: byte`).
    Base64,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl HttpMethod {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operation id as given, or synthesized from method and path.
    pub id: String,
    /// The Rust method name (snake_case, unique).
    pub method_name: String,
    /// The Rust prefix for types that belong to this operation (`ListPets`).
    pub type_prefix: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template.
    pub path: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Tags (the first decides the module and cargo feature).
    pub tags: Vec<String>,
    /// Parameters: path ones in template order, then the rest in spec order.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<RequestBody>,
    /// The success response.
    pub success: SuccessResponse,
    /// Declared error responses.
    pub errors: Vec<ErrorResponse>,
    /// Security requirements (the operation's, or the API default); empty: none.
    pub security: Security,
    /// Pagination detected or declared.
    pub pagination: Option<Pagination>,
    /// The idempotency header this operation takes, if any.
    pub idempotency_header: Option<String>,
    /// Retry rules from `x-sturdy-retry`.
    pub retry: RetryRules,
    /// Per-attempt timeout from `x-sturdy-timeout`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The `text/event-stream` response, if the operation offers one.
    pub streaming: Option<Streaming>,
    /// Where it came from, and what its source declares beyond what generated code uses.
    pub origin: crate::ir::origin::Origin,
}

/// A streaming (server-sent events) response.
#[derive(Debug, Clone, PartialEq)]
pub struct Streaming {
    /// The type of one event's data.
    pub event: TypeRef,
    /// The spec describes several event kinds: unknown ones are kept raw.
    pub several: bool,
    /// The discriminator property of several event kinds (OpenAI's `type`): an event whose
    /// data lacks it is keyed by its SSE `event:` name.
    pub tag: Option<String>,
    /// The request body has a boolean `stream` flag the streaming method sets.
    pub stream_flag: bool,
    /// `x-sturdy-stream: {resumable: true}`: reconnect with `Last-Event-ID`.
    pub resumable: bool,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamLocation {
    /// Path.
    Path,
    /// Query.
    Query,
    /// Header.
    Header,
    /// Cookie.
    Cookie,
}

/// How a query parameter is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamStyle {
    /// A scalar.
    Simple,
    /// An array: repeated (`explode`) or joined with a delimiter.
    Array {
        /// Repeat the name per value.
        explode: bool,
        /// `,` (form), `|` (pipeDelimited) or ` ` (spaceDelimited).
        delimiter: char,
    },
    /// An object: `deepObject` (`name[key]=v`), or form-exploded (each property a parameter).
    Object {
        /// `deepObject`.
        deep: bool,
    },
    /// Anything else, sent as JSON text.
    Json,
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Wire name.
    pub name: String,
    /// Rust name (snake_case, unique among the operation's parameters and `body`).
    pub rust_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Required (path parameters always are).
    pub required: bool,
    /// Value type.
    pub ty: TypeRef,
    /// Serialization style.
    pub style: ParamStyle,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
}

/// Request body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyEncoding {
    /// `application/json` (and `+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// Raw bytes with a content type.
    Bytes,
    /// `text/plain`.
    Text,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// Encoding.
    pub encoding: BodyEncoding,
    /// The media type sent.
    pub content_type: String,
    /// Type.
    pub ty: TypeRef,
    /// Required.
    pub required: bool,
    /// Rustdoc text.
    pub docs: Option<String>,
}

/// How a response body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseEncoding {
    /// JSON.
    Json,
    /// Raw bytes.
    Bytes,
    /// Text.
    Text,
    /// No body.
    Empty,
}

/// The success response.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessResponse {
    /// The status it was taken from (e.g. 200, 201; 0 for `default`/`2XX`).
    pub status: u16,
    /// Decoding.
    pub encoding: ResponseEncoding,
    /// The body type (`Unit` when there is none).
    pub ty: TypeRef,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// The body a fake answers with ([`crate::ir::examples`]): the spec's example when it
    /// fits `ty`, else one synthesized from `ty`; `None` for bytes and empty bodies.
    pub example: Option<serde_json::Value>,
}

/// Which statuses an error response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusMatch {
    /// One status.
    Code(u16),
    /// `4XX` / `5XX` (the digit).
    Range(u8),
    /// `default`.
    Default,
}

/// A declared error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    /// Statuses.
    pub status: StatusMatch,
    /// The variant name in the operation's error enum (`NotFound`, `Status418`, `Default`).
    pub variant: String,
    /// Body type (`Unit` when none or not JSON).
    pub ty: TypeRef,
    /// Rustdoc text.
    pub docs: Option<String>,
}

/// Pagination schemes (issue: pagination). Pointers are JSON pointers into the response body.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The scheme.
    pub scheme: PageScheme,
    /// Pointer to the items array (`/data`, `` for a top-level array).
    pub items: String,
    /// The item type.
    pub item_ty: TypeRef,
    /// How it was found (`x-sturdy-pagination`, `x-dropshot-pagination`, `heuristic: ...`).
    pub source: String,
}

/// How the next page is requested.
#[derive(Debug, Clone, PartialEq)]
pub enum PageScheme {
    /// A cursor in the body; the next request sets `param` to it. `has_more` is an optional
    /// boolean pointer; the cursor comes from `cursor` (a pointer into the body) or, when
    /// `from_last_item` is set, from that field of the last item (Stripe's `starting_after`).
    Cursor {
        /// Request parameter.
        param: String,
        /// Pointer to the next cursor in the body.
        cursor: Option<String>,
        /// Field of the last item that is the cursor.
        from_last_item: Option<String>,
        /// Pointer to a has-more flag.
        has_more: Option<String>,
    },
    /// Offset/limit: `param` advances by the number of items received.
    Offset {
        /// The offset parameter.
        param: String,
        /// The page-size parameter.
        limit_param: Option<String>,
    },
    /// Page number: `param` increments from `start`.
    PageNumber {
        /// The page parameter.
        param: String,
        /// The first page number.
        start: u64,
    },
    /// The next page's URL in the body.
    NextUrl {
        /// Pointer to it.
        pointer: String,
    },
    /// The RFC 8288 `Link: <...>; rel="next"` header.
    LinkHeader,
}

/// Retry rules for an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryRules {
    /// Retry a 409.
    pub retry_conflict: bool,
    /// Provider codes never retried.
    pub terminal_codes: Vec<String>,
    /// Override of the client's max retries.
    pub max_retries: Option<u32>,
    /// Declared safe to retry regardless of method.
    pub idempotent: Option<bool>,
}

/// API-wide runtime facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeConfig {
    /// JSON pointer to the provider error object (`x-sturdy-error`).
    pub error_pointer: Option<String>,
    /// API version header and value.
    pub version_header: Option<(String, String)>,
    /// Rate limit: requests per second and burst (`x-sturdy-rate-limit`).
    pub rate_limit: Option<RateLimit>,
    /// Operation id of a cheap call to verify credentials (`x-sturdy-health-check`).
    pub health_check: Option<String>,
    /// API-wide retry rules.
    pub retry: RetryRules,
    /// API-wide per-attempt timeout, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// How webhook deliveries are signed (`x-sturdy-webhook-signature`).
    pub webhook_signature: Option<WebhookSignature>,
    /// How requests must be signed (`x-sturdy-request-signing`).
    pub request_signing: Option<RequestSigning>,
    /// Where a webhook delivery's event type, payload and id sit in its body
    /// (`x-sturdy-webhook-envelope`).
    pub webhook_envelope: Option<WebhookEnvelope>,
}

/// A webhook body that wraps each event's payload: `x-sturdy-webhook-envelope: {type,
/// payload, id}`, three JSON pointers into the body (Stripe: `/type`, `/data/object`, `/id`).
/// The declared webhook's schema is then the type of the value at `payload`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEnvelope {
    /// Pointer to the event type string.
    pub type_pointer: String,
    /// Pointer to the payload.
    pub payload_pointer: String,
    /// Pointer to the event id (for deduplication).
    pub id_pointer: Option<String>,
}

/// HMAC request signing from the contract: `x-sturdy-request-signing: {header,
/// timestamp_header, algorithm: sha256|sha512, encoding: hex|base64, prefix, signed}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestSigning {
    /// Signature header.
    pub header: Option<String>,
    /// Timestamp header.
    pub timestamp_header: Option<String>,
    /// `sha256` or `sha512`.
    pub algorithm: Option<String>,
    /// `hex` or `base64`.
    pub encoding: Option<String>,
    /// Signature prefix.
    pub prefix: Option<String>,
    /// What is signed (`{timestamp}.{method}.{path}.{body}`).
    pub signed: Option<String>,
}

/// A webhook signature scheme from the contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookSignature {
    /// `standard-webhooks`, `stripe`, `github`, `slack`, `box` (primary and secondary keys),
    /// `twilio` (signs the URL; the generated `verifier()` returns a `TwilioVerifier`) or
    /// `hmac`.
    pub scheme: String,
    /// The signature header.
    pub header: Option<String>,
    /// `sha256` or `sha512`.
    pub algorithm: Option<String>,
    /// `hex` or `base64`.
    pub encoding: Option<String>,
    /// A prefix before the signature (`sha256=`).
    pub prefix: Option<String>,
    /// The timestamp header.
    pub timestamp_header: Option<String>,
    /// The event id header.
    pub id_header: Option<String>,
    /// What is signed (`{timestamp}.{body}`).
    pub signed: Option<String>,
}

/// A client-side rate limit.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Burst size.
    pub burst: u32,
}

/// A webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The event name (key in `webhooks`).
    pub name: String,
    /// The Rust variant name.
    pub variant: String,
    /// The payload type.
    pub ty: TypeRef,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// The discriminator value(s) that select it, when known.
    pub discriminator_values: Vec<String>,
    /// Where it is declared (`#/webhooks/charge.succeeded`, `#/x-webhooks/push`).
    pub origin: String,
}
