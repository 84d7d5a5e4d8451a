//! Parameters and path templates.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::infer::{self, Shape};
use super::model::{self, Ext, Param};
use super::report::kind;
use super::{seg, suggest, Converter};
use crate::load::LoadError;

impl Converter<'_> {
    /// `params`: path parameters in template order (undeclared ones are strings), then the
    /// rest as declared.
    pub(super) fn parameters(
        &mut self,
        ps: Option<&model::Named<Param>>,
        ptr: &str,
        template: &[String],
        path: &str,
    ) -> Result<Vec<Value>, LoadError> {
        let mut declared: Vec<Value> = Vec::new();
        let mut path_params: BTreeMap<String, Value> = BTreeMap::new();
        if let Some(ps) = ps {
            let pptr = seg(ptr, "params");
            for (pn, pv) in self.shape(ps, &pptr, "`params`")? {
                let p = self.param(pn, pv, &seg(&pptr, pn), template, path)?;
                if p["in"] == "path" {
                    path_params.insert(pn.clone(), p);
                } else {
                    declared.push(p);
                }
            }
        }
        let mut params: Vec<Value> = template
            .iter()
            .map(|t| {
                path_params.remove(t).unwrap_or_else(
                    || json!({"name": t, "in": "path", "required": true, "schema": {"type": "string"}}),
                )
            })
            .collect();
        params.extend(declared);
        Ok(params)
    }

    /// The `{name}` segments of a path, in order.
    pub(super) fn template(&self, path: &str, ptr: &str) -> Result<Vec<String>, LoadError> {
        if !path.starts_with('/') {
            return Err(self.err(
                ptr,
                format!("path `{path}` does not start with `/`"),
                "paths are relative to the environment URL, e.g. `/charges/{id}`",
            ));
        }
        let mut out = Vec::new();
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(self.err(
                    ptr,
                    format!("unbalanced `{{` in path `{path}`"),
                    "close every `{name}`",
                ));
            };
            let name = &rest[open + 1..open + close];
            if name.is_empty() || name.contains('{') {
                return Err(self.err(
                    ptr,
                    format!("bad parameter in path `{path}`"),
                    "write path parameters as `{name}`",
                ));
            }
            if out.iter().any(|n| n == name) {
                return Err(self.err(
                    ptr,
                    format!("path parameter `{name}` appears twice in `{path}`"),
                    "give each path parameter its own name",
                ));
            }
            out.push(name.to_owned());
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(self.err(
                ptr,
                format!("unbalanced `}}` in path `{path}`"),
                "write path parameters as `{name}`",
            ));
        }
        Ok(out)
    }

    pub(super) fn param(
        &mut self,
        name: &str,
        v: &model::Shape<Ext<Param>>,
        ptr: &str,
        template: &[String],
        path: &str,
    ) -> Result<Value, LoadError> {
        let in_path = template.iter().any(|t| t == name);
        let empty = Param::default();
        let (m, short_ty) = match v {
            model::Shape::Other(Value::String(t)) => (&empty, Some(t.as_str())),
            model::Shape::Read(m) => (&m.body, None),
            model::Shape::Other(Value::Null) => (&empty, None),
            model::Shape::Other(other) => {
                return Err(self.err(
                    ptr,
                    format!(
                        "a parameter must be a type name or a mapping, found {}",
                        kind(other)
                    ),
                    "e.g. `limit: integer` or `limit: {type: integer, example: 10}`",
                ))
            }
        };
        let loc = self.param_location(m, ptr, name, in_path, path)?;
        let schema = self.param_schema(m, ptr, short_ty)?;
        let mut p = Map::new();
        p.insert("name".into(), json!(name));
        p.insert("in".into(), json!(loc));
        if let Some(d) = &m.description {
            p.insert(
                "description".into(),
                json!(self.string(d, &seg(ptr, "description"), "`description`")?),
            );
        }
        let required = match &m.required {
            None => loc == "path",
            Some(Value::Bool(b)) => *b || loc == "path",
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "required"),
                    "`required` must be true or false",
                    "write `true`",
                ))
            }
        };
        p.insert("required".into(), json!(required));
        if let Some(Value::Bool(true)) = &m.deprecated {
            p.insert("deprecated".into(), json!(true));
        }
        p.insert("schema".into(), schema);
        if let Some(e) = &m.example {
            p.insert("example".into(), e.clone());
        }
        Ok(Value::Object(p))
    }

    /// Where a parameter goes: `in:`, else `path` if the template names it, else `query`.
    fn param_location<'m>(
        &self,
        m: &'m Param,
        ptr: &str,
        name: &str,
        in_path: bool,
        path: &str,
    ) -> Result<&'m str, LoadError> {
        let loc = match &m.location {
            Some(l) => self.string(l, &seg(ptr, "in"), "`in`")?,
            None if in_path => "path",
            None => "query",
        };
        if !matches!(loc, "path" | "query" | "header" | "cookie") {
            return Err(self.err(
                &seg(ptr, "in"),
                format!("a parameter cannot go in `{loc}`"),
                "use `path`, `query`, `header` or `cookie`",
            ));
        }
        if loc == "path" && !in_path {
            return Err(self.err(
                ptr,
                format!("path parameter `{name}` is not in the path `{path}`"),
                format!("add `{{{name}}}` to the path, or set `in: query`"),
            ));
        }
        if loc != "path" && in_path {
            return Err(self.err(
                ptr,
                format!("`{name}` is in the path `{path}` but declared `in: {loc}`"),
                "remove `in:` (path parameters are found from the path)",
            ));
        }
        Ok(loc)
    }

    /// A parameter's schema: `schema:`, a primitive `type`, inferred from `example`, or string.
    fn param_schema(
        &mut self,
        m: &Param,
        ptr: &str,
        short_ty: Option<&str>,
    ) -> Result<Value, LoadError> {
        Ok(if let Some(s) = &m.schema {
            self.map(s, &seg(ptr, "schema"), "`schema`")?;
            self.rewrite_refs(s, &seg(ptr, "schema"))
        } else if let Some(t) = short_ty.or(m.kind.as_ref().and_then(Value::as_str)) {
            let prim = ["string", "integer", "number", "boolean", "array"];
            if !prim.contains(&t) {
                let at = if short_ty.is_some() {
                    ptr.to_owned()
                } else {
                    seg(ptr, "type")
                };
                return Err(self.err(
                    &at,
                    format!("unknown parameter type `{t}`"),
                    format!(
                        "{}one of: {} (or give a `schema`)",
                        suggest(t, &prim),
                        prim.join(", ")
                    ),
                ));
            }
            let mut s = Map::new();
            s.insert("type".into(), json!(t));
            if t == "array" {
                s.insert("items".into(), json!({"type": "string"}));
            }
            for (k, x) in [
                ("format", &m.format),
                ("enum", &m.values),
                ("default", &m.default),
            ] {
                if let Some(x) = x {
                    s.insert(k.into(), x.clone());
                }
            }
            Value::Object(s)
        } else if let Some(e) = &m.example {
            let mut shape = Shape::of_examples([e]);
            if shape.object.is_some() {
                return Err(self.err(
                    &seg(ptr, "example"),
                    "an object parameter needs an explicit `schema`",
                    "give `schema: {type: object, ...}`",
                ));
            }
            self.registry
                .extract_site(&mut shape, "Param", &BTreeMap::new());
            infer::schema_of(&shape)
        } else {
            json!({"type": "string"})
        })
    }
}
