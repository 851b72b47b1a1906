//! Tablets registered as tills: a council user registers a tablet to a register once; after
//! that, cashiers sign in on it with their PIN.

use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::secrets;
use crate::usecases::audit;
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::devices::{CashierRef, Device, DeviceInput, DeviceStatus};
use selpos_domain::validation::FieldErrors;

fn device(row: db::devices::DeviceRow) -> Device {
    Device {
        id: row.id,
        name: row.name.clone(),
        register: row.register(),
        registered_by: row.registered_by.clone(),
        created_at: row.created_at,
        revoked: row.revoked,
    }
}

/// Registers the caller's browser as a till of a register. Returns the device and the token
/// for its cookie (given out once).
pub async fn register(db: &Db, actor: &Principal, input: &DeviceInput) -> Result<(Device, String)> {
    if !actor.may_manage_council_data() {
        return Err(Error::Forbidden);
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        let mut e = FieldErrors::default();
        e.add("name", "required", "端末名を40文字以内で入力してください");
        return Err(Error::Validation(e));
    }
    let token = secrets::new_token();
    let mut tx = db.write().await?;
    if !db::devices::register_exists(&mut tx, input.register_id).await? {
        return Err(Error::field(
            "register_id",
            "not_found",
            "指定されたレジがありません",
        ));
    }
    let id = db::devices::insert(
        &mut tx,
        &secrets::token_hash(&token),
        name,
        input.register_id,
        actor.user_id,
        Utc::now(),
    )
    .await?;
    let registered = db::devices::by_id(&mut tx, id)
        .await?
        .map(device)
        .ok_or(Error::NotFound("端末"))?;
    audit::commit(
        tx,
        actor,
        "device.register",
        "device",
        id,
        None::<&Device>,
        &registered,
    )
    .await?;
    Ok((registered, token))
}

pub async fn list(db: &Db, actor: &Principal) -> Result<Vec<Device>> {
    if !actor.may_manage_council_data() {
        return Err(Error::Forbidden);
    }
    Ok(db::devices::list(&mut db.read().await?)
        .await?
        .into_iter()
        .map(device)
        .collect())
}

/// Revokes a tablet (lost, or returned): its cookie stops working and its sessions end.
pub async fn revoke(db: &Db, actor: &Principal, id: i64) -> Result<Device> {
    if !actor.may_manage_council_data() {
        return Err(Error::Forbidden);
    }
    let mut tx = db.write().await?;
    let before = db::devices::by_id(&mut tx, id)
        .await?
        .map(device)
        .ok_or(Error::NotFound("端末"))?;
    db::devices::revoke(&mut tx, id, Utc::now()).await?;
    let after = db::devices::by_id(&mut tx, id)
        .await?
        .map(device)
        .ok_or(Error::NotFound("端末"))?;
    audit::commit(tx, actor, "device.revoke", "device", id, Some(&before), after).await
}

/// What a registered tablet shows before anyone signs in: its register and the cashiers.
pub async fn status(db: &Db, device_token: Option<&str>) -> Result<DeviceStatus> {
    let mut tx = db.read().await?;
    let Some(token) = device_token else {
        return Err(Error::NotFound("登録済みの端末"));
    };
    let row = db::devices::by_token(&mut tx, &secrets::token_hash(token))
        .await?
        .ok_or(Error::NotFound("登録済みの端末"))?;
    let cashiers = db::users::active_cashiers(&mut tx)
        .await?
        .into_iter()
        .map(|u| CashierRef {
            login: u.login,
            display_name: u.display_name,
        })
        .collect();
    Ok(DeviceStatus {
        device_id: row.id,
        name: row.name.clone(),
        register: row.register(),
        cashiers,
    })
}
