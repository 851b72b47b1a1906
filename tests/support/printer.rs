//! A network receipt printer for the tests: a TCP listener that speaks the start of ESC/POS
//! (the paper status request) and hands over every job it receives.

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// `ESC p 0 25 250`: the drawer kick the encoder sends.
pub const DRAWER_KICK: &[u8] = &[0x1B, b'p', 0, 25, 250];

/// One job as the fake printer got it.
pub struct Job {
    pub first_byte_at: Instant,
    pub bytes: Vec<u8>,
}

/// A network printer on 127.0.0.1: answers the paper status request each connection starts
/// with (paper there), reads the rest to its end, and hands every non-empty job over (a
/// connection with nothing after the request is a status check).
pub struct FakePrinter {
    pub addr: String,
    jobs: mpsc::UnboundedReceiver<Job>,
    task: tokio::task::JoinHandle<()>,
}

impl FakePrinter {
    pub async fn start() -> FakePrinter {
        FakePrinter::on(TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
    }

    pub async fn on(listener: TcpListener) -> FakePrinter {
        let addr = listener.local_addr().expect("local address").to_string();
        let (tx, jobs) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut request = [0u8; 3];
                    if socket.read_exact(&mut request).await.is_err() {
                        return;
                    }
                    let first_byte_at = Instant::now();
                    assert_eq!(request, [0x10, 0x04, 0x04], "DLE EOT 4 first");
                    let _ = socket.write_all(&[0x12]).await;
                    let mut bytes = Vec::new();
                    let _ = socket.read_to_end(&mut bytes).await;
                    if !bytes.is_empty() {
                        let _ = tx.send(Job { first_byte_at, bytes });
                    }
                });
            }
        });
        FakePrinter { addr, jobs, task }
    }

    pub async fn next_job(&mut self) -> Job {
        tokio::time::timeout(Duration::from_secs(10), self.jobs.recv())
            .await
            .expect("a job within 10 s")
            .expect("the printer is running")
    }

    pub fn no_more_jobs(&mut self) {
        assert!(self.jobs.try_recv().is_err(), "an unexpected job");
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.task.abort();
    }
}
