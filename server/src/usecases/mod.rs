//! What selpos does, one file per capability. Each use case checks who is asking (the rules of
//! `selpos_domain::access`), parses its input with the domain, reads what it needs, decides
//! with the domain, writes in one transaction with its audit record, and answers. The
//! transaction boundary lives here; SQL lives in `crate::db`, HTTP in `crate::http`. Requests
//! that move money or stock are recorded exactly once ([`once`]); every change is written with
//! its audit record ([`audit::commit`]).
//!
//! People and tablets: [`sessions`] (sign-in), [`users`], [`devices`], [`approvals`], [`audit`].
//! Master data: [`council`], [`facilities`], [`products`] and their [`photos`], [`events`],
//! [`imports`] (CSV).
//! Selling: [`sales`], [`receipts`], [`stock`], [`displays`] (お客様画面). Closing: [`register_sessions`], [`settlement`].
//! The joint order desk (共同受注窓口): [`orders`]; group purchases (共同購入): [`purchases`].
//! Reporting: [`wages`]. A venue laptop's event into the central database: [`event_transfer`].
//!
//! A new sales channel (joint orders, gift seasons, …) gets a file here, named as its domain
//! module, its `db` and `http` files and its page.

pub mod approvals;
pub mod audit;
pub mod council;
pub mod devices;
pub mod displays;
pub mod event_transfer;
pub mod events;
pub mod facilities;
pub mod gifts;
pub mod imports;
pub mod income;
pub mod once;
pub mod orders;
pub mod photos;
pub mod products;
pub mod receipts;
pub mod register_sessions;
pub mod sales;
pub mod sessions;
pub mod settlement;
pub mod shop_periods;
pub mod stock;
pub mod users;
pub mod vending;
// 共同購入
pub mod purchases;
pub mod wages;

use crate::error::{Error, Result};

/// Goes on when an access rule (`selpos_domain::access`) allows it; else 403.
pub(crate) fn allow(permitted: bool) -> Result<()> {
    if permitted { Ok(()) } else { Err(Error::Forbidden) }
}
