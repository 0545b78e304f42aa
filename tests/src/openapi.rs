//! `docs/openapi.yaml` as the judge of what the black-box tests receive.
//!
//! The document is loaded once per test process ([`document`]). Every
//! response a test reads goes through [`send`], which checks it against the
//! operation of its method and path template: the status must be one the
//! operation lists, the `Content-Type` one of that response's media types,
//! and the body must validate against the schema (an empty body where the
//! response has no content). What test consumers are POSTed is checked
//! against the `webhooks` ([`OpenApi::validate_delivery`]). A response that
//! drifts from the document is a test failure ([`Drift`]).
//!
//! Conventions of the document that the checker implements (stated in its
//! `info.description`): a path parameter with `x-multi-segment: true` spans
//! one or more segments; a literal segment wins over a parameter; a path no
//! template matches must answer 404 (or 301) with a problem document; a
//! method a path does not list must answer 405 (or 301) with one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::Context;
use bytes::Bytes;
use jsonschema::{Registry, Validator};
use serde_json::Value;

/// Where the schemas are registered, so that `$ref`s resolve into the
/// whole document.
const BASE: &str = "urn:ptp-event-proxy:openapi";

/// The problem documents an unknown path or method may answer with.
const ANY_PROBLEM: [&str; 3] = ["Problem", "V1Problem", "TransportProblem"];

/// How a response or a delivery differs from the document.
#[derive(Debug, thiserror::Error)]
pub enum Drift {
    #[error(
        "{method} {path}: no path of the document matches, and the answer is {status}, not 404/301"
    )]
    UnknownPath {
        method: String,
        path: String,
        status: u16,
    },
    #[error("{method} {path} ({template}): status {status} is not documented")]
    Status {
        method: String,
        path: String,
        template: String,
        status: u16,
    },
    #[error("{what}: Content-Type {got:?} is none of {expected:?}")]
    ContentType {
        what: String,
        got: Option<String>,
        expected: Vec<String>,
    },
    #[error("{what}: a body where the document has none: {body}")]
    UnexpectedBody { what: String, body: String },
    #[error("{what}: the body is not JSON ({error}): {body}")]
    NotJson {
        what: String,
        error: String,
        body: String,
    },
    #[error("{what}: the body does not match {schema}:\n  {errors}\nbody: {body}")]
    Schema {
        what: String,
        schema: String,
        errors: String,
        body: String,
    },
    #[error("{what}: header {header}: {problem}")]
    Header {
        what: String,
        header: String,
        problem: String,
    },
    #[error("the document itself: {0}")]
    Document(String),
}

/// The loaded document and a cache of compiled schemas.
pub struct OpenApi {
    doc: Value,
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// Path of `docs/openapi.yaml` in the repository.
pub fn document_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml")
}

/// The document of this repository, loaded once.
pub fn document() -> &'static OpenApi {
    static DOC: OnceLock<OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = document_path();
        OpenApi::load(&path).unwrap_or_else(|e| panic!("{} cannot be used: {e:#}", path.display()))
    })
}

/// A JSON pointer as a URI fragment: every character a fragment may not
/// hold (`{`, `}`, spaces, …) percent-encoded.
fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for b in pointer.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn short(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() > 600 {
        let mut end = 600;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end])
    } else {
        text.into_owned()
    }
}

/// A media type matches a document key when its type is the same and it
/// carries every parameter of the key (`text/plain; version=0.0.4` matches
/// `text/plain; version=0.0.4; charset=utf-8`).
fn media_matches(key: &str, got: &str) -> bool {
    let split = |s: &str| -> (String, Vec<String>) {
        let mut parts = s.split(';').map(|p| p.trim().to_ascii_lowercase());
        let essence = parts.next().unwrap_or_default();
        (essence, parts.filter(|p| !p.is_empty()).collect())
    };
    let (k, kp) = split(key);
    let (g, gp) = split(got);
    k == g && kp.iter().all(|p| gp.contains(p))
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// One matched path template.
struct Matched<'a> {
    template: &'a str,
    item: &'a Value,
    /// (multi-segment parameters, literal segments): fewer of the first and
    /// more of the second is the better match.
    rank: (usize, usize),
}

