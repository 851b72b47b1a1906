//! Faults for the chaos test: selpos as a real process that can be killed with SIGKILL and
//! started again on the same database and port, and a TCP proxy in front of it that drops
//! connections before the request reaches the server or after the server has answered (so
//! after its commit) but before the answer reaches the client.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

/// The `selpos` binary that `cargo xtask build` (and so `cargo xtask test`) builds next to
/// this test binary, or `SELPOS_BIN`.
pub fn selpos_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("SELPOS_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test binary path");
    // target/debug/deps/integration-… → target/debug/selpos
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("selpos"))
        .expect("target directory");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo xtask build` (`cargo xtask test` does) or set SELPOS_BIN",
        bin.display()
    );
    bin
}

/// `selpos serve` in its own process on a fixed port.
pub struct SelposProcess {
    pub addr: SocketAddr,
    database_url: String,
    /// `RUST_LOG` of the process.
    log_filter: String,
    log: tempfile::NamedTempFile,
    child: Option<Child>,
    pub starts: usize,
}

impl SelposProcess {
    pub async fn start(database_url: &str) -> SelposProcess {
        SelposProcess::start_logging(database_url, "warn").await
    }

    /// Starts it with `RUST_LOG` set to `log_filter` (everything it logs is in [`Self::log_text`]).
    pub async fn start_logging(database_url: &str, log_filter: &str) -> SelposProcess {
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            probe.local_addr().expect("address")
        };
        let mut process = SelposProcess {
            addr,
            database_url: database_url.to_string(),
            log_filter: log_filter.to_string(),
            log: tempfile::NamedTempFile::new().expect("log file"),
            child: None,
            starts: 0,
        };
        process.restart().await;
        process
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the process with SIGKILL: no shutdown, no flush, requests cut mid-way.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::start_kill` sends SIGKILL on Unix.
            child.start_kill().expect("SIGKILL");
            child.wait().await.expect("killed process reaped");
        }
    }

    /// Starts the process (again) and waits until `/healthz` answers.
    pub async fn restart(&mut self) {
        self.kill().await;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let log = self.log.reopen().expect("log");
            let mut child = Command::new(selpos_binary())
                .args(["serve", "--addr", &self.addr.to_string(), "--database-url"])
                .arg(&self.database_url)
                .env("RUST_LOG", &self.log_filter)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", selpos_binary().display()));
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited (e.g. the port was not free yet): start it again
                }
                if healthy(self.addr).await {
                    self.child = Some(child);
                    self.starts += 1;
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                Instant::now() < deadline,
                "selpos did not come up on {} within 60 s; its log:\n{}",
                self.addr,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

async fn healthy(addr: SocketAddr) -> bool {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// What the proxy did to the connections it accepted.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub passed: AtomicUsize,
    /// Closed before anything reached the server.
    pub dropped_before_request: AtomicUsize,
    /// The server answered (so it had committed); the answer was thrown away.
    pub dropped_after_answer: AtomicUsize,
    /// The server was down (killed, restarting).
    pub server_down: AtomicUsize,
}

impl ProxyStats {
    pub fn summary(&self) -> String {
        format!(
            "passed {}, dropped before the request {}, dropped after the answer {}, server down {}",
            self.passed.load(Ordering::Relaxed),
            self.dropped_before_request.load(Ordering::Relaxed),
            self.dropped_after_answer.load(Ordering::Relaxed),
            self.server_down.load(Ordering::Relaxed)
        )
    }
}

/// A TCP proxy to `upstream` that, once faults are on, drops each connection with the given
/// probabilities, drawn from a seeded generator.
pub struct ChaosProxy {
    pub addr: SocketAddr,
    faults: Arc<AtomicBool>,
    pub stats: Arc<ProxyStats>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone, Copy)]
enum Fault {
    None,
    BeforeRequest,
    AfterAnswer,
}

impl ChaosProxy {
    pub async fn start(upstream: SocketAddr, seed: u64, drop_before: f64, drop_after: f64) -> ChaosProxy {
        ChaosProxy::balancing(vec![upstream], seed, drop_before, drop_after).await
    }

    /// A proxy over several instances, as a reverse proxy balances them: each connection goes
    /// to the next instance in turn, or past it to the one after when it is down.
    pub async fn balancing(
        upstreams: Vec<SocketAddr>,
        seed: u64,
        drop_before: f64,
        drop_after: f64,
    ) -> ChaosProxy {
        let upstreams = Arc::new(upstreams);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let faults = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ProxyStats::default());
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let task = {
            let (faults, stats) = (faults.clone(), stats.clone());
            tokio::spawn(async move {
                let mut turn = 0_usize;
                while let Ok((client, _)) = listener.accept().await {
                    let fault = if faults.load(Ordering::Relaxed) {
                        let roll: f64 = rng.lock().expect("rng").random();
                        if roll < drop_before {
                            Fault::BeforeRequest
                        } else if roll < drop_before + drop_after {
                            Fault::AfterAnswer
                        } else {
                            Fault::None
                        }
                    } else {
                        Fault::None
                    };
                    turn = turn.wrapping_add(1);
                    tokio::spawn(relay(client, upstreams.clone(), turn, fault, stats.clone()));
                }
            })
        };
        ChaosProxy {
            addr,
            faults,
            stats,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_faults(&self, on: bool) {
        self.faults.store(on, Ordering::Relaxed);
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut client: TcpStream,
    upstreams: Arc<Vec<SocketAddr>>,
    first: usize,
    fault: Fault,
    stats: Arc<ProxyStats>,
) {
    if let Fault::BeforeRequest = fault {
        stats.dropped_before_request.fetch_add(1, Ordering::Relaxed);
        return; // dropping the socket closes it
    }
    let mut server = None;
    for n in 0..upstreams.len() {
        if let Ok(stream) = TcpStream::connect(upstreams[(first + n) % upstreams.len()]).await {
            server = Some(stream);
            break;
        }
    }
    let Some(mut server) = server else {
        stats.server_down.fetch_add(1, Ordering::Relaxed);
        return;
    };
    match fault {
        Fault::AfterAnswer => {
            let (mut client_read, client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            // The request goes through (the halves are kept open until the answer comes, so
            // the server never sees a half-closed connection)…
            let forward = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                (client_read, server_write)
            });
            // …and the first byte of the answer ends the connection.
            let mut first = [0_u8; 1];
            let answer = tokio::time::timeout(Duration::from_secs(30), server_read.read(&mut first)).await;
            if matches!(answer, Ok(Ok(n)) if n > 0) {
                stats.dropped_after_answer.fetch_add(1, Ordering::Relaxed);
            }
            forward.abort();
            drop(client_write);
        }
        _ => {
            stats.passed.fetch_add(1, Ordering::Relaxed);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            let _ = client.shutdown().await;
        }
    }
}
