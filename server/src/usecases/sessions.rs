//! Signing in and out: a password for staff, a PIN for cashiers on a registered tablet; the
//! sessions that follow, and the lock after repeated failures.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::secrets;
use crate::usecases::audit;
use chrono::{DateTime, Duration, Utc};
use selpos_domain::access::{Principal, Role};
use selpos_domain::events::RegisterRef;
use selpos_domain::users::{SessionInfo, User};

/// Failed attempts in a row before an account is locked, and for how long.
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// How long a staff session lasts, and a cashier's (a whole event day).
pub const STAFF_SESSION_HOURS: i64 = 12;
pub const CASHIER_SESSION_HOURS: i64 = 14;

/// A new session: the cookie token (given to the browser once, stored hashed) and its details.
pub struct NewSession {
    pub token: String,
    pub info: SessionInfo,
}

/// The caller of a request, from its session cookie.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub csrf_token: String,
}

/// Refuses a locked account with how long it stays locked.
fn ensure_unlocked(record: &db::users::UserRecord, now: DateTime<Utc>) -> Result<()> {
    match record.locked_until {
        Some(until) if until > now => Err(Error::Locked(((until - now).num_seconds() + 59) / 60)),
        _ => Ok(()),
    }
}

/// Checks a secret of `login`; counts failures, locks after [`MAX_FAILURES`], audits both.
pub(crate) async fn check_secret(
    db: &Db,
    login: &str,
    secret: &str,
    register_id: Option<i64>,
    pick: fn(&db::users::UserRecord) -> Option<&str>,
) -> Result<db::users::UserRecord> {
    let login = login.trim().to_ascii_lowercase();
    let now = Utc::now();
    let record = {
        let mut tx = db.read().await?;
        db::users::by_login(&mut tx, &login).await?
    };
    let candidate = record.as_ref().filter(|r| r.user.active);
    if let Some(r) = candidate {
        ensure_unlocked(r, now)?;
    }
    // Verify even for an unknown login, so both take the same time.
    let secret = secret.to_string();
    let hash = candidate.and_then(pick).map(String::from);
    let ok = tokio::task::spawn_blocking(move || secrets::verify(hash.as_deref(), &secret))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = db.write().await?;
    let result = match candidate {
        Some(r) if ok => {
            db::users::record_success(&mut tx, r.user.id).await?;
            Ok(r.clone())
        }
        Some(r) => {
            db::users::record_failure(
                &mut tx,
                r.user.id,
                MAX_FAILURES,
                now + Duration::minutes(LOCK_MINUTES),
            )
            .await?;
            Err(Error::BadCredentials)
        }
        None => Err(Error::BadCredentials),
    };
    if result.is_err() {
        let none: Option<&()> = None;
        audit::record_as(
            &mut tx,
            candidate.map(|r| r.user.id),
            &login,
            register_id,
            "session.login_failed",
            "user",
            None,
            none,
            none,
        )
        .await?;
    }
    tx.commit().await?;
    result
}

async fn open_session(db: &Db, user: User, device: Option<&db::devices::DeviceRow>) -> Result<NewSession> {
    let now = Utc::now();
    let hours = if user.role == Role::Cashier {
        CASHIER_SESSION_HOURS
    } else {
        STAFF_SESSION_HOURS
    };
    let token = secrets::new_token();
    let csrf_token = secrets::new_token();
    let expires_at = now + Duration::hours(hours);
    let mut tx = db.write().await?;
    db::sessions::delete_expired(&mut tx, now).await?;
    db::sessions::insert(
        &mut tx,
        &db::sessions::NewSession {
            token_hash: &secrets::token_hash(&token),
            user_id: user.id,
            device_id: device.map(|d| d.id),
            csrf_token: &csrf_token,
            expires_at,
        },
        now,
    )
    .await?;
    let principal = principal(&user, device.map(|d| d.register_id));
    let none: Option<&()> = None;
    audit::record(&mut tx, &principal, "session.login", "user", user.id, none, none).await?;
    tx.commit().await?;
    Ok(NewSession {
        token,
        info: SessionInfo {
            user,
            csrf_token,
            expires_at,
            register: device.map(|d| d.register()),
        },
    })
}

fn principal(user: &User, register_id: Option<i64>) -> Principal {
    Principal {
        user_id: user.id,
        login: user.login.clone(),
        role: user.role,
        facility_id: user.facility_id,
        register_id,
    }
}

/// Staff sign in with id and password. Cashiers have no password: they use their PIN on a
/// registered tablet.
pub async fn login(db: &Db, login: &str, password: &str, device_token: Option<&str>) -> Result<NewSession> {
    let record = check_secret(db, login, password, None, |r| r.password_hash.as_deref()).await?;
    // A council user signing in on a registered tablet keeps its register (to approve there).
    let device = match device_token {
        Some(token) => db::devices::by_token(&mut db.read().await?, &secrets::token_hash(token)).await?,
        None => None,
    };
    open_session(db, record.user, device.as_ref()).await
}

/// A cashier signs in with their PIN, on a tablet registered to a register.
pub async fn pin_login(db: &Db, login: &str, pin: &str, device_token: Option<&str>) -> Result<NewSession> {
    let device = match device_token {
        Some(token) => db::devices::by_token(&mut db.read().await?, &secrets::token_hash(token)).await?,
        None => None,
    };
    let Some(device) = device else {
        return Err(Error::Conflict(
            "この端末はレジとして登録されていません。協議会の職員に登録を依頼してください".into(),
        ));
    };
    let record = check_secret(db, login, pin, Some(device.register_id), |r| {
        if r.user.role == Role::Cashier {
            r.pin_hash.as_deref()
        } else {
            None
        }
    })
    .await?;
    open_session(db, record.user, Some(&device)).await
}

/// The caller behind a session token, if the session is live.
pub async fn caller(db: &Db, token: &str) -> Result<Option<Caller>> {
    let mut tx = db.read().await?;
    resolve(&mut tx, token)
        .await
        .map(|found| found.map(|(caller, _)| caller))
}

async fn resolve(tx: &mut Tx, token: &str) -> Result<Option<(Caller, SessionInfo)>> {
    let Some(session) = db::sessions::live(tx, &secrets::token_hash(token), Utc::now()).await? else {
        return Ok(None);
    };
    let Some(record) = db::users::by_id(tx, session.user_id).await? else {
        return Ok(None);
    };
    let device = match session.device_id {
        Some(id) => db::devices::by_id(tx, id).await?,
        None => None,
    };
    let register: Option<RegisterRef> = device.as_ref().map(|d| d.register());
    let caller = Caller {
        principal: principal(&record.user, register.as_ref().map(|r| r.register_id)),
        csrf_token: session.csrf_token.clone(),
    };
    let info = SessionInfo {
        user: record.user,
        csrf_token: session.csrf_token,
        expires_at: session.expires_at,
        register,
    };
    Ok(Some((caller, info)))
}

/// `GET /api/v1/session`
pub async fn session_info(db: &Db, token: &str) -> Result<SessionInfo> {
    let mut tx = db.read().await?;
    resolve(&mut tx, token)
        .await?
        .map(|(_, info)| info)
        .ok_or(Error::Unauthenticated)
}

pub async fn logout(db: &Db, token: &str) -> Result<()> {
    let mut tx = db.write().await?;
    db::sessions::delete(&mut tx, &secrets::token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the database has no user yet (first start: an administrator must be created).
pub async fn has_no_users(db: &Db) -> Result<bool> {
    Ok(db::users::count(&mut db.read().await?).await? == 0)
}
