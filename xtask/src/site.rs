//! The last step of a site build: names the bundles and the style sheet by their content,
//! compresses every file (brotli and gzip, kept only where smaller) and writes `site.json`,
//! the manifest the server serves from (see `server/src/site.rs`).
//!
//! A content-named file never changes, so the server lets browsers keep it for a year; the
//! pages name the files of their own build, so a page and its bundle always match.

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// The manifest's file name, at the site's root.
pub const MANIFEST: &str = "site.json";

/// How hard to compress: a release site is built once and sent to every tablet; a
/// development site (tens of MB of debug WASM) is rebuilt all day.
#[derive(Clone, Copy)]
pub struct Effort {
    brotli_quality: i32,
    gzip_level: u32,
}

impl Effort {
    pub fn for_release(release: bool) -> Self {
        if release {
            Effort {
                brotli_quality: 11,
                gzip_level: 9,
            }
        } else {
            Effort {
                brotli_quality: 5,
                gzip_level: 6,
            }
        }
    }
}

/// Renames the bundles (`pkg/<name>.js`, `pkg/<name>_bg.wasm`) and `pkg/selpos.css` to
/// content-hashed names, precompresses every file and writes the manifest.
pub fn finish(site: &Path, bundles: &[&str], effort: Effort) -> Result<()> {
    let pkg = site.join("pkg");
    let mut names = Map::new();
    for bundle in bundles {
        let js = pkg.join(format!("{bundle}.js"));
        let wasm = pkg.join(format!("{bundle}_bg.wasm"));
        // One hash for the pair: the JS glue calls into exactly this WASM.
        let hash = short_hash(&[&read(&js)?, &read(&wasm)?]);
        let hashed = format!("{bundle}.{hash}");
        rename(&js, &pkg.join(format!("{hashed}.js")))?;
        rename(&wasm, &pkg.join(format!("{hashed}_bg.wasm")))?;
        names.insert((*bundle).to_string(), Value::String(hashed));
    }
    let css = pkg.join("selpos.css");
    let css_name = format!("selpos.{}.css", short_hash(&[&read(&css)?]));
    rename(&css, &pkg.join(&css_name))?;

    let mut files = Map::new();
    for path in files_under(site)? {
        let relative = path
            .strip_prefix(site)
            .context("a site file outside the site")?
            .to_string_lossy()
            .replace('\\', "/");
        if relative == MANIFEST {
            continue;
        }
        let bytes = read(&path)?;
        let mut encodings = Vec::new();
        for (encoding, compressed) in [
            ("br", brotli(&bytes, effort.brotli_quality)?),
            ("gzip", gzip(&bytes, effort.gzip_level)?),
        ] {
            // Worth a Content-Encoding only when it saves something (not for a PNG).
            if compressed.len() + 64 < bytes.len() {
                fs::write(encoded_path(&path, encoding), compressed)?;
                encodings.push(encoding);
            }
        }
        let immutable = is_content_named(&relative, &names, &css_name);
        files.insert(
            format!("/{relative}"),
            json!({
                "etag": format!("\"{}\"", short_hash(&[&bytes])),
                "immutable": immutable,
                "encodings": encodings,
            }),
        );
    }
    let manifest = json!({
        "bundles": names,
        "stylesheet": format!("/pkg/{css_name}"),
        "files": files,
    });
    fs::write(site.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(())
}

/// The file a precompressed copy is kept in, beside the original.
fn encoded_path(path: &Path, encoding: &str) -> PathBuf {
    let suffix = if encoding == "br" { "br" } else { "gz" };
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The bundles' JS and WASM and the style sheet carry their content hash; everything else
/// (the service worker, wasm-bindgen's snippets imported by fixed name) must be revalidated.
fn is_content_named(relative: &str, bundles: &Map<String, Value>, css_name: &str) -> bool {
    let Some(file) = relative.strip_prefix("pkg/") else {
        return false;
    };
    file == css_name
        || bundles
            .values()
            .filter_map(Value::as_str)
            .any(|hashed| file == format!("{hashed}.js") || file == format!("{hashed}_bg.wasm"))
}

/// The first 16 hex digits of the SHA-256 of the parts, in order.
fn short_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(&hasher.finalize()[..8])
}

fn brotli(bytes: &[u8], quality: i32) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).context("brotli")?;
    Ok(out)
}

pub fn gzip(bytes: &[u8], level: u32) -> Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).with_context(|| format!("renaming {} to {}", from.display(), to.display()))
}

/// Every file under `dir`, recursively, in a stable order.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                dirs.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}
