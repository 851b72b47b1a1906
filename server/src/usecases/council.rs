//! The council's own record and settings (council admins change them).

use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::council::{Council, CouncilInput};

fn placeholder_council() -> Council {
    Council {
        name: "(協議会名未設定)".into(),
        invoice_number: None,
        address: String::new(),
        phone: String::new(),
        receipt_footer: String::new(),
        tax_rounding: Default::default(),
        voucher_gives_change: false,
        payout_approval_limit: selpos_domain::council::DEFAULT_PAYOUT_APPROVAL_LIMIT,
        printer_ports: selpos_domain::council::default_printer_ports(),
        allow_link_local_printers: false,
        bank_account: String::new(),
        updated_at: Utc::now(),
    }
}

/// The council's record; a fresh database has a placeholder until the council fills it in.
pub async fn get(db: &Db) -> Result<Council> {
    Ok(db::council::get(&mut db.read().await?)
        .await?
        .unwrap_or_else(placeholder_council))
}

pub async fn update(db: &Db, actor: &Principal, input: &CouncilInput) -> Result<Council> {
    allow(actor.may_administer())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let before = db::council::get(&mut tx).await?;
    db::council::put(&mut tx, &input, Utc::now()).await?;
    let after = db::council::get(&mut tx)
        .await?
        .unwrap_or_else(placeholder_council);
    audit::commit(tx, actor, "council.update", "council", 1, before.as_ref(), after).await
}
