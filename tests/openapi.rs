//! The OpenAPI document is exact: it parses as OpenAPI 3.1 (`oas3`), every `$ref` resolves,
//! operationIds are unique, path parameters and templates agree, query parameters are in the
//! query, the session cookie and the CSRF header are security schemes on the operations that
//! need them, and the common error answers are documented with the error shape. What the server
//! answers is checked against it by every test (`support/openapi.rs`); the last tests here show
//! that check refusing what does not match.

use selpos_tests::openapi::{document, spec};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every operation: (method, template, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            assert!(
                METHODS.contains(&method.as_str()),
                "{template}: unexpected key {method}"
            );
            all.push((method.clone(), template.clone(), operation.clone()));
        }
    }
    all
}

fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target);
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

fn parameters<'a>(operation: &'a Value, place: &str) -> Vec<&'a Value> {
    operation["parameters"]
        .as_array()
        .map(|ps| ps.iter().filter(|p| p["in"] == place).collect())
        .unwrap_or_default()
}

#[test]
fn the_document_is_openapi_3_1() {
    let doc = document();
    let text = serde_json::to_string(doc).expect("json");
    let parsed = oas3::from_json(&text).unwrap_or_else(|e| panic!("not an OpenAPI 3.1 document: {e}"));
    assert!(parsed.openapi.starts_with("3.1."), "{}", parsed.openapi);
    assert!(
        operations(doc).len() >= 60,
        "{} operations",
        operations(doc).len()
    );
}

#[test]
fn every_ref_resolves() {
    let doc = document();
    let mut found = Vec::new();
    refs(doc, &mut found);
    assert!(found.len() > 100, "only {} refs", found.len());
    let dangling: BTreeSet<&str> = found
        .into_iter()
        .filter(|r| !r.starts_with("#/") || doc.pointer(r.trim_start_matches('#')).is_none_or(Value::is_null))
        .collect();
    assert!(dangling.is_empty(), "dangling $refs: {dangling:?}");
}

#[test]
fn operation_ids_are_unique_and_meaningful() {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (method, template, operation) in operations(document()) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {template}: no operationId"));
        let camel = id.len() > 4
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric())
            && id.chars().any(|c| c.is_ascii_uppercase());
        assert!(
            camel,
            "{method} {template}: operationId {id} is not a verb and a noun in camelCase"
        );
        if let Some(other) = seen.insert(id.to_string(), format!("{method} {template}")) {
            panic!("operationId {id} is used by {other} and {method} {template}");
        }
    }
}

#[test]
fn path_parameters_and_templates_agree_and_queries_are_in_the_query() {
    let mut queries = 0;
    for (method, template, operation) in operations(document()) {
        let in_template: BTreeSet<&str> = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: Vec<&str> = parameters(&operation, "path")
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
        let unique: BTreeSet<&str> = declared.iter().copied().collect();
        assert_eq!(
            unique.len(),
            declared.len(),
            "{method} {template}: a path parameter twice"
        );
        assert_eq!(unique, in_template, "{method} {template}: path parameters");
        for p in parameters(&operation, "path") {
            assert_eq!(p["required"], true, "{method} {template}: {p}");
            assert!(p["schema"]["type"].is_string(), "{method} {template}: {p}");
        }
        for p in parameters(&operation, "query") {
            queries += 1;
            assert!(p["schema"].is_object(), "{method} {template}: {p}");
        }
        for p in operation["parameters"].as_array().into_iter().flatten() {
            assert!(
                ["path", "query", "header", "cookie"].contains(&p["in"].as_str().unwrap_or("")),
                "{method} {template}: {p}"
            );
        }
    }
    // 39: the sales journal's search (from, to, total, kind, offset), the audit log's dates
    // (from_date, until_date) and a product photo's version (v) joined in issue 21; the joint
    // orders' five and the vending months' two (fiscal_year, facility_id) since; the income
    // report's three (fiscal_year, facility_id, format); the group purchases' six (invoice
    // facility_id; bills facility_id; unpaid facility_id, format; statement facility_id, month).
    // The gift order list's encoding and the gift commission's format (issue 24). A standing
    // shop's period preview (through) and its period and statement formats.
    assert_eq!(queries, 60, "the query parameters of the handlers' query structs");
    // A few by name: what the handlers read from the query.
    let doc = document();
    for (template, method, name, required) in [
        ("/api/v1/wages/table", "get", "fiscal_year", true),
        ("/api/v1/wages/table", "get", "format", false),
        ("/api/v1/audit", "get", "limit", false),
        ("/api/v1/events/{id}/stock/import", "post", "id", true),
        ("/api/v1/events/{id}/settlement", "get", "format", false),
        ("/api/v1/sales", "get", "total", false),
        ("/api/v1/sales", "get", "from", false),
        ("/api/v1/products/{id}/photo", "get", "v", false),
    ] {
        let operation = &doc["paths"][template][method];
        let p = parameters(operation, "query")
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {template}: no query parameter {name}"));
        assert_eq!(p["required"], required, "{p}");
    }
    let limit = parameters(&doc["paths"]["/api/v1/audit"]["get"], "query")
        .into_iter()
        .find(|p| p["name"] == "limit")
        .expect("limit");
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&json!(1), &json!(1000))
    );
    let format = &parameters(&doc["paths"]["/api/v1/wages/table"]["get"], "query")
        .into_iter()
        .find(|p| p["name"] == "format")
        .expect("format")["schema"];
    assert_eq!(format["enum"], json!(["json", "csv"]), "{format}");
}

