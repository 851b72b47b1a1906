//! お客様画面: the screen facing the customer follows the till. The till asks for a link (and
//! its QR code) once, then publishes what it shows; the screen, signed in as no one, reads it
//! by the link's token. Nothing here moves money: the state is what the till displays.

use super::allow;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::secrets::{new_token, token_hash};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::customer_display::{
    DisplayLink, DisplayLinkInput, DisplayState, DisplayView, check_origin, display_path,
};
use selpos_domain::validation::FieldErrors;

/// A new link for the register's screen (the last one stops working), with its QR code. The
/// origin is the one the till reached the server at: a phone on the same network scans it.
pub async fn new_link(
    db: &Db,
    actor: &Principal,
    register_id: i64,
    input: &DisplayLinkInput,
) -> Result<DisplayLink> {
    allow(actor.may_operate_register(register_id))?;
    let origin = check_origin(&input.origin).map_err(|message| {
        let mut errors = FieldErrors::default();
        errors.add("origin", "invalid", message);
        Error::Validation(errors)
    })?;
    let token = new_token();
    let mut tx = db.write().await?;
    db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    db::displays::set_token(&mut tx, register_id, &token_hash(&token)).await?;
    tx.commit().await?;
    let url = format!("{origin}{}", display_path(&token));
    let qr_svg =
        crate::qr::svg(&url).ok_or_else(|| Error::Conflict("リンクが長すぎてQRコードにできません".into()))?;
    Ok(DisplayLink { url, qr_svg })
}

/// What the till shows now. A state older than the kept one is ignored (answered all the
/// same: the till has nothing to do about it).
pub async fn publish(db: &Db, actor: &Principal, register_id: i64, state: DisplayState) -> Result<()> {
    allow(actor.may_sell_on(register_id))?;
    let state = state.validated().map_err(Error::Validation)?;
    let json = serde_json::to_string(&state).map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = db.write().await?;
    db::displays::publish(&mut tx, register_id, state.seq, &json, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The screen's view by its link's token: 404 for a token that is not (or no longer) a link.
pub async fn show(db: &Db, token: &str) -> Result<DisplayView> {
    // A token is 43 characters of URL-safe base64; anything else is no link of ours.
    if token.len() > 64
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::NotFound("お客様画面"));
    }
    let mut tx = db.read().await?;
    let row = db::displays::by_token_hash(&mut tx, &token_hash(token))
        .await?
        .ok_or(Error::NotFound("お客様画面"))?;
    let council_name = db::council::get(&mut tx)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let state = row
        .state
        .as_deref()
        .map(serde_json::from_str::<DisplayState>)
        .transpose()
        .map_err(|e| Error::Internal(format!("display state of register {}: {e}", row.register_id)))?;
    Ok(DisplayView {
        council_name,
        event_name: row.event_name,
        register_name: row.register_name,
        state,
        updated_at: row.updated_at,
    })
}
