//! Starting and stopping the server: used by the CLI and by the black-box tests.

use crate::db::{self, Db};
use crate::http::{self, AppState};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos::prelude::LeptosOptions;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// Load demo data when the database holds none yet.
    pub demo: bool,
    /// Where the built site (`site.json` and the files it lists) lives; `None`: the site this
    /// binary carries (a release build), else `target/site`.
    pub site_root: Option<PathBuf>,
    /// Mark cookies `Secure`: set when selpos is served over HTTPS (e.g. behind a TLS proxy).
    pub secure_cookies: bool,
    /// Tests and development only: registers may print to loopback addresses, on any port
    /// (`--allow-loopback-printers`; a fake printer on 127.0.0.1). Off in production.
    pub allow_loopback_printers: bool,
    /// Timeouts and the connection limit.
    pub limits: Limits,
    /// Serve HTTPS (cookies are then `Secure` and HSTS is sent); `None`: plain HTTP.
    pub tls: Option<crate::tls::TlsConfig>,
}

/// Written out without the database URL's password.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &db::redact(&self.database_url))
            .field("demo", &self.demo)
            .field("site_root", &self.site_root)
            .field("secure_cookies", &self.secure_cookies)
            .field("allow_loopback_printers", &self.allow_loopback_printers)
            .field("limits", &self.limits)
            .field("tls", &self.tls)
            .finish()
    }
}

/// What one client may hold of the server (see the README, "Timeouts and limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this, counted from when
    /// the server starts reading it; an idle kept-alive connection is closed after it too.
    pub header_read_timeout: Duration,
    /// A request (body included) must be answered within this, or it gets 408.
    pub request_timeout: Duration,
    /// Connections open at once; more wait to be accepted until one closes.
    pub max_connections: usize,
    /// On shutdown, how long requests in flight may take to finish.
    pub shutdown_grace: Duration,
    /// A sign-in or approval refused by a rate limit is answered after this
    /// ([`crate::throttle::REFUSAL_DELAY`]).
    pub refusal_delay: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(35),
            refusal_delay: crate::throttle::REFUSAL_DELAY,
        }
    }
}

/// A server accepting requests on `addr` until dropped or [`Running::stop`]ped.
pub struct Running {
    pub addr: SocketAddr,
    /// Served over HTTPS.
    pub https: bool,
    pub db: Db,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, finishes requests in flight, and closes the database.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let result = (&mut self.task).await.unwrap_or(Ok(()));
        self.db.close().await;
        result
    }

    /// Serves until SIGTERM or SIGINT (Ctrl-C), then shuts down gracefully: stops accepting,
    /// lets requests in flight finish (within [`Limits::shutdown_grace`]), closes the database.
    pub async fn wait(self) -> std::io::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        self.stop().await
    }
}

/// SIGTERM (service managers, `kill`) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Every minute, writes the summaries of failed sign-ins whose windows have closed.
/// The printers' queues; on PostgreSQL shared with every other instance on the same database.
fn printer_queues(db: &Db, allow_loopback: bool) -> crate::printing::PrinterQueues {
    let queues = if allow_loopback {
        tracing::warn!("printers on loopback addresses are allowed (tests and development only)");
        crate::printing::PrinterQueues::allowing_loopback()
    } else {
        crate::printing::PrinterQueues::new()
    };
    match db {
        Db::Postgres(pool) => queues.shared_through(pool.clone()),
        Db::Sqlite(_) => queues,
    }
}

async fn write_failure_summaries(db: Db, throttle: crate::throttle::Throttle) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = crate::usecases::sessions::flush_failure_summaries(&db, &throttle, false).await {
            tracing::warn!(error = %e, "failed sign-ins not summarised in the audit log");
        }
    }
}

/// Connects and migrates the database, loads demo data if asked, and starts serving.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    // rustls's provider for the whole process (this server's HTTPS, and clients in it).
    crate::tls::install_crypto_provider();
    let db = Db::connect(&config.database_url).await?;
    tracing::info!(database = %db::redact(&config.database_url), kind = db.kind(), "database ready");
    if config.demo {
        let report = crate::demo::load(&db).await?;
        tracing::info!(%report, "demo data");
    }
    let site = crate::site::Site::load(config.site_root.as_deref())?;
    if !site.is_built() {
        tracing::warn!(
            site = site.describe(),
            "the site is not built: pages will not become interactive (run `cargo xtask run`)"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let tls = match &config.tls {
        Some(tls) => Some(crate::tls::prepare(tls, addr)?),
        None => None,
    };
    let https = tls.is_some();
    // Leptos reads no file of the site: the pages name the bundles (`SiteAssets`) and
    // `crate::site` serves them.
    let leptos_options = LeptosOptions::builder()
        .output_name("selpos")
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let throttle = crate::throttle::Throttle::with_refusal_delay(config.limits.refusal_delay);
    let app = http::router(AppState {
        db: db.clone(),
        leptos_options,
        secure_cookies: config.secure_cookies || https,
        https,
        local_ca: tls
            .as_ref()
            .and_then(|t| t.local_ca.clone())
            .map(std::sync::Arc::new),
        printers: printer_queues(&db, config.allow_loopback_printers),
        throttle: throttle.clone(),
        site: Arc::new(site),
    });
    let summaries = tokio::spawn(write_failure_summaries(db.clone(), throttle.clone()));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = rx.await;
    };
    let limits = config.limits;
    let summary_db = db.clone();
    // After serving: the failed sign-ins not yet summarised go to the audit log.
    let finish = async move |served: std::io::Result<()>| {
        summaries.abort();
        if let Err(e) = crate::usecases::sessions::flush_failure_summaries(&summary_db, &throttle, true).await
        {
            tracing::warn!(error = %e, "failed sign-ins not summarised in the audit log");
        }
        served
    };
    let task = match tls {
        Some(tls) => {
            let listener = crate::tls::TlsListener::new(listener, tls.server_config)?;
            tokio::spawn(async move { finish(serve(listener, app, limits, shutdown).await).await })
        }
        None => {
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            tokio::spawn(async move { finish(serve(listener, app, limits, shutdown).await).await })
        }
    };
    Ok(Running {
        addr,
        https,
        db,
        shutdown: Some(tx),
        task,
    })
}

/// Serves HTTP/1 on `listener` until `shutdown`: each request's head within
/// [`Limits::header_read_timeout`], each answer within [`Limits::request_timeout`] (408), at most
/// [`Limits::max_connections`] connections at once (further ones wait in the listen queue).
/// Handlers see the client's address as `ConnectInfo<SocketAddr>`. On shutdown it stops
/// accepting and lets the requests in flight finish (up to [`Limits::shutdown_grace`]); a
/// request's writes are one transaction, so one cut off is rolled back, never half-written.
pub async fn serve<L>(
    mut listener: L,
    app: axum::Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        // (The listener waits out failed accepts itself, e.g. when out of file descriptors.)
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let service = app
            .clone()
            .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            });
        let connection = http1.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, client = %remote, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("requests still running after the shutdown grace period: closing");
        }
    }
    Ok(())
}
