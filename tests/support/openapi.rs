//! Every answer the tests get from `/api/v1/...` is checked against the OpenAPI document: its
//! status must be documented for the operation (the concrete path matched to the template), its
//! content type must be one the operation serves, and a JSON body must validate against the
//! documented schema (`jsonschema`, the document's `components` as the root of `$ref`s; the
//! formats date, date-time and uuid are checked). A mismatch fails the test that made the
//! request, naming the operation, the status and the validation error.
//!
//! A 500 fails too: it is documented (any operation can meet a database failure), but in a
//! test it is always a bug.
//!
//! To see every mismatch of a run at once, set `SELPOS_OPENAPI_MISMATCHES=FILE`: mismatches are
//! then appended to FILE, one a line, and the tests go on.

use jsonschema::Validator;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// The environment variable naming a file to collect mismatches in instead of failing.
pub const MISMATCHES_ENV: &str = "SELPOS_OPENAPI_MISMATCHES";

/// The server's OpenAPI document, as `GET /api/openapi.json` serves it.
pub fn document() -> &'static Value {
    &SPEC.doc
}

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let (_, doc) = selpos_server::http::api();
    Spec::new(serde_json::to_value(doc).expect("the OpenAPI document as JSON"))
});

/// One operation of the document.
pub struct Operation {
    pub method: String,
    pub template: String,
    pub id: String,
    segments: Vec<Option<String>>,
}

impl Operation {
    /// Whether `path` (no query) is an instance of the template; the number of its literal
    /// segments when it is (a literal beats a parameter).
    fn matches(&self, path: &str) -> Option<usize> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut literals = 0;
        for (part, segment) in parts.iter().zip(&self.segments) {
            match segment {
                Some(literal) if literal == part => literals += 1,
                Some(_) => return None,
                None if part.is_empty() => return None,
                None => {}
            }
        }
        Some(literals)
    }
}

pub struct Spec {
    pub doc: Value,
    pub operations: Vec<Operation>,
    validators: Mutex<HashMap<(String, String, String), Arc<Validator>>>,
}

impl Spec {
    fn new(doc: Value) -> Spec {
        let mut operations = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (template, item) in paths {
                for (method, operation) in item.as_object().into_iter().flatten() {
                    let segments = template
                        .split('/')
                        .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_string()))
                        .collect();
                    operations.push(Operation {
                        method: method.to_uppercase(),
                        template: template.clone(),
                        id: operation["operationId"].as_str().unwrap_or("?").to_string(),
                        segments,
                    });
                }
            }
        }
        Spec {
            doc,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The operation `method path` (the path may carry a query) is an instance of.
    pub fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter_map(|o| o.matches(path).map(|literals| (literals, o)))
            .max_by_key(|(literals, _)| *literals)
            .map(|(_, o)| o)
    }

    /// The documented response of `operation` for `status` (or its `4XX`, or `default`).
    fn response(&self, operation: &Operation, status: u16) -> Option<&Value> {
        let responses = &self.doc["paths"][&operation.template][operation.method.to_lowercase()]["responses"];
        let range = format!("{}XX", status / 100);
        [status.to_string(), range, "default".to_string()]
            .iter()
            .find_map(|key| responses.get(key))
            .map(|r| self.resolve(r))
    }

    /// Follows a `$ref` to `#/components/...`.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => self.doc.pointer(pointer.trim_start_matches('#')).unwrap_or(value),
            None => value,
        }
    }

    /// A validator of `schema`, whose `$ref`s point into the document's components.
    fn validator(&self, key: (String, String, String), schema: &Value) -> Result<Arc<Validator>, String> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(validator) = cache.get(&key) {
            return Ok(Arc::clone(validator));
        }
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the documented schema does not compile: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(key, Arc::clone(&validator));
        Ok(validator)
    }

    /// Checks one answer; `Err` says what does not match the document.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let Some(operation) = self.operation(method, path) else {
            return Ok(());
        };
        let what = format!("{} ({method} {})", operation.id, operation.template);
        let Some(response) = self.response(operation, status) else {
            let snippet = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("{what}: status {status} is not documented: {snippet}"));
        };
        let content = response.get("content").and_then(Value::as_object);
        if body.is_empty() {
            return Ok(());
        }
        let Some(content) = content else {
            return Err(format!("{what} {status}: a body where none is documented"));
        };
        let media = content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let Some(documented) = content.get(&media) else {
            let known: Vec<&String> = content.keys().collect();
            return Err(format!(
                "{what} {status}: content type {media:?} is not documented (only {known:?})"
            ));
        };
        if media != "application/json" {
            return Ok(());
        }
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("{what} {status}: not JSON: {e}"))?;
        let schema = documented.get("schema").cloned().unwrap_or(json!({}));
        let validator = self
            .validator((operation.id.clone(), status.to_string(), media), &schema)
            .map_err(|e| format!("{what} {status}: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .take(5)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            let text = instance.to_string();
            let snippet: String = text.chars().take(300).collect();
            Err(format!("{what} {status}: {} in {snippet}", errors.join("; ")))
        }
    }
}

/// The parsed document with its operations.
pub fn spec() -> &'static Spec {
    &SPEC
}

/// Checks one answer of the API (see the module's documentation); fails the calling test on a
/// mismatch, or records it in `SELPOS_OPENAPI_MISMATCHES`.
pub fn check_answer(
    kind: &str,
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    if !path.starts_with("/api/") || path.starts_with("/api/openapi.json") {
        return;
    }
    let mut problem = SPEC.check(method, path, status, content_type, body).err();
    if problem.is_none() && status == 500 {
        let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        problem = Some(format!("{method} {path}: a server error: {text}"));
    }
    let Some(problem) = problem else { return };
    let message =
        format!("[{kind}] answer does not match the OpenAPI document: {problem} (request {method} {path})");
    match std::env::var_os(MISMATCHES_ENV) {
        Some(file) => {
            use std::io::Write;
            if let Ok(mut out) = std::fs::OpenOptions::new().create(true).append(true).open(file) {
                let _ = writeln!(out, "{}", message.replace('\n', " "));
            }
        }
        None => panic!("{message}"),
    }
}
