//! `environments`: named servers.

use serde_json::{json, Map, Value};

use super::model::{Environment, Ext, Named, Shape, Variable};
use super::report::kind;
use super::{seg, Converter};
use crate::load::LoadError;

/// One environment, read: its URL, description and variables.
struct Env<'m> {
    url: String,
    desc: Option<String>,
    vars: Option<&'m Named<Variable>>,
}

impl Converter<'_> {
    pub(super) fn environments(&self, envs: &Named<Environment>) -> Result<Value, LoadError> {
        let m = self.shape(envs, "#/environments", "`environments`")?;
        if m.is_empty() {
            return Err(self.err(
                "#/environments",
                "`environments` is empty",
                "add e.g. `production: https://api.example.com/v1`",
            ));
        }
        let mut servers = Vec::new();
        for (name, e) in m {
            let ptr = seg("#/environments", name);
            let Env { url, desc, vars } = self.environment(name, e, &ptr)?;
            let mut s = Map::new();
            s.insert("url".into(), json!(url));
            s.insert(
                "description".into(),
                json!(desc.unwrap_or_else(|| name.clone())),
            );
            if let Some(vars) = vars {
                s.insert("variables".into(), self.variables(vars, &ptr, &url)?);
            }
            s.insert("x-sturdy-environment".into(), json!(name));
            servers.push(Value::Object(s));
        }
        Ok(Value::Array(servers))
    }

    /// One environment (a URL, or `{url, description, variables}`): its URL, description and
    /// variables.
    fn environment<'m>(
        &self,
        name: &str,
        e: &'m Shape<Ext<Environment>>,
        ptr: &str,
    ) -> Result<Env<'m>, LoadError> {
        let (url, desc, vars) = match e {
            Shape::Other(Value::String(u)) => (u.clone(), None, None),
            Shape::Read(o) => {
                let url = match &o.url {
                    Some(u) => self.string(u, &seg(ptr, "url"), "`url`")?.to_owned(),
                    None => {
                        return Err(self.err(
                            ptr,
                            format!("environment `{name}` has no `url`"),
                            "add `url: https://...`",
                        ))
                    }
                };
                let desc = o
                    .description
                    .as_ref()
                    .map(|d| self.string(d, &seg(ptr, "description"), "`description`"))
                    .transpose()?;
                (url, desc.map(str::to_owned), o.variables.as_ref())
            }
            Shape::Other(other) => {
                return Err(self.err(
                    ptr,
                    format!(
                        "an environment must be a URL or `{{url, description}}`, found {}",
                        kind(other)
                    ),
                    "e.g. `sandbox: https://sandbox.example.com/v1`",
                ))
            }
        };
        if !(url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with('/')
            || url.starts_with('{'))
        {
            return Err(self.err(
                ptr,
                format!("`{url}` is not a URL"),
                "write an absolute URL such as `https://api.example.com/v1`",
            ));
        }
        Ok(Env { url, desc, vars })
    }

    /// An environment's `variables`: each must appear in the URL and have a `default`.
    fn variables(&self, vars: &Named<Variable>, ptr: &str, url: &str) -> Result<Value, LoadError> {
        let vptr = seg(ptr, "variables");
        let vm = self.shape(vars, &vptr, "`variables`")?;
        let mut out = Map::new();
        for (vn, vv) in vm {
            let p = seg(&vptr, vn);
            if !url.contains(&format!("{{{vn}}}")) {
                return Err(self.err(
                    &p,
                    format!("variable `{vn}` is not in the URL `{url}`"),
                    format!("add `{{{vn}}}` to the URL or remove the variable"),
                ));
            }
            let o = self.shape(vv, &p, "a server variable")?;
            let mut x = Map::new();
            match &o.default {
                Some(d) => x.insert(
                    "default".into(),
                    json!(self.string(d, &seg(&p, "default"), "`default`")?),
                ),
                None => {
                    return Err(self.err(
                        &p,
                        format!("variable `{vn}` has no `default`"),
                        "add `default: ...`",
                    ))
                }
            };
            for (k, v) in [("enum", &o.values), ("description", &o.description)] {
                if let Some(v) = v {
                    x.insert(k.into(), v.clone());
                }
            }
            out.insert(vn.clone(), Value::Object(x));
        }
        Ok(Value::Object(out))
    }
}
