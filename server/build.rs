//! Embeds a finished site in the `selpos` binary when `SELPOS_EMBED_SITE` names one (set by
//! `cargo xtask build --release`): every file under it, by its path from the site's root.
//! Without it the table is empty and the server reads the site from `--site-root`.

use std::{env, fmt::Write as _, fs, path::Path, path::PathBuf};

const EMBED_ENV: &str = "SELPOS_EMBED_SITE";

fn main() {
    println!("cargo:rerun-if-env-changed={EMBED_ENV}");
    let mut table = String::from("&[\n");
    if let Some(site) = env::var_os(EMBED_ENV).filter(|s| !s.is_empty()) {
        let site = PathBuf::from(site);
        let manifest = site.join("site.json");
        assert!(
            manifest.is_file(),
            "{EMBED_ENV}={} holds no site.json: build the site first (`cargo xtask build --release`)",
            site.display()
        );
        // The manifest changes with every build of the site; the files it names are tracked by
        // `include_bytes!` itself.
        println!("cargo:rerun-if-changed={}", manifest.display());
        for file in files_under(&site) {
            let relative = file
                .strip_prefix(&site)
                .expect("a file under the site")
                .to_string_lossy()
                .replace('\\', "/");
            let absolute = fs::canonicalize(&file).expect("a site file's absolute path");
            writeln!(table, "    ({relative:?}, include_bytes!({absolute:?})),")
                .expect("a string takes writes");
        }
    }
    table.push(']');
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("embedded_site.rs"), table).expect("writing the embedded site's table");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("listing the site") {
            let entry = entry.expect("a site entry");
            if entry.file_type().expect("a site entry's type").is_dir() {
                dirs.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}
