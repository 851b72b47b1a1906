//! `cargo xtask <command>`: builds the selpos site (server + hydrated WASM bundles) and runs
//! selpos and its tests, with nothing installed but Rust (wasm-bindgen runs as a library).
//!
//! The site ends up in `target/site/`: `pkg/selpos.<hash>.js` + `pkg/selpos.<hash>_bg.wasm`
//! (the whole app), `pkg/till.<hash>.js` + `pkg/till.<hash>_bg.wasm` (the till's pages only),
//! `pkg/selpos.<hash>.css`, everything under `app/public/`, a brotli and a gzip copy of each
//! file, and `site.json`, the manifest the server reads (see `site.rs`).
//!
//! A release build embeds the finished site in the `selpos` binary (`SELPOS_EMBED_SITE`, read
//! by `server/build.rs`): one file to copy to a venue laptop.

mod bundle_size;
mod site;

use anyhow::{Context, Result, bail};
use std::{
    env, fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Instant,
};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build [--release]                   build the site and the server (--release: optimised WASM,
                                      and a release `selpos` that carries the site)
  run [--release] [-- <selpos args>]  build the release site, then run selpos on it (default
                                      args: serve --demo); --release also builds a release server
  test [-- <cargo test args>]         install browser test prerequisites, build, cargo test --workspace
  bundle-size                         release site, then the till's bytes as sent by a running selpos";

/// Read by `server/build.rs`: the finished site to embed in a release `selpos`.
const EMBED_ENV: &str = "SELPOS_EMBED_SITE";

const POSTGRES_ENV: &str = "SELPOS_TEST_POSTGRES_URL";
const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The accessibility sweep injects axe-core (the npm package) into each page: this version,
/// unpacked under the target directory, its path given to the tests in this variable.
const AXE_VERSION: &str = "4.11.0";
const AXE_ENV: &str = "SELPOS_AXE_JS";

/// The PostgreSQL the tests run against: `SELPOS_TEST_POSTGRES_URL` if set (CI sets it and
/// fails when it is unreachable), else the local server when one answers on 5432.
fn postgres_for_tests() -> Option<String> {
    if let Ok(url) = env::var(POSTGRES_ENV) {
        println!("    PostgreSQL tests: {POSTGRES_ENV} is set");
        return Some(url);
    }
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 5432));
    if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_ok() {
        println!("    PostgreSQL tests: using {LOCAL_POSTGRES}");
        Some(LOCAL_POSTGRES.to_string())
    } else {
        println!("    PostgreSQL tests SKIPPED: nothing on 127.0.0.1:5432 and {POSTGRES_ENV} is not set");
        None
    }
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// One WASM bundle of the app: its file name in `pkg/` and the app's features it is built
/// with. The till's pages (/register, /login) get the till's, every other page the whole app's.
struct Bundle {
    name: &'static str,
    features: &'static str,
}

/// The till's own bundle (the tablet's download) and the whole app's for every other page.
const BUNDLES: [Bundle; 2] = [
    Bundle {
        name: "selpos",
        features: "hydrate",
    },
    Bundle {
        name: "till",
        features: "till",
    },
];

fn main() -> ExitCode {
    // Print errors as one line of causes, without the backtrace anyhow's Debug would add.
    xtask().unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}

