//! The built site (the bundles, the style sheet, the service worker) and how it is served:
//! each file as its precompressed brotli or gzip copy when the browser takes it, content-named
//! files cached for a year, everything else revalidated by its ETag.
//!
//! The files come from the `selpos` binary itself (a release build carries them, see
//! `build.rs`) or from a directory (`--site-root`, for development). Either way `site.json`,
//! written by `cargo xtask build`, lists them.

use axum::body::Body;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The site the release build embedded: `(path from the site's root, bytes)`.
static EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/embedded_site.rs"));

const MANIFEST: &str = "site.json";

/// What a page names: the bundles' and the style sheet's current (content-hashed) names.
pub use selpos_app::SiteAssets;

#[derive(Debug, Deserialize)]
struct Manifest {
    bundles: HashMap<String, String>,
    stylesheet: String,
    files: HashMap<String, FileEntry>,
}

#[derive(Debug, Deserialize)]
struct FileEntry {
    etag: String,
    /// Named by its content: it never changes, so it may be kept for a year.
    immutable: bool,
    /// The precompressed copies beside it: `br`, `gzip`.
    encodings: Vec<String>,
}

/// Where the files' bytes are.
#[derive(Debug)]
enum Source {
    Embedded(HashMap<&'static str, &'static [u8]>),
    Dir(PathBuf),
}

/// A built site, ready to serve.
#[derive(Debug)]
pub struct Site {
    manifest: Option<Manifest>,
    source: Source,
}

impl Site {
    /// The site in `dir`, or the one this binary carries when `dir` is `None` (falling back to
    /// `target/site`, where `cargo xtask build` puts it, when it carries none).
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Site> {
        match dir {
            Some(dir) => Self::from_dir(dir),
            None if !EMBEDDED.is_empty() => Self::from_table(EMBEDDED),
            None => Self::from_dir(Path::new("target/site")),
        }
    }

    fn from_table(table: &'static [(&'static str, &'static [u8])]) -> anyhow::Result<Site> {
        let files: HashMap<&'static str, &'static [u8]> = table.iter().copied().collect();
        let manifest = files
            .get(MANIFEST)
            .map(|bytes| serde_json::from_slice(bytes))
            .transpose()?;
        Ok(Site {
            manifest,
            source: Source::Embedded(files),
        })
    }

    fn from_dir(dir: &Path) -> anyhow::Result<Site> {
        let manifest = match std::fs::read(dir.join(MANIFEST)) {
            Ok(bytes) => Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", dir.join(MANIFEST).display()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Site {
            manifest,
            source: Source::Dir(dir.to_path_buf()),
        })
    }

    /// Whether there is a built site to serve (pages are not interactive without one).
    pub fn is_built(&self) -> bool {
        self.manifest.is_some()
    }

    /// Where the site comes from, for the log.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Embedded(_) => "built into selpos".into(),
            Source::Dir(dir) => dir.display().to_string(),
        }
    }

    /// The names the pages link to.
    pub fn assets(&self) -> SiteAssets {
        let mut assets = SiteAssets::default();
        if let Some(manifest) = &self.manifest {
            if let Some(app) = manifest.bundles.get("selpos") {
                assets.app_bundle = app.clone();
            }
            if let Some(till) = manifest.bundles.get("till") {
                assets.till_bundle = till.clone();
            }
            assets.stylesheet = manifest.stylesheet.clone();
        }
        assets
    }

    /// The answer to a GET or HEAD of one of the site's files; `None` when `path` is not one.
    pub async fn serve(&self, method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let entry = self.manifest.as_ref()?.files.get(path)?;
        let cache_control = if entry.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mut response = Response::builder()
            .header(header::CACHE_CONTROL, cache_control)
            .header(header::ETAG, &entry.etag)
            .header(header::VARY, "Accept-Encoding");
        if if_none_match(headers, &entry.etag) {
            return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).ok();
        }
        let encoding = preferred_encoding(headers, &entry.encodings);
        let stored = match encoding {
            Some("br") => format!("{path}.br"),
            Some(_) => format!("{path}.gz"),
            None => path.to_string(),
        };
        let Some(bytes) = self.read(&stored).await else {
            tracing::error!(path = stored, "a file of the site's manifest is missing");
            return None;
        };
        let content_type = mime_guess::from_path(path).first_or_octet_stream();
        response = response
            .header(header::CONTENT_TYPE, content_type.as_ref())
            .header(header::CONTENT_LENGTH, bytes.len());
        if let Some(encoding) = encoding {
            response = response.header(header::CONTENT_ENCODING, encoding);
        }
        let body = if method == Method::HEAD {
            Body::empty()
        } else {
            Body::from(bytes)
        };
        response.body(body).ok()
    }

    async fn read(&self, path: &str) -> Option<Bytes> {
        let relative = path.trim_start_matches('/');
        match &self.source {
            Source::Embedded(files) => files.get(relative).map(|b| Bytes::from_static(b)),
            // Only names from the manifest get here: no path from a request reaches the disk.
            Source::Dir(dir) => tokio::fs::read(dir.join(relative)).await.ok().map(Bytes::from),
        }
    }
}

