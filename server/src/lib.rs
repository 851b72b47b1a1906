//! The selpos server: HTTP API and pages, use cases, database, printing, demo data, CLI.
//!
//! - [`http`]: routes, extractors, the JSON error shape; handlers parse, call one use case
//!   and answer;
//! - [`usecases`]: what selpos does, one file per capability, each the transaction boundary;
//! - [`db`]: the pool, migrations and all SQL, one file per aggregate, written once for both
//!   SQLite and PostgreSQL;
//! - [`printing`]: ESC/POS receipts and the network printer queue;
//! - [`secrets`]: password, PIN and token hashing (argon2 under a concurrency cap);
//! - [`throttle`]: rate limits of sign-in and approvals, failure summaries for the audit log;
//! - [`spreadsheet`]: CSV for Excel (BOM, formulas neutralised);
//! - [`server`], [`cli`], [`backup`], [`demo`]: wiring, the command line, backups, demo data;
//! - [`tls`]: HTTPS, with selpos's own local certificate authority by default on a LAN.
#![recursion_limit = "256"]

pub mod backup;
pub mod cli;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod printing;
pub mod qr;
pub mod secrets;
pub mod server;
pub mod site;
pub mod spreadsheet;
pub mod throttle;
pub mod tls;
pub mod usecases;
