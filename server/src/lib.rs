//! The selpos server: HTTP API and pages, use cases, database, demo data, CLI.
#![recursion_limit = "256"]

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod cli;
pub mod csv_import;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod masterdata;
pub mod printing;
pub mod receipts;
pub mod registers;
pub mod sales;
pub mod server;
pub mod settlement;
pub mod stock;
pub mod wages;