/// Whether the client's copy (`If-None-Match`) is this one.
pub fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// The best of the stored encodings the browser accepts: brotli, then gzip, else none.
fn preferred_encoding(headers: &HeaderMap, stored: &[String]) -> Option<&'static str> {
    let accepted: Vec<(String, f32)> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((coding, quality))
        })
        .collect();
    let takes = |coding: &str| {
        accepted
            .iter()
            .any(|(c, q)| (c == coding || c == "*") && *q > 0.0)
            && !accepted.iter().any(|(c, q)| c == coding && *q <= 0.0)
    };
    ["br", "gzip"]
        .into_iter()
        .find(|coding| stored.iter().any(|s| s == coding) && takes(coding))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("a header"),
        );
        headers
    }

    fn both() -> Vec<String> {
        vec!["br".into(), "gzip".into()]
    }

    #[test]
    fn brotli_is_preferred_then_gzip_then_the_file_itself() {
        assert_eq!(
            preferred_encoding(&accept("gzip, deflate, br, zstd"), &both()),
            Some("br")
        );
        assert_eq!(preferred_encoding(&accept("gzip"), &both()), Some("gzip"));
        assert_eq!(
            preferred_encoding(&accept("br;q=0, gzip;q=0.5"), &both()),
            Some("gzip")
        );
        assert_eq!(preferred_encoding(&accept("identity"), &both()), None);
        assert_eq!(preferred_encoding(&HeaderMap::new(), &both()), None);
        assert_eq!(preferred_encoding(&accept("*"), &["gzip".into()]), Some("gzip"));
        assert_eq!(preferred_encoding(&accept("br"), &[]), None);
    }

    static TABLE: &[(&str, &[u8])] = &[
        (
            "site.json",
            br#"{"bundles": {"till": "till.00ff"}, "stylesheet": "/pkg/s.1.css",
                "files": {"/pkg/till.00ff.js": {"etag": "\"e1\"", "immutable": true, "encodings": ["br"]},
                          "/sw.js": {"etag": "\"e2\"", "immutable": false, "encodings": []}}}"#,
        ),
        ("pkg/till.00ff.js", b"plain js"),
        ("pkg/till.00ff.js.br", b"brotli js"),
        ("sw.js", b"worker"),
        ("secret.txt", b"not in the manifest"),
    ];

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body")
            .to_vec()
    }

    #[tokio::test]
    async fn an_embedded_site_serves_its_manifests_files_and_no_other() {
        let site = Site::from_table(TABLE).expect("a site");
        assert!(site.is_built());
        assert_eq!(site.assets().till_bundle, "till.00ff");
        assert_eq!(site.assets().app_bundle, "selpos");
        assert_eq!(site.assets().stylesheet, "/pkg/s.1.css");
        let get = Method::GET;
        let js = site
            .serve(&get, "/pkg/till.00ff.js", &accept("br"))
            .await
            .expect("served");
        assert_eq!(js.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(
            js.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(
            js.headers()[header::CONTENT_TYPE]
                .to_str()
                .expect("text")
                .contains("javascript")
        );
        assert_eq!(body(js).await, b"brotli js");
        let js = site
            .serve(&get, "/pkg/till.00ff.js", &accept("gzip"))
            .await
            .expect("served");
        assert!(js.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(js).await, b"plain js");
        let head = site
            .serve(&Method::HEAD, "/sw.js", &HeaderMap::new())
            .await
            .expect("served");
        assert_eq!(head.headers()[header::CONTENT_LENGTH], "6");
        assert_eq!(head.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(body(head).await.is_empty());
        for path in ["/secret.txt", "/site.json", "/pkg/till.00ff.js.br", "/"] {
            assert!(
                site.serve(&get, path, &HeaderMap::new()).await.is_none(),
                "{path}"
            );
        }
        assert!(
            site.serve(&Method::POST, "/sw.js", &HeaderMap::new())
                .await
                .is_none()
        );
    }

    #[test]
    fn an_unbuilt_site_names_the_plain_files() {
        let site = Site::from_dir(Path::new("/nonexistent-selpos-site")).expect("no manifest is no error");
        assert!(!site.is_built());
        assert_eq!(site.assets(), SiteAssets::default());
    }

    #[test]
    fn a_matching_etag_in_any_form_is_not_modified() {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"a\", W/\"b\""));
        assert!(if_none_match(&headers, "\"b\""));
        assert!(!if_none_match(&headers, "\"c\""));
        assert!(!if_none_match(&HeaderMap::new(), "\"c\""));
    }
}
