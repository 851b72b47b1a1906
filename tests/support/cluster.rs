//! A PostgreSQL cluster of a test's own: `initdb` in a temporary folder, started on a port of
//! its own, for tests that crash and restart PostgreSQL without disturbing the other tests on
//! the machine's shared server. Uses the PostgreSQL programs of the installed server (Debian's
//! `/usr/lib/postgresql/VERSION/bin`); run as root, they run as the `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl PrivateCluster {
    /// Makes and starts a cluster (trust authentication for `postgres` on 127.0.0.1).
    pub fn start() -> PrivateCluster {
        let bin = postgres_bin().expect("PostgreSQL's programs (initdb, pg_ctl) under /usr/lib/postgresql");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = PrivateCluster { dir, bin, port };
        if is_root() {
            run(Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(cluster.dir.path()));
        }
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &[
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "-D",
            ],
            &[&data],
        );
        cluster.start_server();
        cluster
    }

    /// The cluster's `postgres` database, for creating others.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops PostgreSQL at once, as a crash would (`-m immediate`: no checkpoint, every
    /// connection cut), then starts it again, which recovers from its WAL.
    pub async fn crash_and_restart(&self, down_for: Duration) {
        let data = self.data();
        self.pg("pg_ctl", &["stop", "-m", "immediate", "-w", "-D"], &[&data]);
        tokio::time::sleep(down_for).await;
        self.start_server();
    }

    fn start_server(&self) {
        let (data, log) = (self.data(), self.dir.path().join("postgres.log"));
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        self.pg(
            "pg_ctl",
            &["start", "-w", "-t", "60", "-o", &options, "-l"],
            &[&log, Path::new("-D"), &data],
        );
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when this is root); panics with its
    /// output when it fails.
    fn pg(&self, program: &str, args: &[&str], paths: &[&Path]) {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).args(paths);
        run(&mut command);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let _ = command.args(["stop", "-m", "immediate", "-D"]).arg(data).output();
    }
}

/// The newest installed PostgreSQL's programs.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
