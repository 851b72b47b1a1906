//! `cargo xtask bundle-size`: what a tablet downloads for the till, measured as sent over
//! HTTP by a running selpos (its real `Content-Encoding`), for a browser that accepts brotli
//! and for one that accepts only gzip.

use anyhow::{Context, Result, bail};
use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// The till's page with everything it loads must stay under this, as sent with brotli.
const TILL_TARGET_BYTES: usize = 400 * 1000;

/// The pages measured: the tablet's till, and the back office's first page.
const PAGES: [(&str, &str); 2] = [
    ("/register", "the till"),
    ("/login?next=%2F", "the back office's sign-in"),
];

/// A selpos serving `site` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    base: String,
    database: std::path::PathBuf,
}

impl Server {
    fn start(selpos: &Path, site: &Path) -> Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let database = std::env::temp_dir().join(format!("selpos-bundle-size-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&database);
        let child = Command::new(selpos)
            .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(format!("sqlite://{}", database.display()))
            .env("SELPOS_SITE_ROOT", site)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", selpos.display()))?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            database,
        };
        let started = Instant::now();
        while agent().get(format!("{}/healthz", server.base)).call().is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("selpos did not answer on {} within a minute", server.base);
            }
            thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.database.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A client that reports bodies exactly as received (it decodes nothing).
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// One response as it crossed the wire.
struct Sent {
    bytes: usize,
    encoding: String,
}

fn fetch(base: &str, path: &str, accept_encoding: &str) -> Result<(Sent, Vec<u8>)> {
    let mut response = agent()
        .get(format!("{base}{path}"))
        .header("Accept-Encoding", accept_encoding)
        .call()
        .with_context(|| format!("GET {path}"))?;
    if !response.status().is_success() {
        bail!("GET {path}: {}", response.status());
    }
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_string();
    let body = response
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()
        .with_context(|| format!("reading {path}"))?;
    Ok((
        Sent {
            bytes: body.len(),
            encoding,
        },
        body,
    ))
}

/// What a page loads from the server before it is usable: the files its HTML names under
/// `/pkg/` (script, WASM, style sheet) and the service worker the app registers.
fn assets_of(html: &str) -> Vec<String> {
    let mut assets: Vec<String> = html
        .split('"')
        .filter(|part| part.starts_with("/pkg/") && !part.contains(char::is_whitespace))
        .map(str::to_string)
        .collect();
    assets.sort();
    assets.dedup();
    assets.push("/sw.js".into());
    assets
}

/// Prints, per page, each file's bytes as sent to a brotli browser and a gzip-only browser.
pub fn print(selpos: &Path, site: &Path) -> Result<()> {
    let server = Server::start(selpos, site)?;
    let mut till_br_total = 0;
    for (page, what) in PAGES {
        let (_, html) = fetch(&server.base, page, "identity")?;
        let html = String::from_utf8_lossy(&html).into_owned();
        println!("\n{page} ({what}), bytes as sent over HTTP");
        println!(
            "{:<40} {:>12} {:>12} {:>12}",
            "file", "identity", "br", "gzip only"
        );
        let mut totals = [0usize; 3];
        for path in std::iter::once(page.to_string()).chain(assets_of(&html)) {
            let mut row = Vec::new();
            for (i, accept) in ["identity", "br, gzip", "gzip"].into_iter().enumerate() {
                let (sent, _) = fetch(&server.base, &path, accept)?;
                totals[i] += sent.bytes;
                row.push(format!("{} {}", kb(sent.bytes), short(&sent.encoding)));
            }
            println!("{path:<40} {:>12} {:>12} {:>12}", row[0], row[1], row[2]);
        }
        println!(
            "{:<40} {:>12} {:>12} {:>12}",
            "total",
            kb(totals[0]),
            kb(totals[1]),
            kb(totals[2])
        );
        if page == "/register" {
            till_br_total = totals[1];
        }
    }
    let verdict = if till_br_total <= TILL_TARGET_BYTES {
        "within"
    } else {
        "OVER"
    };
    println!(
        "\nthe till as sent with brotli: {} ({verdict} the {} target)",
        kb(till_br_total),
        kb(TILL_TARGET_BYTES)
    );
    Ok(())
}

fn short(encoding: &str) -> &str {
    match encoding {
        "identity" => "  ",
        "gzip" => "gz",
        other => other,
    }
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_assets_are_its_pkg_files_and_the_service_worker() {
        let html = r#"<link rel="modulepreload" href="/pkg/till.ab.js"><link rel="preload" href="/pkg/till.ab_bg.wasm"><link rel="stylesheet" href="/pkg/selpos.cd.css"><a href="/pkg/till.ab.js">"#;
        assert_eq!(
            assets_of(html),
            [
                "/pkg/selpos.cd.css",
                "/pkg/till.ab.js",
                "/pkg/till.ab_bg.wasm",
                "/sw.js"
            ]
        );
    }
}
