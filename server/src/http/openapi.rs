//! What every operation of the OpenAPI document has in common, added in one place once the
//! routes are assembled: the security schemes (the session cookie, and the CSRF header on
//! state-changing operations) and the error answers the extractors and layers give whatever
//! the handler (a bad path or query, a body that is not JSON, too large or of the wrong type,
//! no session, a wrong CSRF token, a timeout, a server error). Statuses only an operation gives
//! (404, 409, …) are on its own annotation.

use super::auth::{CSRF_HEADER, DEVICE_COOKIE, SESSION_COOKIE};
use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// The security scheme of the session cookie.
pub const SESSION_SCHEME: &str = "session";
/// The security scheme of the CSRF header, which every state-changing request must carry.
pub const CSRF_SCHEME: &str = "csrf";
/// The security scheme of a registered tablet's cookie.
pub const DEVICE_SCHEME: &str = "device";

/// Operations that read no session: signing in and out, a tablet's own status, and the
/// customer screen (its link's token is the key).
const WITHOUT_SESSION: &[&str] = &["signIn", "signInWithPin", "signOut", "getDevice", "getDisplay"];

/// Operations that read the session cookie themselves: 401 without it, but no CSRF check.
const SESSION_ONLY: &[&str] = &["getSession"];

pub struct Common;

impl Modify for Common {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session, set by signing in (HttpOnly).",
            ))),
        );
        components.add_security_scheme(
            CSRF_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf_token` (also in the `selpos_csrf` cookie), on every request that is not GET.",
            ))),
        );
        components.add_security_scheme(
            DEVICE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                DEVICE_COOKIE,
                "A tablet registered as a till (HttpOnly), set by registering the device.",
            ))),
        );
        debug_assert_eq!(CSRF_HEADER, "x-csrf-token");
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (operation, writes) in operations {
                if let Some(operation) = operation.as_mut() {
                    common(operation, writes);
                }
            }
        }
    }
}

/// The security and the common error answers of one operation.
fn common(operation: &mut Operation, writes: bool) {
    let id = operation.operation_id.clone().unwrap_or_default();
    let signed_in = !WITHOUT_SESSION.contains(&id.as_str());
    let csrf = signed_in && writes && !SESSION_ONLY.contains(&id.as_str());
    let mut security = Vec::new();
    if signed_in {
        let requirement = SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new());
        security.push(if csrf {
            requirement.add(CSRF_SCHEME, Vec::<String>::new())
        } else {
            requirement
        });
    } else if id == "getDevice" {
        security.push(SecurityRequirement::new(DEVICE_SCHEME, Vec::<String>::new()));
    }
    operation.security = (!security.is_empty()).then_some(security);

    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
    let (in_path, in_query) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let body = operation.request_body.as_ref();
    let json_body = body.is_some_and(|b| b.content.contains_key("application/json"));
    let any_body = body.is_some();

    let mut add = |status: &str, description: &str| {
        let responses = &mut operation.responses.responses;
        match responses.get_mut(status) {
            Some(RefOr::T(response)) if response.description.is_empty() => {
                response.description = description.to_string();
            }
            Some(_) => {}
            None => {
                responses.insert(status.to_string(), RefOr::T(error(description)));
            }
        }
    };
    let mut bad_request = Vec::new();
    if in_path {
        bad_request.push("a path parameter of the wrong type (`invalid_path`)");
    }
    if in_query {
        bad_request.push("an unknown or malformed query parameter (`invalid_query`)");
    }
    if json_body {
        bad_request.push("a body that is not JSON (`invalid_json`)");
    } else if any_body {
        bad_request.push("a body that cannot be read (`invalid_body`)");
    }
    if !bad_request.is_empty() {
        add("400", &format!("Bad request: {}.", bad_request.join("; ")));
    }
    if signed_in {
        add(
            "401",
            "Not signed in, or the session has ended (`unauthenticated`).",
        );
    }
    if csrf {
        add(
            "403",
            "The `X-CSRF-Token` header is missing or wrong (`csrf`), or the caller may not do this (`forbidden`).",
        );
    }
    if any_body {
        add(
            "413",
            "The body is larger than the server accepts (`payload_too_large`).",
        );
    }
    if json_body {
        add(
            "415",
            "The body is not sent as `Content-Type: application/json` (`unsupported_media_type`).",
        );
        add(
            "422",
            "The body has unknown or missing fields or values of the wrong type (`invalid_body`), or fails validation (`validation`, with `fields`).",
        );
    }
    add("500", "A server error (`internal`); nothing was written.");
    let responses = &mut operation.responses.responses;
    responses.entry("408".to_string()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description("The answer took longer than the server's request timeout (no body).")
                .build(),
        )
    });
    for (status, response) in operation.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = default_description(status).to_string();
        }
    }
}

/// An answer with the API's error shape.
fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK.",
        "201" => "Created.",
        "204" => "Done; no body.",
        "400" => "Bad request.",
        "401" => "Not signed in (`unauthenticated`), or the credentials are wrong.",
        "403" => "The caller may not do this (`forbidden`).",
        "404" => "Not found (`not_found`).",
        "409" => "Refused in the record's present state.",
        "422" => "The input fails validation (`validation`, with `fields`).",
        "429" => "Too many attempts; see `Retry-After`.",
        "502" => "The printer's connection broke during the job.",
        "503" => "Busy or unreachable; try again (see `Retry-After` when given).",
        _ => "See the error's code.",
    }
}
