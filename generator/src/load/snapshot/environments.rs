//! `environments`: named servers.

use serde_json::{json, Map, Value};

use super::report::kind;
use super::{seg, Converter};
use crate::load::LoadError;

impl Converter<'_> {
    pub(super) fn environments(&self, v: &Value) -> Result<Value, LoadError> {
        let m = self.map(v, "#/environments", "`environments`")?;
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
            let mut s = Map::new();
            let (url, desc, vars) = match e {
                Value::String(u) => (u.clone(), None, None),
                Value::Object(o) => {
                    let url = match o.get("url") {
                        Some(u) => self.string(u, &seg(&ptr, "url"), "`url`")?.to_owned(),
                        None => {
                            return Err(self.err(
                                &ptr,
                                format!("environment `{name}` has no `url`"),
                                "add `url: https://...`",
                            ))
                        }
                    };
                    let desc = o
                        .get("description")
                        .map(|d| self.string(d, &seg(&ptr, "description"), "`description`"))
                        .transpose()?;
                    (url, desc.map(str::to_owned), o.get("variables"))
                }
                other => {
                    return Err(self.err(
                        &ptr,
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
                    &ptr,
                    format!("`{url}` is not a URL"),
                    "write an absolute URL such as `https://api.example.com/v1`",
                ));
            }
            s.insert("url".into(), json!(url));
            s.insert(
                "description".into(),
                json!(desc.unwrap_or_else(|| name.clone())),
            );
            if let Some(vars) = vars {
                let vptr = seg(&ptr, "variables");
                let vm = self.map(vars, &vptr, "`variables`")?;
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
                    let o = self.map(vv, &p, "a server variable")?;
                    let mut x = Map::new();
                    match o.get("default") {
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
                    for k in ["enum", "description"] {
                        if let Some(v) = o.get(k) {
                            x.insert(k.into(), v.clone());
                        }
                    }
                    out.insert(vn.clone(), Value::Object(x));
                }
                s.insert("variables".into(), Value::Object(out));
            }
            s.insert("x-sturdy-environment".into(), json!(name));
            servers.push(Value::Object(s));
        }
        Ok(Value::Array(servers))
    }
}
