//! What a tablet downloads: the site's files as sent over HTTP (precompressed, content-named,
//! cached for a year), pages revalidated, nothing outside the site's manifest served.

use reqwest::{StatusCode, header};
use selpos_tests::{TestServer, bundle_named, script_of};
use std::io::Read;

/// `GET path` with the given `Accept-Encoding`: status, headers and the body as sent.
async fn get(base: &str, path: &str, accept_encoding: &str) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(header::ACCEPT_ENCODING, accept_encoding)
        .send()
        .await
        .expect("request");
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn brotli_decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn gzip_decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn header(headers: &header::HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|v| v.to_str().expect("a text header"))
        .unwrap_or("")
}

/// The files the till's page names under `/pkg/`.
fn pkg_files(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|part| part.starts_with("/pkg/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_tills_files_are_sent_precompressed_and_kept_for_a_year() {
    let server = TestServer::sqlite(false).await;
    let (status, headers, html) = get(&server.base, "/register", "identity").await;
    assert_eq!(status, StatusCode::OK);
    // Pages are revalidated: a new build's page names its new files at once.
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
    let html = String::from_utf8(html).expect("html");
    let script = script_of(&html).expect("the till's script").to_string();
    assert_eq!(bundle_named(&script), "till");
    let files = pkg_files(&html);
    let wasm = files
        .iter()
        .find(|f| f.ends_with("_bg.wasm"))
        .expect("the till's WASM");
    let css = files
        .iter()
        .find(|f| f.ends_with(".css"))
        .expect("the style sheet");
    // Named by their content: a rebuilt site has new names, so a year's caching is safe.
    for file in [&script, wasm, css] {
        let hashed = file
            .trim_start_matches("/pkg/")
            .split(['.', '_'])
            .nth(1)
            .unwrap_or("");
        assert_eq!(hashed.len(), 16, "{file} is not named by its content");
        assert!(hashed.bytes().all(|b| b.is_ascii_hexdigit()), "{file}");
    }

    for file in [&script, wasm, css] {
        let (status, plain_headers, plain) = get(&server.base, file, "identity").await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(header(&plain_headers, header::CONTENT_ENCODING), "", "{file}");
        assert_eq!(
            header(&plain_headers, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&plain_headers, header::VARY), "Accept-Encoding");
        let (_, br_headers, br) = get(&server.base, file, "gzip, deflate, br, zstd").await;
        assert_eq!(header(&br_headers, header::CONTENT_ENCODING), "br", "{file}");
        assert_eq!(
            header(&br_headers, header::CONTENT_TYPE),
            header(&plain_headers, header::CONTENT_TYPE)
        );
        assert!(
            br.len() < plain.len(),
            "{file}: brotli {} ≥ {}",
            br.len(),
            plain.len()
        );
        assert_eq!(brotli_decoded(&br), plain, "{file}");
        let (_, gz_headers, gz) = get(&server.base, file, "gzip").await;
        assert_eq!(header(&gz_headers, header::CONTENT_ENCODING), "gzip", "{file}");
        assert_eq!(gzip_decoded(&gz), plain, "{file}");
        assert_eq!(
            header(&br_headers, header::ETAG),
            header(&gz_headers, header::ETAG)
        );
    }
    let (_, headers, _) = get(&server.base, wasm, "br").await;
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/wasm");
    server.stop().await;
}

#[tokio::test]
async fn the_service_worker_is_revalidated_by_its_etag() {
    let server = TestServer::sqlite(false).await;
    let (status, headers, body) = get(&server.base, "/sw.js", "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
    assert!(header(&headers, header::CONTENT_TYPE).contains("javascript"));
    assert!(!body.is_empty());
    let etag = header(&headers, header::ETAG).to_string();
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");

    let again = reqwest::Client::new()
        .get(format!("{}/sw.js", server.base))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.expect("body").is_empty());
    let changed = reqwest::Client::new()
        .get(format!("{}/sw.js", server.base))
        .header(header::IF_NONE_MATCH, "\"another-build\"")
        .send()
        .await
        .expect("revalidation");
    assert_eq!(changed.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn pages_and_the_api_are_compressed_on_the_fly() {
    let server = TestServer::sqlite(true).await;
    let (_, plain_headers, plain) = get(&server.base, "/register", "identity").await;
    let (status, headers, br) = get(&server.base, "/register", "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(header(&plain_headers, header::CONTENT_ENCODING), "");
    // The same page but its per-request nonce.
    assert_eq!(brotli_decoded(&br).len(), plain.len());

    let (status, headers, body) = get(&server.base, "/api/openapi.json", "gzip").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-store");
    let doc: serde_json::Value = serde_json::from_slice(&gzip_decoded(&body)).expect("json");
    assert!(doc["paths"].is_object());
    server.stop().await;
}

#[tokio::test]
async fn nothing_outside_the_sites_manifest_is_served() {
    let server = TestServer::sqlite(false).await;
    for path in [
        "/site.json",
        "/pkg/till.js",
        "/pkg/nothing.js",
        "/pkg/../site.json",
        "/%2e%2e/Cargo.toml",
        "/pkg/till.0000000000000000_bg.wasm",
    ] {
        let (status, headers, _) = get(&server.base, path, "br").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            header(&headers, header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
    }
    server.stop().await;
}
