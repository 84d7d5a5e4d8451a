//! `auth`: security schemes, and per endpoint `auth:` / `scopes:`.

use serde_json::{json, Map, Value};

use super::model::{Auth, Ext, Named};
use super::{seg, suggest, Converter, Defaults, AUTH_TYPES};
use crate::load::LoadError;

impl Converter<'_> {
    /// The security schemes, and for each its name and whether it is OAuth2.
    #[allow(clippy::type_complexity)]
    pub(super) fn auth(
        &self,
        v: &Named<Auth>,
    ) -> Result<(Vec<(String, bool)>, Map<String, Value>), LoadError> {
        let m = self.shape(v, "#/auth", "`auth`")?;
        let mut names = Vec::new();
        let mut schemes = Map::new();
        for (name, a) in m {
            let ptr = seg("#/auth", name);
            let o = self.shape(a, &ptr, "an auth scheme")?;
            let ty = match &o.kind {
                Some(t) => self.string(t, &seg(&ptr, "type"), "`type`")?,
                None => {
                    return Err(self.err(
                        &ptr,
                        format!("auth scheme `{name}` has no `type`"),
                        format!("one of: {}", AUTH_TYPES.join(", ")),
                    ))
                }
            };
            let mut s = match ty {
                "bearer" | "basic" => self.http_scheme(o, &ptr, ty)?,
                "api_key" => self.api_key_scheme(o, &ptr)?,
                "oauth2" => self.oauth2_scheme(o, &ptr)?,
                other => {
                    return Err(self.err(
                        &seg(&ptr, "type"),
                        format!("unknown auth type `{other}`"),
                        format!(
                            "{}one of: {}",
                            suggest(other, AUTH_TYPES),
                            AUTH_TYPES.join(", ")
                        ),
                    ))
                }
            };
            if let Some(d) = &o.description {
                s.insert(
                    "description".into(),
                    json!(self.string(d, &seg(&ptr, "description"), "`description`")?),
                );
            }
            names.push((name.clone(), ty == "oauth2"));
            schemes.insert(name.clone(), Value::Object(s));
        }
        Ok((names, schemes))
    }

    /// `bearer` or `basic`: an HTTP scheme.
    fn http_scheme(
        &self,
        o: &Ext<Auth>,
        ptr: &str,
        ty: &str,
    ) -> Result<Map<String, Value>, LoadError> {
        self.keys(&o.keys, ptr, &["type", "description", "format"])?;
        let mut s = Map::new();
        s.insert("type".into(), json!("http"));
        s.insert("scheme".into(), json!(ty));
        if let Some(f) = &o.format {
            s.insert(
                "bearerFormat".into(),
                json!(self.string(f, &seg(ptr, "format"), "`format`")?),
            );
        }
        Ok(s)
    }

    /// `api_key`: `in` (header by default) and `name`.
    fn api_key_scheme(&self, o: &Ext<Auth>, ptr: &str) -> Result<Map<String, Value>, LoadError> {
        self.keys(&o.keys, ptr, &["type", "description", "in", "name"])?;
        let loc = match &o.location {
            Some(l) => self.string(l, &seg(ptr, "in"), "`in`")?,
            None => "header",
        };
        if !matches!(loc, "header" | "query" | "cookie") {
            return Err(self.err(
                &seg(ptr, "in"),
                format!("an API key cannot go in `{loc}`"),
                "use `header`, `query` or `cookie`",
            ));
        }
        let key = match &o.name {
            Some(n) => self.string(n, &seg(ptr, "name"), "`name`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "an `api_key` scheme needs the header or parameter `name`",
                    "e.g. `name: X-Api-Key`",
                ))
            }
        };
        let mut s = Map::new();
        s.insert("type".into(), json!("apiKey"));
        s.insert("in".into(), json!(loc));
        s.insert("name".into(), json!(key));
        Ok(s)
    }

    /// `oauth2`: one `flow` or several `flows`, their URLs and the scopes.
    fn oauth2_scheme(&self, o: &Ext<Auth>, ptr: &str) -> Result<Map<String, Value>, LoadError> {
        self.keys(
            &o.keys,
            ptr,
            &[
                "type",
                "description",
                "flow",
                "flows",
                "token_url",
                "authorization_url",
                "refresh_url",
                "scopes",
            ],
        )?;
        let mut flows: Vec<String> = Vec::new();
        if let Some(f) = &o.flow {
            flows.push(self.string(f, &seg(ptr, "flow"), "`flow`")?.to_owned());
        }
        if let Some(Value::Array(fs)) = &o.flows {
            for (i, f) in fs.iter().enumerate() {
                flows.push(
                    self.string(f, &format!("{}/{i}", seg(ptr, "flows")), "a flow")?
                        .to_owned(),
                );
            }
        }
        if flows.is_empty() {
            return Err(self.err(
                ptr,
                "an `oauth2` scheme needs a `flow`",
                "`flow: client_credentials` or `flow: authorization_code`",
            ));
        }
        let scopes = match &o.scopes {
            None => Map::new(),
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(|s| (s.to_owned(), json!("")))
                .collect(),
            Some(Value::Object(sm)) => sm
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.as_str().unwrap_or(""))))
                .collect(),
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "scopes"),
                    "`scopes` must be a list or a mapping of scope to description",
                    "e.g. `scopes: {contacts.read: Read contacts}`",
                ))
            }
        };
        let mut s = Map::new();
        s.insert("type".into(), json!("oauth2"));
        s.insert(
            "flows".into(),
            Value::Object(self.oauth2_flows(o, ptr, &flows, &scopes)?),
        );
        Ok(s)
    }

    /// The OpenAPI `flows` object: each flow with the URLs it needs and the scopes.
    fn oauth2_flows(
        &self,
        o: &Ext<Auth>,
        ptr: &str,
        flows: &[String],
        scopes: &Map<String, Value>,
    ) -> Result<Map<String, Value>, LoadError> {
        let url = |v: &Option<Value>, k: &str| -> Result<Option<String>, LoadError> {
            v.as_ref()
                .map(|u| self.string(u, &seg(ptr, k), k).map(str::to_owned))
                .transpose()
        };
        let (token, authz, refresh) = (
            url(&o.token_url, "token_url")?,
            url(&o.authorization_url, "authorization_url")?,
            url(&o.refresh_url, "refresh_url")?,
        );
        const FLOWS: &[&str] = &[
            "client_credentials",
            "authorization_code",
            "password",
            "implicit",
        ];
        let mut fl = Map::new();
        for (i, f) in flows.iter().enumerate() {
            let fptr = if o.flow.is_some() {
                seg(ptr, "flow")
            } else {
                format!("{}/{i}", seg(ptr, "flows"))
            };
            let (key, need_token, need_auth) = match f.as_str() {
                "client_credentials" => ("clientCredentials", true, false),
                "authorization_code" => ("authorizationCode", true, true),
                "password" => ("password", true, false),
                "implicit" => ("implicit", false, true),
                other => {
                    return Err(self.err(
                        &fptr,
                        format!("unknown OAuth2 flow `{other}`"),
                        format!("{}one of: {}", suggest(other, FLOWS), FLOWS.join(", ")),
                    ))
                }
            };
            let mut x = Map::new();
            let needs = [
                (
                    need_auth,
                    &authz,
                    "authorizationUrl",
                    "authorization_url",
                    "authorize",
                ),
                (need_token, &token, "tokenUrl", "token_url", "token"),
            ];
            for (needed, given, out_key, key_name, what) in needs {
                match (needed, given) {
                    (false, _) => {}
                    (true, Some(u)) => {
                        x.insert(out_key.into(), json!(u));
                    }
                    (true, None) => {
                        return Err(self.err(
                            ptr,
                            format!("flow `{f}` needs `{key_name}`"),
                            format!("add the provider's {what} URL"),
                        ))
                    }
                }
            }
            if let Some(r) = &refresh {
                x.insert("refreshUrl".into(), json!(r));
            }
            x.insert("scopes".into(), Value::Object(scopes.clone()));
            fl.insert(key.into(), Value::Object(x));
        }
        Ok(fl)
    }

    /// An endpoint's security requirement from its `auth` and `scopes` (none when it has
    /// neither).
    pub(super) fn op_security(
        &self,
        auth: Option<&Value>,
        scopes: Option<&Value>,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<Option<Value>, LoadError> {
        let known: Vec<&str> = d.schemes.iter().map(|(n, _)| n.as_str()).collect();
        let chosen: Vec<(String, bool)> = match auth {
            None => {
                if scopes.is_none() {
                    return Ok(None);
                }
                d.schemes.clone()
            }
            Some(Value::String(s)) if s == "none" => return Ok(Some(json!([]))),
            Some(v) => {
                let list: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                let mut out = Vec::new();
                for (i, x) in list.into_iter().enumerate() {
                    let p = if v.is_array() {
                        format!("{}/{i}", seg(ptr, "auth"))
                    } else {
                        seg(ptr, "auth")
                    };
                    let n = self.string(x, &p, "an auth scheme name")?;
                    match d.schemes.iter().find(|(k, _)| k == n) {
                        Some(s) => out.push(s.clone()),
                        None => {
                            return Err(self.err(
                                &p,
                                format!("no auth scheme is called `{n}`"),
                                format!(
                                    "{}declared: {} (or `none`)",
                                    suggest(n, &known),
                                    known.join(", ")
                                ),
                            ))
                        }
                    }
                }
                out
            }
        };
        let scopes: Vec<Value> = match scopes {
            None => Vec::new(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => a.clone(),
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "scopes"),
                    "`scopes` must be a list of scope names",
                    "e.g. `scopes: [contacts.read]`",
                ))
            }
        };
        if !scopes.is_empty() && !chosen.iter().any(|(_, oauth)| *oauth) {
            return Err(self.err(
                &seg(ptr, "scopes"),
                "`scopes` needs an `oauth2` auth scheme",
                "declare one under `auth:`",
            ));
        }
        Ok(Some(Value::Array(
            chosen
                .into_iter()
                .map(|(n, oauth)| json!({ n: if oauth { scopes.clone() } else { Vec::new() } }))
                .collect(),
        )))
    }
}
