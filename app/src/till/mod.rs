//! The till behind the レジ page: what it sells, how a cart becomes a sale, and how sales reach
//! the server when the venue's Wi-Fi comes and goes.
//!
//! A completed sale is written to IndexedDB first ([`store`]) and only then sent
//! ([`sync`]); the server is idempotent on the sale's id, so sending twice is harmless and
//! losing one is not. The arithmetic is `selpos_domain::sales::cart`, the same code the server runs.

pub mod barcode;
pub mod browser;
pub mod cart;
pub mod display;
pub mod easy;
pub mod store;
pub mod sync;
