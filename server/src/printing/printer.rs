//! Sending jobs to network printers over raw TCP (port 9100), one job at a time per printer.
//!
//! Before a job, the printer is asked for its paper status (DLE EOT 4, a real-time command
//! ESC/POS printers answer at once); a printer out of paper gets no job, so the cashier is
//! told instead of a receipt silently going nowhere. A printer that does not answer the
//! question within [`STATUS_WAIT`] gets the job anyway. A job counts as printed once all its
//! bytes were written and the connection shut down in time. A refused connection, a dropped
//! connection or a timeout means it was not printed, and the caller must say so.

use selpos_domain::printers::{PrinterAddressRefusal, PrinterRules, check_printer_address};
use selpos_domain::receipts::paper::{Align, MIN_COLUMNS, PrintLine};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout_at};

/// The raw printing port of network printers (JetDirect / "port 9100").
pub const DEFAULT_PORT: u16 = selpos_domain::printers::PRINTER_PORT;

/// After sending, how long to wait for the printer to close the connection (most do once
/// they have read the job). Waiting keeps the next job off the printer until it has read
/// this one; a printer that keeps the connection open costs this much per job.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// DLE EOT 4: "transmit the paper roll sensor status" (one byte back).
const PAPER_STATUS_REQUEST: [u8; 3] = [0x10, 0x04, 0x04];

/// How long to wait for the answer to [`PAPER_STATUS_REQUEST`].
const STATUS_WAIT: Duration = Duration::from_millis(500);

/// A printer on the venue's network accepts a connection at once; one that has not within
/// this is "not reachable". Every failed connection is reported when this has passed, whether
/// it was refused at once (port closed) or never answered (no host): a printer address can
/// not be used to tell open ports from closed ones, or hosts that are up from hosts that are not.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// Whether a DLE EOT 4 answer says the paper roll is at its end (bits 5 and 6), checking the
/// bits that are fixed in every such answer (bits 1 and 4 set, 0 and 7 clear).
pub fn paper_is_out(status: u8) -> Option<bool> {
    (status & 0x93 == 0x12).then_some(status & 0x60 == 0x60)
}

/// Why a job was not printed. The `Display` text is the Japanese message for staff; the
/// source (the OS error) is for the log.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The address is not one a printer may have (see [`PrinterRules`]): nothing was sent.
    #[error("プリンターのアドレス ({addr}) は使えません: {message}")]
    InvalidAddress { addr: String, message: String },
    /// No connection within [`CONNECT_TIMEOUT`], for whatever reason (refused, no route, no
    /// answer): one message, one timing.
    #[error("プリンターに接続できません ({addr})。電源、ネットワーク、IPアドレスを確認してください")]
    Unreachable { addr: String, source: Option<io::Error> },
    #[error("プリンター ({addr}) への送信が途中で切れました。印刷されていないものとして扱ってください")]
    Send { addr: String, source: io::Error },
    #[error("プリンター ({addr}) が{}秒以内に応答しません。印刷されていないものとして扱ってください", .timeout.as_secs_f64())]
    Timeout { addr: String, timeout: Duration },
    #[error("プリンター ({addr}) の用紙がありません。ロール紙を交換してください")]
    PaperOut { addr: String },
    /// Another selpos instance is printing on it and did not finish in time, or the database
    /// that holds the printers' locks did not answer: nothing was sent.
    #[error("プリンター ({addr}) は別の印刷が終わっていません。少し待ってからもう一度印刷してください")]
    Busy { addr: String, source: sqlx::Error },
}

impl PrintError {
    /// Machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::InvalidAddress { .. } => "printer_address_invalid",
            PrintError::Unreachable { .. } => "printer_unreachable",
            PrintError::Send { .. } => "printer_send_failed",
            PrintError::Timeout { .. } => "printer_timeout",
            PrintError::PaperOut { .. } => "printer_paper_out",
            PrintError::Busy { .. } => "printer_busy",
        }
    }
}

