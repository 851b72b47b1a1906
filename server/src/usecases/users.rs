//! Users: created and changed by council admins in the UI or by the operator on the CLI.

use crate::db::constraints::Unique;
use crate::db::{self, Db};
use crate::error::{Error, OnUnique, Result};
use crate::secrets;
use crate::usecases::audit;
use chrono::Utc;
use selpos_domain::access::{Principal, Role};
use selpos_domain::users::{User, UserInput};

const DUPLICATE_LOGIN: &str = "このログインIDはすでに使われています";

/// The operator at the command line, as the audit log names them.
pub fn cli_operator() -> Principal {
    Principal {
        user_id: 0,
        login: "(cli)".into(),
        role: Role::CouncilAdmin,
        facility_id: None,
        register_id: None,
    }
}

pub async fn list(db: &Db, actor: &Principal) -> Result<Vec<User>> {
    if !actor.may_administer() {
        return Err(Error::Forbidden);
    }
    Ok(db::users::list(&mut db.read().await?).await?)
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<User> {
    if !actor.may_administer() && actor.user_id != id {
        return Err(Error::Forbidden);
    }
    db::users::by_id(&mut db.read().await?, id)
        .await?
        .map(|r| r.user)
        .ok_or(Error::NotFound("ユーザー"))
}

/// Hashes the secrets of an input off the async runtime (argon2 is deliberately slow).
async fn hash_secrets(input: &UserInput) -> Result<(Option<String>, Option<String>)> {
    let (password, pin) = (input.password.clone(), input.pin.clone());
    tokio::task::spawn_blocking(move || {
        let password = password.as_deref().map(secrets::hash).transpose()?;
        let pin = pin.as_deref().map(secrets::hash).transpose()?;
        Ok::<_, argon2::password_hash::Error>((password, pin))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
    .map_err(Error::from)
}

async fn require_facility(db: &Db, input: &UserInput) -> Result<()> {
    if let Some(facility_id) = input.facility_id
        && db::facilities::get(&mut db.read().await?, facility_id)
            .await?
            .is_none()
    {
        return Err(Error::field(
            "facility_id",
            "not_found",
            "指定された事業所がありません",
        ));
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Principal, input: &UserInput) -> Result<User> {
    if !actor.may_administer() {
        return Err(Error::Forbidden);
    }
    let input = input.validated(true).map_err(Error::Validation)?;
    require_facility(db, &input).await?;
    let (password_hash, pin_hash) = hash_secrets(&input).await?;
    let mut tx = db.write().await?;
    let write = db::users::UserWrite {
        login: &input.login,
        display_name: &input.display_name,
        role: input.role,
        facility_id: input.facility_id,
        password_hash: password_hash.as_deref(),
        pin_hash: pin_hash.as_deref(),
        active: input.active,
        easy_till: input.easy_till,
    };
    let id = db::users::insert(&mut tx, &write, Utc::now())
        .await
        .on_unique(Unique::UserLogin, DUPLICATE_LOGIN)?;
    let user = db::users::by_id(&mut tx, id)
        .await?
        .map(|r| r.user)
        .ok_or(Error::NotFound("ユーザー"))?;
    audit::commit(tx, actor, "user.create", "user", id, None::<&User>, user).await
}

/// Changes a user. A new password or PIN, or deactivation, ends the user's open sessions.
pub async fn update(db: &Db, actor: &Principal, id: i64, input: &UserInput) -> Result<User> {
    if !actor.may_administer() {
        return Err(Error::Forbidden);
    }
    let input = input.validated(false).map_err(Error::Validation)?;
    if id == actor.user_id && (!input.active || input.role != Role::CouncilAdmin) {
        return Err(Error::Conflict("自分自身の管理者権限は外せません".into()));
    }
    require_facility(db, &input).await?;
    let (password_hash, pin_hash) = hash_secrets(&input).await?;
    let mut tx = db.write().await?;
    let before = db::users::by_id(&mut tx, id)
        .await?
        .map(|r| r.user)
        .ok_or(Error::NotFound("ユーザー"))?;
    let write = db::users::UserWrite {
        login: &input.login,
        display_name: &input.display_name,
        role: input.role,
        facility_id: input.facility_id,
        password_hash: password_hash.as_deref(),
        pin_hash: pin_hash.as_deref(),
        active: input.active,
        easy_till: input.easy_till,
    };
    db::users::update(&mut tx, id, &write, Utc::now())
        .await
        .on_unique(Unique::UserLogin, DUPLICATE_LOGIN)?;
    if password_hash.is_some() || pin_hash.is_some() || !input.active || input.role != before.role {
        db::sessions::delete_for_user(&mut tx, id).await?;
    }
    let after = db::users::by_id(&mut tx, id)
        .await?
        .map(|r| r.user)
        .ok_or(Error::NotFound("ユーザー"))?;
    let action = if password_hash.is_some() || pin_hash.is_some() {
        "user.secret_change"
    } else {
        "user.update"
    };
    audit::commit(tx, actor, action, "user", id, Some(&before), after).await
}

/// The CLI: `selpos user passwd LOGIN` / `selpos user pin LOGIN` / `selpos user disable LOGIN`.
pub async fn change_by_login(db: &Db, login: &str, change: impl FnOnce(&mut UserInput)) -> Result<User> {
    let record = db::users::by_login(&mut db.read().await?, &login.trim().to_ascii_lowercase())
        .await?
        .ok_or(Error::NotFound("ユーザー"))?;
    let u = record.user;
    let mut input = UserInput {
        login: u.login,
        display_name: u.display_name,
        role: u.role,
        facility_id: u.facility_id,
        password: None,
        pin: None,
        active: u.active,
        easy_till: u.easy_till,
    };
    change(&mut input);
    update(db, &cli_operator(), u.id, &input).await
}
