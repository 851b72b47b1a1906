//! The black-box tests, one module per capability: HTTP against a real server on SQLite and
//! PostgreSQL, and the UI in headless Chromium.

mod access;
mod api;
mod auth;
mod backup;
mod browser;
mod chaos;
mod drawer;
mod eat_in;
mod event_transfer;
mod group_commit;
mod instances;
mod limits;
mod logs;
mod openapi;
mod photos;
mod photos_browser;
mod power_loss;
mod printers;
mod receipts;
mod register_browser;
mod sales;
mod sales_batch;
mod schema;
mod settlement;
mod signin;
mod site;
mod stock;
mod sweep;
mod till_mode_browser;
mod tls;
mod tls_browser;
mod vouchers;
mod wages;
