//! The pure domain of selpos: money, consumption tax, codes printed on goods and invoices, the
//! data shapes of the JSON API with the checks on every input, and the arithmetic of sales,
//! receipts, register sessions, settlement and wages.
//!
//! Nothing here does I/O; it compiles to native code for the server and to WASM for the
//! tablet, so both compute exactly the same figures. One module per topic, named as the
//! server's use cases, database and HTTP modules are (`sales`, `register_sessions`, …):
//!
//! - foundations: [`money`], [`tax`], [`codes`], [`validation`], [`access`];
//! - master data: [`facilities`], [`products`] (with their [`photos`]), [`events`], [`council`];
//! - people and tablets: [`users`], [`devices`], [`approvals`], [`audit`];
//! - selling: [`sales`] (cart, payment, reversals), [`receipts`], [`printers`], [`stock`],
//!   [`sync`] (the tablet's retry rule); [`cash`] and [`reading`] for the やさしいレジ;
//!   [`customer_display`] (お客様画面);
//! - closing: [`register_sessions`] (レジ開け・締め), [`settlement`] (精算), [`dashboard`];
//! - [`orders`] (共同受注窓口: joint orders split across facilities, invoiced and paid out);
//! - [`purchases`] (共同購入: the council buys for its facilities, bills and collects);
//! - [`wages`] (工賃) and [`health`];
//! - [`event_transfer`]: a venue laptop's event brought into the central database.

pub mod access;
pub mod approvals;
pub mod audit;
pub mod cash;
pub mod codes;
pub mod council;
pub mod customer_display;
pub mod dashboard;
pub mod devices;
pub mod event_transfer;
pub mod events;
pub mod facilities;
pub mod gifts;
pub mod health;
pub mod income;
pub mod money;
pub mod orders;
pub mod photos;
pub mod printers;
pub mod products;
pub mod purchases;
pub mod reading;
pub mod receipts;
pub mod register_sessions;
pub mod sales;
pub mod settlement;
pub mod shop_periods;
pub mod stock;
pub mod sync;
pub mod tax;
pub mod users;
pub mod validation;
pub mod vending;
pub mod wages;

pub use money::Yen;
pub use tax::{RoundingMode, TaxRate};