fn xtask() -> Result<ExitCode> {
    let args: Vec<String> = env::args().skip(1).collect();
    // Options for xtask come before `--`; what follows is passed through untouched.
    let (opts, rest) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (&args[..], &[][..]),
    };
    let Some((cmd, flags)) = opts.split_first() else {
        eprintln!("{USAGE}");
        return Ok(ExitCode::FAILURE);
    };
    let release = parse_flags(flags)?;
    let ws = Workspace::locate()?;

    match cmd.as_str() {
        "build" if rest.is_empty() => ws.build(release, release).map(|()| ExitCode::SUCCESS),
        "run" => {
            // A first look is the real product: the tablet gets the optimised, compressed site.
            ws.build(true, release)?;
            let profile = if release { "release" } else { "debug" };
            let mut selpos = Command::new(ws.target.join(profile).join("selpos"));
            if rest.is_empty() {
                selpos.args(["serve", "--demo"]);
            } else {
                selpos.args(rest);
            }
            step("running selpos");
            status(selpos.env("SELPOS_SITE_ROOT", &ws.site))
        }
        "test" if !release => {
            ensure_browser()?;
            let axe = ws.ensure_axe()?;
            ws.build(false, false)?;
            step("running cargo test --workspace");
            let mut test = ws.cargo(&["test", "--workspace"]);
            test.env(AXE_ENV, axe);
            if let Some(url) = postgres_for_tests() {
                test.env(POSTGRES_ENV, url);
            }
            status(test.args(rest).env("SELPOS_SITE_ROOT", &ws.site))
        }
        "bundle-size" if !release && rest.is_empty() => {
            // The release site, served by the development server (long to link in release; the
            // bytes it sends are the precompressed files either way).
            ws.build(true, false)?;
            bundle_size::print(&ws.target.join("debug").join("selpos"), &ws.site)?;
            Ok(ExitCode::SUCCESS)
        }
        _ => bail!("unknown command or arguments: {}\n\n{USAGE}", args.join(" ")),
    }
}

/// Accepts only `--release`; returns whether it was given.
fn parse_flags(flags: &[String]) -> Result<bool> {
    let mut release = false;
    for flag in flags {
        match flag.as_str() {
            "--release" => release = true,
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    Ok(release)
}

/// Paths of the workspace this xtask belongs to.
struct Workspace {
    root: PathBuf,
    target: PathBuf,
    site: PathBuf,
}

impl Workspace {
    fn locate() -> Result<Self> {
        // `cargo run` sets CARGO_MANIFEST_DIR for the program too; prefer it to the value baked
        // in at compile time, which a binary reused by another checkout would get wrong.
        let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = manifest_dir
            .parent()
            .context("xtask has no parent directory")?
            .to_path_buf();
        // Honour CARGO_TARGET_DIR like cargo does (relative paths are relative to the cwd).
        let target = match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => std::path::absolute(dir)?,
            None => root.join("target"),
        };
        let site = target.join("site");
        Ok(Self { root, target, site })
    }

    /// axe-core's script for the accessibility sweep: fetched with npm (installed from Debian
    /// when missing) into `target/axe/` once, then reused.
    fn ensure_axe(&self) -> Result<PathBuf> {
        let dir = self.target.join("axe");
        let script = dir.join("package").join("axe.min.js");
        if script.exists() {
            return Ok(script);
        }
        if Command::new("npm").arg("--version").output().is_err() {
            if !is_root() {
                bail!("the accessibility tests need npm (for axe-core): sudo apt-get install npm");
            }
            apt_install(&["npm"])?;
        }
        step(&format!("fetching axe-core {AXE_VERSION} (npm)…"));
        fs::create_dir_all(&dir)?;
        run(Command::new("npm")
            .args(["pack", &format!("axe-core@{AXE_VERSION}"), "--pack-destination"])
            .arg(&dir))?;
        let tarball = dir.join(format!("axe-core-{AXE_VERSION}.tgz"));
        run(Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(&dir))?;
        if !script.exists() {
            bail!("axe-core's package has no {}", script.display());
        }
        Ok(script)
    }

    /// A `cargo` command run from the workspace root (with the cargo that runs xtask).
    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(&self.root).args(args);
        cmd
    }

    /// Builds the WASM bundles, assembles `target/site/`, then builds the server; a release
    /// server carries the site.
    fn build(&self, release_site: bool, release_server: bool) -> Result<()> {
        let started = Instant::now();
        self.build_site(release_site || release_server)?;
        step("building server…");
        let mut server = self.cargo(&["build", "-p", "selpos-server"]);
        if release_server {
            server.arg("--release").env(EMBED_ENV, &self.site);
        } else {
            // A development server reads the site from disk (`--site-root`).
            server.env_remove(EMBED_ENV);
        }
        run(&mut server)?;
        println!(
            "    site ready in {} ({:.1?})",
            self.site.display(),
            started.elapsed()
        );
        Ok(())
    }

    /// Builds the WASM bundles and assembles `target/site/`.
    fn build_site(&self, release: bool) -> Result<()> {
        ensure_wasm_target()?;
        let pkg = self.site.join("pkg");
        // Start from an empty site so that no file of an older build lingers.
        if self.site.exists() {
            fs::remove_dir_all(&self.site).with_context(|| format!("removing {}", self.site.display()))?;
        }
        for bundle in &BUNDLES {
            self.build_bundle(bundle, release, &pkg)?;
        }

        step("copying style and public assets…");
        let css = self.root.join("app/style/selpos.css");
        fs::copy(&css, pkg.join("selpos.css")).with_context(|| format!("copying {}", css.display()))?;
        let public = self.root.join("app/public");
        if public.is_dir() {
            copy_dir(&public, &self.site)?;
        }

        step("naming files by content, compressing (brotli, gzip)…");
        let started = Instant::now();
        let names: Vec<&str> = BUNDLES.iter().map(|b| b.name).collect();
        site::finish(&self.site, &names, site::Effort::for_release(release))?;
        println!("    done in {:.1?}", started.elapsed());
        Ok(())
    }

    /// Compiles one bundle of the app to WASM and generates its JS bindings into `pkg`.
    fn build_bundle(&self, bundle: &Bundle, release: bool, pkg: &Path) -> Result<()> {
        step(&format!(
            "building WASM: {} (features {})…",
            bundle.name, bundle.features
        ));
        let profile = if release { "wasm-release" } else { "dev" };
        let wasm_started = Instant::now();
        // uuid reaches the browser's crypto through its `js` feature, not through getrandom, so
        // no `getrandom_backend` cfg is needed for this target.
        run(&mut self.cargo(&[
            "build",
            "-p",
            "selpos-app",
            "--lib",
            "--target",
            WASM_TARGET,
            "--no-default-features",
            "--features",
            bundle.features,
            "--profile",
            profile,
        ]))?;
        println!("    compiled in {:.1?}", wasm_started.elapsed());

        step(&format!(
            "generating JS bindings for {} (wasm-bindgen)…",
            bundle.name
        ));
        let profile_dir = if release { "wasm-release" } else { "debug" };
        // Both bundles are built to this one file: bind each before building the next.
        let wasm = self
            .target
            .join(WASM_TARGET)
            .join(profile_dir)
            .join("selpos_app.wasm");
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(&wasm)
            .out_name(bundle.name)
            .typescript(false)
            // Function names only help debugging, and make up two thirds of a release bundle.
            .remove_name_section(release)
            .remove_producers_section(release)
            .web(true)?
            .generate(pkg)
            .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
        Ok(())
    }
}