#[test]
fn the_session_cookie_and_csrf_header_are_security_schemes() {
    let doc = document();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "selpos_session",
            "description": schemes["session"]["description"]})
    );
    assert_eq!(schemes["csrf"]["type"], "apiKey");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    let public = ["signIn", "signInWithPin", "signOut", "getDevice", "getDisplay"];
    for (method, template, operation) in operations(doc) {
        let id = operation["operationId"].as_str().unwrap_or("");
        let requirement = &operation["security"][0];
        if public.contains(&id) {
            assert!(
                requirement.get("session").is_none(),
                "{id} is public: {}",
                operation["security"]
            );
            continue;
        }
        assert!(
            requirement.get("session").is_some(),
            "{id}: no session: {}",
            operation["security"]
        );
        let writes = method != "get" && id != "getSession";
        assert_eq!(
            requirement.get("csrf").is_some(),
            writes,
            "{method} {template}: {requirement}"
        );
        assert!(operation["responses"]["401"].is_object(), "{id}: 401");
        if writes {
            assert!(operation["responses"]["403"].is_object(), "{id}: 403 (csrf)");
        }
    }
}

#[test]
fn every_error_answer_is_documented_with_the_error_shape() {
    let doc = document();
    for (method, template, operation) in operations(doc) {
        let id = operation["operationId"].as_str().unwrap_or("");
        let responses = operation["responses"].as_object().expect("responses");
        let has = |status: &str| responses.contains_key(status);
        let json_body = operation["requestBody"]["content"]["application/json"].is_object();
        let csv_body = operation["requestBody"]["content"]["text/csv"].is_object();
        if json_body {
            for status in ["400", "413", "415", "422"] {
                assert!(has(status), "{id}: a JSON body but no {status}");
            }
        }
        if csv_body {
            assert!(has("413") && !has("415"), "{id}: a CSV body");
        }
        let path_or_query = operation["parameters"]
            .as_array()
            .is_some_and(|ps| !ps.is_empty());
        assert_eq!(has("400"), path_or_query || json_body || csv_body, "{id}: 400");
        assert!(has("500"), "{id}: 500");
        for (status, response) in responses {
            assert!(
                !response["description"].as_str().unwrap_or("").is_empty(),
                "{method} {template} {status}: no description"
            );
            if status.starts_with('4') || status.starts_with('5') {
                let content = &response["content"];
                if status == "408" {
                    assert!(content.is_null(), "{id} 408 has no body");
                    continue;
                }
                assert_eq!(
                    content["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                    "{id} {status}"
                );
            }
        }
    }
}

#[test]
fn csv_exports_are_documented_as_text_csv() {
    let doc = document();
    for (template, id) in [
        ("/api/v1/events/{id}/settlement", "getSettlement"),
        (
            "/api/v1/events/{id}/settlement/facilities/{facility_id}",
            "getFacilityStatement",
        ),
        ("/api/v1/wages/table", "getWageTable"),
    ] {
        let operation = &doc["paths"][template]["get"];
        assert_eq!(operation["operationId"], id);
        let content = &operation["responses"]["200"]["content"];
        assert!(content["text/csv"].is_object(), "{id}: {content}");
        assert!(
            content["application/json"]["schema"]["$ref"].is_string(),
            "{id}: {content}"
        );
    }
}

#[test]
fn nullable_fields_are_nullable() {
    let schemas = &document()["components"]["schemas"];
    for field in ["before", "after", "register_id", "entity_id"] {
        let types = &schemas["AuditEntry"]["properties"][field]["type"];
        // Either any JSON value (no type: null included) or a list of types with null.
        assert!(
            types.is_null() || types.as_array().is_some_and(|t| t.contains(&json!("null"))),
            "AuditEntry.{field}: {types}"
        );
    }
}

selpos_tests::db_test!(the_server_serves_this_document, demo = false, |server| {
    let served = server.get_ok("/api/openapi.json").await;
    assert_eq!(&served, document());
});

/// The check every test runs on its answers refuses what the document does not say.
#[test]
fn the_answer_check_refuses_what_is_not_documented() {
    let spec = spec();
    let json = Some("application/json");
    let error = br#"{"error":{"code":"not_found","message":"x","fields":[]}}"#;
    let op = spec
        .operation("GET", "/api/v1/events/12?x=1")
        .expect("an operation");
    assert_eq!(op.id, "getEvent");
    assert_eq!(
        spec.operation("POST", "/api/v1/session/pin")
            .map(|o| o.id.as_str()),
        Some("signInWithPin")
    );
    assert!(spec.operation("GET", "/api/v1/nothing/here").is_none());
    // Documented: 404 with the error shape.
    spec.check("GET", "/api/v1/events/12", 404, json, error)
        .expect("documented");
    // Not documented: getEvent never answers 409.
    let refused = spec
        .check("GET", "/api/v1/events/12", 409, json, error)
        .expect_err("409 is not documented");
    assert!(
        refused.contains("getEvent") && refused.contains("409"),
        "{refused}"
    );
    // The wrong shape.
    let refused = spec
        .check("GET", "/api/v1/events/12", 404, json, br#"{"oops":1}"#)
        .expect_err("not the error shape");
    assert!(
        refused.contains("getEvent") && refused.contains("404"),
        "{refused}"
    );
    // A null where the schema has none, and a malformed date-time.
    let entry = |before: Value, at: &str| {
        json!([{"id": 1, "at": at, "actor_login": "a", "register_id": null, "action": "x.y",
            "entity": "x", "entity_id": null, "before": before, "after": null}])
        .to_string()
    };
    let good = entry(Value::Null, "2026-11-28T01:00:00Z");
    spec.check("GET", "/api/v1/audit", 200, json, good.as_bytes())
        .expect("nullable");
    let bad_time = entry(Value::Null, "yesterday");
    assert!(
        spec.check("GET", "/api/v1/audit", 200, json, bad_time.as_bytes())
            .is_err()
    );
    let bad_login = good.replace("\"actor_login\":\"a\"", "\"actor_login\":null");
    assert!(
        spec.check("GET", "/api/v1/audit", 200, json, bad_login.as_bytes())
            .is_err()
    );
    // An undocumented content type.
    assert!(
        spec.check("GET", "/api/v1/events/12", 200, Some("text/csv"), b"a,b")
            .is_err()
    );
    // A CSV export where it is documented.
    spec.check(
        "GET",
        "/api/v1/events/3/settlement?format=csv",
        200,
        Some("text/csv; charset=utf-8"),
        b"a,b",
    )
    .expect("csv");
}