/// Whether `ip` is one of this machine's own addresses: a socket can be bound to it. (A
/// printer is another machine; the server's own address would reach selpos itself or its
/// database.)
pub fn is_own_address(ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// The socket address of the printer at `addr` under `rules`, or why it may not be used: the
/// domain's rules ([`check_printer_address`]), and never one of this machine's own addresses
/// (loopback only when the rules allow loopback printers, for tests).
pub fn check_address(addr: &str, rules: &PrinterRules) -> Result<SocketAddr, PrinterAddressRefusal> {
    let socket = check_printer_address(addr, rules)?;
    let ip = socket.ip().to_canonical();
    if !(rules.allow_loopback && ip.is_loopback()) && is_own_address(socket.ip()) {
        return Err(PrinterAddressRefusal::OwnAddress);
    }
    Ok(socket)
}

fn resolve(addr: &str, rules: &PrinterRules) -> Result<SocketAddr, PrintError> {
    check_address(addr, rules).map_err(|refusal| PrintError::InvalidAddress {
        addr: addr.trim().to_owned(),
        message: refusal.message_ja(rules),
    })
}

/// Connects within `limit` (at most [`CONNECT_TIMEOUT`]); a failure is reported only when that
/// time has passed, whatever it was.
async fn connect(socket: SocketAddr, limit: Duration) -> Result<TcpStream, PrintError> {
    let deadline = Instant::now() + limit.min(CONNECT_TIMEOUT);
    let source = match timeout_at(deadline, TcpStream::connect(socket)).await {
        Ok(Ok(stream)) => return Ok(stream),
        Ok(Err(e)) => Some(e),
        Err(_) => None,
    };
    sleep_until(deadline).await;
    Err(PrintError::Unreachable {
        addr: socket.to_string(),
        source,
    })
}

/// Sends one job to the printer at `addr` (`address` or `address:port`, port 9100 by default),
/// if `rules` allow it. Connecting, writing and shutting down must all finish within `timeout`.
pub async fn send(
    addr: &str,
    rules: &PrinterRules,
    bytes: Vec<u8>,
    timeout: Duration,
) -> Result<(), PrintError> {
    let socket = resolve(addr, rules)?;
    let shown = socket.to_string();
    let deadline = Instant::now() + timeout;
    let stream = connect(socket, timeout).await?;
    let mut stream = timeout_at(deadline, deliver(stream, &bytes, &shown))
        .await
        .map_err(|_| PrintError::Timeout {
            addr: shown.clone(),
            timeout,
        })??;
    // The job is handed over; only a reset while the printer reads it is still a failure.
    let grace = deadline.min(Instant::now() + CLOSE_GRACE);
    match timeout_at(grace, wait_for_close(&mut stream)).await {
        Ok(Err(source)) => Err(PrintError::Send { addr: shown, source }),
        Ok(Ok(())) | Err(_) => Ok(()),
    }
}

async fn deliver(mut stream: TcpStream, bytes: &[u8], shown: &str) -> Result<TcpStream, PrintError> {
    let send_failed = |source| PrintError::Send {
        addr: shown.to_owned(),
        source,
    };
    if paper_status(&mut stream).await.map_err(send_failed)? == Some(true) {
        return Err(PrintError::PaperOut {
            addr: shown.to_owned(),
        });
    }
    let sent = async {
        stream.write_all(bytes).await?;
        stream.shutdown().await
    };
    sent.await.map_err(send_failed)?;
    Ok(stream)
}

/// Asks the printer whether its paper is out: `Some(true)` out, `Some(false)` there, `None`
/// no (valid) answer in time.
async fn paper_status(stream: &mut TcpStream) -> io::Result<Option<bool>> {
    stream.write_all(&PAPER_STATUS_REQUEST).await?;
    let mut status = [0_u8; 1];
    match tokio::time::timeout(STATUS_WAIT, stream.read(&mut status)).await {
        Ok(Ok(1)) => Ok(paper_is_out(status[0])),
        Ok(Ok(_)) | Err(_) => Ok(None),
        Ok(Err(e)) => Err(e),
    }
}

/// Reads (and drops) whatever the printer sends, such as automatic status, until it closes.
async fn wait_for_close(stream: &mut TcpStream) -> io::Result<()> {
    let mut sink = [0; 256];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}

/// Whether the printer at `addr` accepts a connection within `timeout` (it is on and at that
/// address) and, if it answers the question, has paper. Nothing prints. Any failure to talk to
/// it is "not reachable", reported when `timeout` has passed.
pub async fn probe(addr: &str, rules: &PrinterRules, timeout: Duration) -> Result<(), PrintError> {
    let socket = resolve(addr, rules)?;
    let shown = socket.to_string();
    let deadline = Instant::now() + timeout;
    let mut stream = connect(socket, timeout).await?;
    match paper_status(&mut stream).await {
        Ok(Some(true)) => Err(PrintError::PaperOut { addr: shown }),
        Ok(_) => Ok(()),
        Err(source) => {
            sleep_until(deadline).await;
            Err(PrintError::Unreachable {
                addr: shown,
                source: Some(source),
            })
        }
    }
}

/// One queue per printer, so that jobs from several registers reach a printer one after the
/// other and in the order they came (tokio's mutex is fair). Cheap to clone; share one.
///
/// Several selpos instances on one PostgreSQL share their printers too: after its turn in this
/// instance's queue, a job also holds the printer's advisory lock in PostgreSQL while it talks
/// to the printer, so jobs from two instances never interleave on the paper.
#[derive(Debug, Clone, Default)]
pub struct PrinterQueues {
    printers: Arc<Mutex<HashMap<SocketAddr, Arc<tokio::sync::Mutex<()>>>>>,
    allow_loopback: bool,
    across_instances: Option<sqlx::PgPool>,
}

/// The first key of every printer lock (PostgreSQL's two-key advisory locks): "selpos
/// printer", so they never meet another application's locks on a shared database.
const PRINTER_LOCK_CLASS: i32 = 0x5e1_9001;

/// How long a job waits for another instance's job on the same printer. That job talks to the
/// printer for at most its own timeout (a few seconds), so waiting longer means it is stuck.
const PRINTER_LOCK_WAIT: Duration = Duration::from_secs(15);

/// The second key of a printer's lock: from a hash of its socket address, so every instance
/// computes the same one (two printers sharing a key only wait for each other).
fn printer_lock_key(socket: SocketAddr) -> i32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(socket.to_string().as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

impl PrinterQueues {
    /// This queue also takes each printer's lock in the PostgreSQL that `pool` connects to,
    /// shared by every selpos instance on it.
    pub fn shared_through(mut self, pool: sqlx::PgPool) -> Self {
        self.across_instances = Some(pool);
        self
    }

    /// Waits for the printer's turn: first in this instance's queue, then (with several
    /// instances) for its lock in PostgreSQL, held by the transaction answered: dropping it
    /// ends the transaction and the lock with it (so does a lost connection).
    async fn turn(
        &self,
        addr: &str,
        rules: &PrinterRules,
    ) -> Result<
        (
            tokio::sync::OwnedMutexGuard<()>,
            Option<sqlx::Transaction<'static, sqlx::Postgres>>,
        ),
        PrintError,
    > {
        let queue = self.queue(addr, rules)?;
        let here = queue.lock_owned().await;
        let Some(pool) = &self.across_instances else {
            return Ok((here, None));
        };
        let socket = resolve(addr, rules)?;
        let busy = |source: sqlx::Error| PrintError::Busy {
            addr: socket.to_string(),
            source,
        };
        let mut tx = pool.begin().await.map_err(busy)?;
        let wait = format!("SET LOCAL lock_timeout = '{}ms'", PRINTER_LOCK_WAIT.as_millis());
        sqlx::query(&wait).execute(&mut *tx).await.map_err(busy)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(PRINTER_LOCK_CLASS)
            .bind(printer_lock_key(socket))
            .execute(&mut *tx)
            .await
            .map_err(busy)?;
        Ok((here, Some(tx)))
    }

    /// The queues of a server whose printers are on the LAN (loopback refused).
    pub fn new() -> Self {
        Self::default()
    }

    /// For tests and development only (`--allow-loopback-printers`): printers on loopback
    /// addresses, on any port, e.g. a fake printer on 127.0.0.1.
    pub fn allowing_loopback() -> Self {
        PrinterQueues {
            allow_loopback: true,
            ..Self::default()
        }
    }

    /// Whether printers on loopback addresses are allowed (tests and development only).
    pub fn allow_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Waits for the printer's turn, then [`send`]s. The timeout counts from the turn.
    pub async fn print(
        &self,
        addr: &str,
        rules: &PrinterRules,
        bytes: Vec<u8>,
        timeout: Duration,
    ) -> Result<(), PrintError> {
        let _turn = self.turn(addr, rules).await?;
        send(addr, rules, bytes, timeout).await
    }

    /// Waits for the printer's turn (a job in progress may hold the only connection a
    /// printer accepts), then [`probe`]s it.
    pub async fn probe(&self, addr: &str, rules: &PrinterRules, timeout: Duration) -> Result<(), PrintError> {
        let _turn = self.turn(addr, rules).await?;
        probe(addr, rules, timeout).await
    }

    /// The queue of a printer: `192.168.1.50:9100` and `192.168.1.50` are one printer.
    fn queue(&self, addr: &str, rules: &PrinterRules) -> Result<Arc<tokio::sync::Mutex<()>>, PrintError> {
        let key = resolve(addr, rules)?;
        // A panic elsewhere cannot leave the map half-changed: recover it.
        let mut printers = self.printers.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(printers.entry(key).or_default()))
    }
}

/// A test page for `selpos printer test HOST:PORT`: rulers to check the column count and the
/// two-column width of Japanese text, every style the receipts use, a QR code and the cut.
pub fn test_page(columns: usize) -> Vec<PrintLine> {
    let columns = columns.max(MIN_COLUMNS);
    let digits: String = (1..=columns).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
    let kanji: String = "一二三四五六七八九十".chars().cycle().take(columns / 2).collect();
    let left = |text: &str| PrintLine::text(text, Align::Left);
    vec![
        PrintLine::text("テスト印字", Align::Center).bold().double(),
        PrintLine::text("selpos プリンターテスト", Align::Center),
        PrintLine::Rule,
        left(&format!(
            "{columns}桁 (半角{columns}文字 / 全角{}文字)",
            columns / 2
        )),
        left(&digits),
        left(&kanji),
        left("漢字: 協議会 事業所 工賃 税率"),
        left("ｶﾀｶﾅ: ｸｯｷｰ ﾊﾟｳﾝﾄﾞｹｰｷ"),
        left("金額: ¥1,234 ※8%対象"),
        left("太字 Bold").bold(),
        PrintLine::text("倍角", Align::Left).double(),
        PrintLine::text("中央", Align::Center),
        PrintLine::text("右", Align::Right),
        PrintLine::Rule,
        PrintLine::Qr("selpos printer test".into()),
        PrintLine::Cut,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printing::decode::decode as decode_checked;

    fn decode(bytes: &[u8]) -> crate::printing::decode::Decoded {
        decode_checked(bytes).expect("the encoder sends only what the decoder knows")
    }
    use crate::printing::escpos::{EscPosOptions, encode};
    use selpos_domain::printers::{COLUMNS_58MM, COLUMNS_80MM};
    use selpos_domain::receipts::Receipt;
    use selpos_domain::receipts::paper::{display_width, layout};
    use tokio::net::TcpListener;
    use tokio::sync::Mutex as AsyncMutex;

    const TIMEOUT: Duration = Duration::from_secs(5);

    /// The fake printers of these tests listen on 127.0.0.1.
    fn loopback() -> PrinterRules {
        PrinterRules {
            allow_loopback: true,
            ..PrinterRules::default()
        }
    }

    /// A fake printer: accepts one connection, reads it to the end, hands the bytes back.
    async fn one_job_printer() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address").to_string();
        let job = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            read_job(&mut socket, PAPER_THERE).await
        });
        (addr, job)
    }

    /// DLE EOT 4 answers: fixed bits only (paper there), and paper roll end.
    const PAPER_THERE: u8 = 0x12;
    const PAPER_END: u8 = 0x72;

    /// What a printer does with a connection: answers the paper status request that comes
    /// first, then reads the job to its end.
    async fn read_job(socket: &mut TcpStream, paper: u8) -> Vec<u8> {
        let mut request = [0; 3];
        socket.read_exact(&mut request).await.expect("status request");
        assert_eq!(request, PAPER_STATUS_REQUEST);
        socket.write_all(&[paper]).await.expect("status");
        let mut bytes = Vec::new();
        socket.read_to_end(&mut bytes).await.expect("read");
        bytes
    }

    #[test]
    fn paper_status_answers_are_read_by_their_bits() {
        assert_eq!(paper_is_out(PAPER_THERE), Some(false));
        assert_eq!(paper_is_out(0x1E), Some(false), "near end still prints");
        assert_eq!(paper_is_out(PAPER_END), Some(true));
        assert_eq!(paper_is_out(0x00), None, "not a DLE EOT 4 answer");
    }

    #[tokio::test]
    async fn a_printer_out_of_paper_gets_no_job() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address").to_string();
        let job = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            read_job(&mut socket, PAPER_END).await
        });
        let err = send(&addr, &loopback(), b"x\n".to_vec(), TIMEOUT)
            .await
            .expect_err("no paper");
        assert_eq!(err.code(), "printer_paper_out");
        assert!(err.to_string().contains("用紙がありません"), "{err}");
        assert!(job.await.expect("printer").is_empty(), "nothing sent");
    }

    #[tokio::test]
    async fn prints_a_receipt_over_tcp() {
        let (addr, job) = one_job_printer().await;
        let lines = layout(&Receipt::example(), COLUMNS_80MM);
        let encoded = encode(
            &lines,
            EscPosOptions {
                columns: COLUMNS_80MM,
                open_drawer: true,
            },
        )
        .expect("should succeed");
        send(&addr, &loopback(), encoded.bytes.clone(), TIMEOUT)
            .await
            .expect("should succeed");

        let received = job.await.expect("printer task");
        assert_eq!(received, encoded.bytes);
        let decoded = decode(&received);
        let texts = decoded.texts();
        let line = |label: &str| {
            texts
                .iter()
                .find(|t| t.starts_with(label))
                .copied()
                .unwrap_or_default()
        };
        assert!(line("10%対象").ends_with("¥1,100 (内消費税 ¥100)"), "{texts:#?}");
        assert!(line("8%対象").ends_with("¥640 (内消費税 ¥47)"));
        assert!(line("対象外 計").ends_with("¥800"));
        assert!(line("合計").ends_with("¥2,540"));
        assert!(line("お釣り").ends_with("¥460"));
        assert_eq!(decoded.count(&[0x1B, b'p', 0, 25, 250]), 1, "drawer kick");
        assert_eq!(
            decoded.commands.last().map(Vec::as_slice),
            Some(&[0x1D, b'V', 66, 0][..]),
            "cut last"
        );
    }

    #[tokio::test]
    async fn refused_connection_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address").to_string();
        drop(listener);

        let started = Instant::now();
        let err = send(&addr, &loopback(), b"x\n".to_vec(), TIMEOUT)
            .await
            .expect_err("should be refused");
        // Refused at once, answered as late as a printer that never answers: a closed port
        // and an absent host look the same.
        assert!(started.elapsed() >= CONNECT_TIMEOUT, "{:?}", started.elapsed());
        assert!(matches!(err, PrintError::Unreachable { .. }), "{err:?}");
        assert_eq!(err.code(), "printer_unreachable");
        assert!(
            err.to_string()
                .starts_with(&format!("プリンターに接続できません ({addr})")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_printer_that_stops_reading_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address").to_string();
        // Accepts, then never reads: the socket buffers fill and the write stalls.
        let _stalled = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(socket);
        });

        let timeout = Duration::from_millis(300);
        let err = send(&addr, &loopback(), vec![b'x'; 64 << 20], timeout)
            .await
            .expect_err("should be refused");
        assert!(matches!(err, PrintError::Timeout { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "プリンター ({addr}) が0.3秒以内に応答しません。印刷されていないものとして扱ってください"
            )
        );
    }

    /// A printer that reads every connection at once, slowly, and prints whatever arrives:
    /// jobs sent side by side would come out mixed.
    #[derive(Default)]
    struct MixingPrinter {
        paper: Vec<u8>,
        open: usize,
        most_open: usize,
        jobs: usize,
    }

    async fn mixing_printer() -> (String, Arc<AsyncMutex<MixingPrinter>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address").to_string();
        let state = Arc::new(AsyncMutex::new(MixingPrinter::default()));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    {
                        let mut s = state.lock().await;
                        s.open += 1;
                        s.most_open = s.most_open.max(s.open);
                    }
                    let mut request = [0; 3];
                    socket.read_exact(&mut request).await.expect("status request");
                    socket.write_all(&[PAPER_THERE]).await.expect("status");
                    let mut chunk = [0; 1024];
                    loop {
                        let n = socket.read(&mut chunk).await.expect("read");
                        if n == 0 {
                            break;
                        }
                        state.lock().await.paper.extend_from_slice(&chunk[..n]);
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    let mut s = state.lock().await;
                    s.open -= 1;
                    s.jobs += 1;
                });
            }
        });
        (addr, state)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_jobs_to_one_printer_arrive_unmixed() {
        let (addr, printer) = mixing_printer().await;
        let queues = PrinterQueues::new();
        let job_a = vec![b'A'; 48 * 1024];
        let job_b = vec![b'B'; 48 * 1024];
        // Two registers, each with its own clone of the queues.
        let register = |queues: PrinterQueues, job: Vec<u8>| {
            let addr = addr.clone();
            tokio::spawn(async move { queues.print(&addr, &loopback(), job, TIMEOUT).await })
        };
        let a = register(queues.clone(), job_a.clone());
        let b = register(queues, job_b.clone());
        a.await.expect("should succeed").expect("should succeed");
        b.await.expect("should succeed").expect("should succeed");

        let printer = printer.lock().await;
        assert_eq!(printer.jobs, 2);
        assert_eq!(printer.most_open, 1, "one connection at a time");
        let (first, second) = printer.paper.split_at(job_a.len());
        assert!(
            (first == job_a && second == job_b) || (first == job_b && second == job_a),
            "jobs were mixed"
        );
    }

    /// The rules themselves are tested in the domain; here, what the server adds: its own
    /// addresses are refused, loopback only when allowed, and a refusal becomes an error before
    /// anything connects.
    #[test]
    fn addresses() {
        assert_eq!(
            resolve("192.168.1.50", &PrinterRules::default())
                .expect("valid")
                .to_string(),
            "192.168.1.50:9100"
        );
        for bad in [
            "",
            "host:abc",
            "http://host",
            "printer.local",
            "127.0.0.1:9100",
            "8.8.8.8",
        ] {
            let err = resolve(bad, &PrinterRules::default()).expect_err("should be refused");
            assert_eq!(err.code(), "printer_address_invalid", "{bad:?}");
        }
        assert_eq!(
            check_address("127.0.0.1:9100", &PrinterRules::default()),
            Err(PrinterAddressRefusal::Loopback)
        );
        assert!(check_address("127.0.0.1:45678", &loopback()).is_ok());
        assert!(is_own_address("127.0.0.1".parse().expect("ip")));
        assert!(
            !is_own_address("203.0.113.77".parse().expect("ip")),
            "TEST-NET-3 is nobody's"
        );
    }

    /// A server that has a private LAN address refuses it as a printer's.
    #[test]
    fn the_servers_own_lan_address_is_refused() {
        let Some(own) = own_private_address() else {
            eprintln!("skipped: this machine has no private address");
            return;
        };
        let addr = SocketAddr::new(own, 9100).to_string();
        assert_eq!(
            check_address(&addr, &PrinterRules::default()),
            Err(PrinterAddressRefusal::OwnAddress)
        );
        assert_eq!(
            check_address(&addr, &loopback()),
            Err(PrinterAddressRefusal::OwnAddress),
            "the test switch opens loopback only"
        );
    }

    /// The address this machine would use to reach a private network, if it has one (no
    /// packet is sent: connecting a UDP socket only picks the route).
    fn own_private_address() -> Option<IpAddr> {
        [("0.0.0.0:0", "10.255.255.1:9"), ("[::]:0", "[fd00::ffff:1]:9")]
            .into_iter()
            .find_map(|(local, remote)| {
                let socket = std::net::UdpSocket::bind(local).ok()?;
                socket.connect(remote).ok()?;
                let ip = socket.local_addr().ok()?.ip();
                check_printer_address(&SocketAddr::new(ip, 9100).to_string(), &PrinterRules::default())
                    .is_ok()
                    .then_some(ip)
            })
    }

    #[tokio::test]
    async fn probe_connects_and_sends_nothing() {
        let (addr, job) = one_job_printer().await;
        probe(&addr, &loopback(), TIMEOUT).await.expect("reachable");
        assert!(job.await.expect("printer task").is_empty(), "nothing printed");

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let gone = listener.local_addr().expect("local address").to_string();
        drop(listener);
        let err = PrinterQueues::new()
            .probe(&gone, &loopback(), TIMEOUT)
            .await
            .expect_err("should be refused");
        assert_eq!(err.code(), "printer_unreachable");
        // Without the test switch, loopback is refused before anything connects.
        let (addr, _job) = one_job_printer().await;
        let err = probe(&addr, &PrinterRules::default(), TIMEOUT)
            .await
            .expect_err("loopback");
        assert_eq!(err.code(), "printer_address_invalid");
        assert!(err.to_string().contains("このサーバー自身のアドレス"), "{err}");
    }

    #[test]
    fn one_queue_per_printer() {
        let queues = PrinterQueues::new();
        let rules = PrinterRules {
            ports: vec![9100, 9101],
            ..PrinterRules::default()
        };
        let a = queues.queue("192.168.1.50", &rules).expect("should succeed");
        let b = queues
            .clone()
            .queue("192.168.1.50:9100", &rules)
            .expect("should succeed");
        let c = queues.queue("192.168.1.50:9101", &rules).expect("should succeed");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[tokio::test]
    async fn invalid_address_is_reported_before_connecting() {
        let err = PrinterQueues::new()
            .print("", &loopback(), Vec::new(), TIMEOUT)
            .await
            .expect_err("should be refused");
        assert_eq!(err.code(), "printer_address_invalid");
    }

    #[test]
    fn test_page_fits_and_prints_cleanly() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            let page = test_page(columns);
            let encoded = encode(
                &page,
                EscPosOptions {
                    columns,
                    open_drawer: false,
                },
            )
            .expect("should succeed");
            assert!(encoded.warnings.is_empty(), "{:?}", encoded.warnings);
            let decoded = decode(&encoded.bytes);
            for line in &decoded.lines {
                let limit = if line.double { columns / 2 } else { columns };
                assert!(display_width(&line.text) <= limit, "{columns}: {line:?}");
            }
            let texts = decoded.texts();
            // The rulers fill the line exactly: a wrong column setting shows as a wrap.
            let ruler: String = (1..=columns).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
            assert!(texts.contains(&ruler.as_str()), "{texts:#?}");
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with("一二三") && display_width(t) == columns)
            );
            assert_eq!(decoded.qr_codes, ["selpos printer test"]);
            assert!(matches!(page.last(), Some(PrintLine::Cut)));
        }
    }
}
