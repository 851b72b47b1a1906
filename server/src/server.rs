//! Starting and stopping the server: used by the CLI and by the black-box tests.

use crate::db::{self, Db};
use crate::http::{self, AppState};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// Load demo data when the database holds none yet.
    pub demo: bool,
    /// Where the built site (`pkg/selpos.js`, `pkg/till.js`, their `_bg.wasm`, `pkg/selpos.css`) lives.
    pub site_root: PathBuf,
    /// Mark cookies `Secure`: set when selpos is served over HTTPS (e.g. behind a TLS proxy).
    pub secure_cookies: bool,
    /// Serve HTTPS (cookies are then `Secure` and HSTS is sent); `None`: plain HTTP.
    pub tls: Option<crate::tls::TlsConfig>,
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

    /// Waits until the server ends (Ctrl-C for the CLI).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let result = (&mut self.task).await.unwrap_or(Ok(()));
        self.db.close().await;
        result
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
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let tls = match &config.tls {
        Some(tls) => Some(crate::tls::prepare(tls, addr)?),
        None => None,
    };
    let https = tls.is_some();
    let leptos_options = LeptosOptions::builder()
        .output_name("selpos")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let app = http::router(AppState {
        db: db.clone(),
        leptos_options,
        secure_cookies: config.secure_cookies || https,
        https,
        local_ca: tls
            .as_ref()
            .and_then(|t| t.local_ca.clone())
            .map(std::sync::Arc::new),
        printers: crate::printing::PrinterQueues::new(),
    });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            _ = rx => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    let task = match tls {
        Some(tls) => {
            let listener = crate::tls::TlsListener::new(listener, tls.server_config)?;
            tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown).await })
        }
        None => {
            tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown).await })
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
