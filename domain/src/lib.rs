//! The pure domain of selpos: money, consumption tax, codes printed on goods and invoices,
//! validation of master data, and the data shapes of the JSON API.
//!
//! Nothing here does I/O; it compiles to native code for the server and to WASM for the
//! tablet, so both compute exactly the same figures.

pub mod access;
pub mod api;
pub mod cart;
pub mod codes;
pub mod money;
pub mod receipt;
pub mod settlement;
pub mod stock;
pub mod sync;
pub mod tax;
pub mod validation;
pub mod wages;

pub use money::Yen;
pub use tax::{RoundingMode, TaxRate};