impl OpenApi {
    /// Loads and checks the document: it must be OpenAPI 3.1 and every
    /// schema of `components` must compile.
    pub fn load(path: &std::path::Path) -> anyhow::Result<OpenApi> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        OpenApi::from_yaml(&text)
    }

    /// As [`OpenApi::load`], from the text.
    pub fn from_yaml(text: &str) -> anyhow::Result<OpenApi> {
        let doc: Value = serde_yaml_ng::from_str(text).context("YAML")?;
        let version = doc["openapi"].as_str().unwrap_or("");
        anyhow::ensure!(
            version.starts_with("3.1"),
            "openapi is {version:?}, not 3.1.x"
        );
        let registry = Registry::new()
            .add(BASE, doc.clone())
            .context("register the document")?
            .prepare()
            .context("prepare the document")?;
        let api = OpenApi {
            doc,
            registry,
            validators: Mutex::new(HashMap::new()),
        };
        let names: Vec<String> = api.doc["components"]["schemas"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            api.validator(&format!("/components/schemas/{}", escape(&name)))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(api)
    }

    /// The document as JSON.
    pub fn json(&self) -> &Value {
        &self.doc
    }

    /// Follows a local `$ref` (one level at a time, up to a few levels).
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..8 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                    Some(target) => v = target,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    /// The compiled schema at a JSON pointer into the document.
    fn validator(&self, pointer: &str) -> Result<Arc<Validator>, Drift> {
        let mut cache = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = cache.get(pointer) {
            return Ok(v.clone());
        }
        let schema = serde_json::json!({ "$ref": format!("{BASE}#{}", fragment(pointer)) });
        let v = jsonschema::options()
            .with_registry(&self.registry)
            .build(&schema)
            .map_err(|e| Drift::Document(format!("schema at {pointer}: {e}")))?;
        let v = Arc::new(v);
        cache.insert(pointer.to_string(), v.clone());
        Ok(v)
    }

    /// A validator of "any of these component schemas".
    fn any_of(&self, names: &[&str]) -> Result<Validator, Drift> {
        let refs: Vec<Value> = names
            .iter()
            .map(|n| serde_json::json!({ "$ref": format!("{BASE}#/components/schemas/{n}") }))
            .collect();
        jsonschema::options()
            .with_registry(&self.registry)
            .build(&serde_json::json!({ "anyOf": refs }))
            .map_err(|e| Drift::Document(e.to_string()))
    }

    fn check_instance(
        validator: &Validator,
        what: &str,
        schema: &str,
        instance: &Value,
        body: &[u8],
    ) -> Result<(), Drift> {
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Drift::Schema {
                what: what.to_string(),
                schema: schema.to_string(),
                errors: errors.join("\n  "),
                body: short(body),
            })
        }
    }

    /// Checks `body` against the media-type object at `pointer`
    /// (`…/content/<media>`): JSON media are parsed, text is validated as a
    /// JSON string.
    fn check_body(&self, what: &str, pointer: &str, media: &str, body: &[u8]) -> Result<(), Drift> {
        let schema_ptr = format!("{pointer}/schema");
        if self.doc.pointer(&schema_ptr).is_none() {
            return Ok(());
        }
        // An empty body is validated as the empty string: only a schema
        // that allows it (the v1 endpoint check) accepts it.
        let instance = if is_json(media) && !body.is_empty() {
            serde_json::from_slice::<Value>(body).map_err(|e| Drift::NotJson {
                what: what.to_string(),
                error: e.to_string(),
                body: short(body),
            })?
        } else {
            Value::String(String::from_utf8_lossy(body).into_owned())
        };
        let v = self.validator(&schema_ptr)?;
        Self::check_instance(&v, what, &schema_ptr, &instance, body)
    }

    /// The path parameters declared on a path item or its operations, with
    /// whether each spans several segments.
    fn multi_segment_params(&self, item: &Value) -> Vec<String> {
        let mut lists: Vec<&Value> = vec![&item["parameters"]];
        if let Some(ops) = item.as_object() {
            lists.extend(ops.values().map(|op| &op["parameters"]));
        }
        lists
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| self.resolve(p))
            .filter(|p| p["in"] == "path" && p["x-multi-segment"] == true)
            .filter_map(|p| p["name"].as_str().map(String::from))
            .collect()
    }

    /// Matches `path` against every template; the best match.
    fn match_path(&self, path: &str) -> Option<Matched<'_>> {
        let paths = self.doc["paths"].as_object()?;
        let segs: Vec<&str> = path.split('/').collect();
        let mut best: Option<Matched<'_>> = None;
        for (template, item) in paths {
            let item = self.resolve(item);
            let multi = self.multi_segment_params(item);
            let tsegs: Vec<&str> = template.split('/').collect();
            if !segments_match(&tsegs, &segs, &multi) {
                continue;
            }
            let params: Vec<&str> = tsegs
                .iter()
                .filter_map(|t| t.strip_prefix('{').and_then(|t| t.strip_suffix('}')))
                .collect();
            let multis = params
                .iter()
                .filter(|p| multi.iter().any(|m| m == *p))
                .count();
            let literals = tsegs.len() - params.len();
            let rank = (multis, literals);
            let better = best
                .as_ref()
                .is_none_or(|b| rank.0 < b.rank.0 || (rank.0 == b.rank.0 && rank.1 > b.rank.1));
            if better {
                best = Some(Matched {
                    template,
                    item,
                    rank,
                });
            }
        }
        best
    }

    /// Checks a response: `method` and `path` of the request, the status,
    /// the `Content-Type` and the whole body.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Drift> {
        let method_lc = method.to_ascii_lowercase();
        let what = format!("{method} {path} → {status}");
        // HEAD answers never carry a body; the status is what is checked.
        let head = method_lc == "head";
        if status == 301 {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(Drift::UnexpectedBody {
                    what,
                    body: short(body),
                })
            };
        }
        let Some(m) = self.match_path(path) else {
            if status != 404 {
                return Err(Drift::UnknownPath {
                    method: method.to_string(),
                    path: path.to_string(),
                    status,
                });
            }
            return self.check_problem(&what, content_type, body, head);
        };
        let Some(op) = m.item.get(&method_lc).filter(|_| !head) else {
            if status != 405 {
                return Err(Drift::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    template: format!("{} has no {method}", m.template),
                    status,
                });
            }
            return self.check_problem(&what, content_type, body, head);
        };
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let responses = &op["responses"];
        let (key, response) = [code.as_str(), range.as_str(), "default"]
            .into_iter()
            .find_map(|k| responses.get(k).map(|r| (k, r)))
            .ok_or_else(|| Drift::Status {
                method: method.to_string(),
                path: path.to_string(),
                template: m.template.to_string(),
                status,
            })?;
        let pointer = match response.get("$ref").and_then(Value::as_str) {
            Some(r) => r.trim_start_matches('#').to_string(),
            None => format!("/paths/{}/{method_lc}/responses/{key}", escape(m.template)),
        };
        let what = format!("{what} ({} {})", method, m.template);
        self.check_content(&what, &pointer, content_type, body)
    }

    /// Checks `body` against the response or request-body object at
    /// `pointer`: no `content` means an empty body.
    fn check_content(
        &self,
        what: &str,
        pointer: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Drift> {
        let content = self
            .doc
            .pointer(&format!("{pointer}/content"))
            .and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(Drift::UnexpectedBody {
                    what: what.to_string(),
                    body: short(body),
                })
            };
        };
        let keys: Vec<String> = content.keys().cloned().collect();
        let media = match content_type {
            Some(ct) => keys.iter().find(|k| media_matches(k, ct)),
            // Without a Content-Type only a single documented type is assumed.
            None => (keys.len() == 1).then(|| &keys[0]),
        };
        let Some(media) = media else {
            return Err(Drift::ContentType {
                what: what.to_string(),
                got: content_type.map(String::from),
                expected: keys,
            });
        };
        self.check_body(
            what,
            &format!("{pointer}/content/{}", escape(media)),
            media,
            body,
        )
    }

    /// A problem document of any of the three kinds (unknown paths and
    /// methods).
    fn check_problem(
        &self,
        what: &str,
        content_type: Option<&str>,
        body: &[u8],
        head: bool,
    ) -> Result<(), Drift> {
        if head {
            return Ok(());
        }
        if !content_type.is_some_and(|ct| media_matches("application/problem+json", ct)) {
            return Err(Drift::ContentType {
                what: what.to_string(),
                got: content_type.map(String::from),
                expected: vec!["application/problem+json".into()],
            });
        }
        let instance: Value = serde_json::from_slice(body).map_err(|e| Drift::NotJson {
            what: what.to_string(),
            error: e.to_string(),
            body: short(body),
        })?;
        let v = self.any_of(&ANY_PROBLEM)?;
        Self::check_instance(&v, what, "a problem document", &instance, body)
    }

    /// Checks the body of the webhook `name` (`v2Event`, `v1Event`,
    /// `v1EndpointCheck`, `transportEvent`).
    pub fn validate_webhook(
        &self,
        name: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Drift> {
        let pointer = format!("/webhooks/{}/post/requestBody", escape(name));
        if self.doc.pointer(&pointer).is_none() {
            return Err(Drift::Document(format!("no webhook {name}")));
        }
        let what = format!("delivery {name}");
        if body.is_empty() && content_type.is_none() {
            return self.check_content(&what, &pointer, Some("application/json"), body);
        }
        self.check_content(
            &what,
            &pointer,
            content_type.or(Some("application/json")),
            body,
        )
    }

    /// Checks the header parameters of the webhook `name` (the `ce-*`
    /// headers of a binary-mode transport event): every required one is
    /// there and every one present matches its schema.
    pub fn validate_webhook_headers(
        &self,
        name: &str,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), Drift> {
        let pointer = format!("/webhooks/{}/post/parameters", escape(name));
        let Some(params) = self.doc.pointer(&pointer).and_then(Value::as_array) else {
            return Ok(());
        };
        let what = format!("delivery {name}");
        for (i, p) in params.iter().enumerate() {
            let p = self.resolve(p);
            if p["in"] != "header" {
                continue;
            }
            let hname = p["name"].as_str().unwrap_or("");
            match header(hname) {
                None if p["required"] == true => {
                    return Err(Drift::Header {
                        what,
                        header: hname.to_string(),
                        problem: "missing".into(),
                    })
                }
                None => {}
                Some(v) => {
                    let schema_ptr = format!("{pointer}/{i}/schema");
                    let validator = self.validator(&schema_ptr)?;
                    let errors: Vec<String> = validator
                        .iter_errors(&Value::String(v.clone()))
                        .map(|e| e.to_string())
                        .collect();
                    if !errors.is_empty() {
                        return Err(Drift::Header {
                            what,
                            header: hname.to_string(),
                            problem: format!("{v:?}: {}", errors.join("; ")),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks something the proxy POSTed to a consumer: picks the webhook by
    /// the body's shape (empty: the v1 endpoint check; `specversion`: a v2
    /// event; `dataContentType`: a v1 event; `values`: a transport event)
    /// and validates against it. Returns the webhook's name.
    pub fn validate_delivery(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<&'static str, Drift> {
        let name = if body.is_empty() {
            "v1EndpointCheck"
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) if v.get("specversion").is_some() => "v2Event",
                Ok(v) if v.get("dataContentType").is_some() => "v1Event",
                Ok(v) if v.get("values").is_some() => "transportEvent",
                _ => "v2Event",
            }
        };
        self.validate_webhook(name, content_type, body)?;
        Ok(name)
    }
}

/// Whether the path segments match the template segments; parameters in
/// `multi` take one or more segments, other parameters exactly one
/// (non-empty) segment.
fn segments_match(template: &[&str], path: &[&str], multi: &[String]) -> bool {
    match (template.split_first(), path.split_first()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some((t, trest)), Some((p, prest))) => {
            let param = t.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
            match param {
                None => t == p && segments_match(trest, prest, multi),
                Some(name) if multi.iter().any(|m| m == name) => {
                    // One or more non-empty segments, then the rest.
                    (1..=path.len()).any(|n| {
                        path[..n].iter().all(|s| !s.is_empty())
                            && segments_match(trest, &path[n..], multi)
                    })
                }
                Some(_) => !p.is_empty() && segments_match(trest, prest, multi),
            }
        }
    }
}

/// A response that was read whole and checked against the document.
#[derive(Debug, Clone)]
pub struct Checked {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Checked {
    /// The status code.
    pub fn status(&self) -> reqwest::StatusCode {
        reqwest::StatusCode::from_u16(self.status).unwrap_or(reqwest::StatusCode::IM_A_TEAPOT)
    }
    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("status {}: body is not JSON: {}", self.status, self.text()))
    }
}

/// `request.checked().await?` instead of `request.send().await?`: the
/// response is read whole and checked against the document ([`send`]).
pub trait CheckedRequest {
    fn checked(self) -> impl std::future::Future<Output = anyhow::Result<Checked>> + Send;
}

impl CheckedRequest for reqwest::RequestBuilder {
    fn checked(self) -> impl std::future::Future<Output = anyhow::Result<Checked>> + Send {
        send(self)
    }
}

/// Sends a request, reads the whole response and checks it against the
/// document; a drift is an error.
pub async fn send(req: reqwest::RequestBuilder) -> anyhow::Result<Checked> {
    let (client, req) = req.build_split();
    let req = req.context("building the request")?;
    let method = req.method().clone();
    let sent_path = req.url().path().to_string();
    let resp = client.execute(req).await?;
    let status = resp.status().as_u16();
    // A followed redirect: the final path, and POST became GET.
    let path = resp.url().path().to_string();
    let method = if path != sent_path && method == reqwest::Method::POST {
        reqwest::Method::GET
    } else {
        method
    };
    let headers = resp.headers().clone();
    let body = resp.bytes().await?;
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    document().validate_response(method.as_str(), &path, status, content_type, &body)?;
    Ok(Checked {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests;