/// Installs the wasm32 target with rustup when it is missing.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (is it installed?)")?;
    if !String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        step(&format!("installing the {WASM_TARGET} target…"));
        run(&mut cmd("rustup", &["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

/// The browser tests drive Debian's chromium through chromedriver; install them if missing.
fn ensure_browser() -> Result<()> {
    if Path::new("/usr/bin/chromedriver").exists() && Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    if !is_root() {
        bail!("browser tests need chromium and chromedriver: sudo apt-get install chromium chromium-driver");
    }
    apt_install(&["chromium", "chromium-driver"])
}

fn apt_install(packages: &[&str]) -> Result<()> {
    step(&format!("installing {} (apt)…", packages.join(" ")));
    run(&mut cmd("apt-get", &["update"]))?;
    let mut install = cmd("apt-get", &["install", "-y"]);
    run(install.args(packages).env("DEBIAN_FRONTEND", "noninteractive"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Copies the contents of `from` into `to`, recursively, overwriting files.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest).with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn cmd(program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd
}

/// Runs a command to completion, failing unless it succeeds.
fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{} failed ({status})", cmd.get_program().to_string_lossy());
    }
    Ok(())
}

/// Runs a command to completion and forwards its exit code.
fn status(cmd: &mut Command) -> Result<ExitCode> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    // A signal leaves no code: report a plain failure then.
    Ok(ExitCode::from(status.code().map_or(1, |code| code as u8)))
}

fn step(msg: &str) {
    println!("==> {msg}");
}
