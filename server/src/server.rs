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
}

/// A server accepting requests on `addr` until dropped or [`Running::stop`]ped.
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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

/// Every minute, writes the summaries of failed sign-ins whose windows have closed.
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
    let db = Db::connect(&config.database_url).await?;
    tracing::info!(database = %db::redact(&config.database_url), kind = db.kind(), "database ready");
    if config.demo {
        let report = crate::demo::load(&db).await?;
        tracing::info!(%report, "demo data");
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let leptos_options = LeptosOptions::builder()
        .output_name("selpos")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let throttle = crate::throttle::Throttle::new();
    let app = http::router(AppState {
        db: db.clone(),
        leptos_options,
        secure_cookies: config.secure_cookies,
        printers: crate::printing::PrinterQueues::new(),
        throttle: throttle.clone(),
    });
    let summaries = tokio::spawn(write_failure_summaries(db.clone(), throttle.clone()));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let summary_db = db.clone();
    let task = tokio::spawn(async move {
        // The client's address is what sign-in is rate limited by.
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = rx => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            })
            .await;
        summaries.abort();
        if let Err(e) = crate::usecases::sessions::flush_failure_summaries(&summary_db, &throttle, true).await
        {
            tracing::warn!(error = %e, "failed sign-ins not summarised in the audit log");
        }
        served
    });
    Ok(Running {
        addr,
        db,
        shutdown: Some(tx),
        task,
    })
}
