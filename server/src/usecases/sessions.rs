//! Signing in and out: a password for staff, a PIN for cashiers on a registered tablet; the
//! sessions that follow, and the lock after repeated failures.

use crate::db::users::Secret;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::secrets;
use crate::throttle::{self, Gate, SummaryKey, SummaryRow, Throttle};
use crate::usecases::audit;
use chrono::{DateTime, Duration, Utc};
use selpos_domain::access::{Principal, Role};
use selpos_domain::events::RegisterRef;
use selpos_domain::users::{LoginInput, PinLoginInput, SessionInfo, User};
use std::net::IpAddr;

/// Failed attempts in a row before a secret (the password, or the PIN) is locked, and for how
/// long.
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

/// Where an attempt at a secret comes from (the client's address) and the limits it is held
/// to.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub throttle: &'a Throttle,
    pub address: IpAddr,
}

/// An attempt at a secret: which gate it came through, whose secret, and what was given.
pub(crate) struct Attempt<'a> {
    pub gate: Gate,
    pub secret: Secret,
    pub login: &'a str,
    pub given: &'a str,
    pub register_id: Option<i64>,
}

impl Secret {
    fn code(self) -> &'static str {
        match self {
            Secret::Password => "password",
            Secret::Pin => "pin",
        }
    }
}

/// Minutes until `until`, rounded up (for the lock's message and `Retry-After`).
fn minutes_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    ((until - now).num_seconds() + 59) / 60
}

/// Checks a secret of `attempt.login`, in this order, each step refusing before the costly
/// ones: the rate limits of the client's address and of the login (429 `rate_limited`); the
/// secret's lock (429 `locked`); then one attempt is taken from the secret's count in one
/// statement (so parallel guesses each use one up, and those past [`MAX_FAILURES`] are refused
/// as locked, never checked); then argon2 under its concurrency cap. Failures are summarised
/// in the audit log (see [`crate::throttle`]). PIN and password have separate counts and locks.
pub(crate) async fn check_secret(
    db: &Db,
    origin: Origin<'_>,
    attempt: Attempt<'_>,
    pick: fn(&db::users::UserRecord) -> Option<&str>,
) -> Result<db::users::UserRecord> {
    let login = attempt.login.trim().to_ascii_lowercase();
    let now = Utc::now();
    if let Err(refused) = origin.throttle.admit(attempt.gate, origin.address, &login) {
        let key = SummaryKey {
            action: "session.rate_limited",
            kind: attempt.gate.code(),
            subject: throttle::client_key(origin.address).to_string(),
        };
        let rows = origin
            .throttle
            .note(key, None, attempt.register_id, origin.address, now);
        write_summaries(db, &rows).await?;
        return Err(origin.throttle.delay_refusal(refused).await.into());
    }
    let record = {
        let mut tx = db.read().await?;
        db::users::by_login(&mut tx, &login).await?
    };
    let candidate = record.filter(|r| r.user.active);
    let failed = |user_id: Option<i64>| {
        origin.throttle.failed(attempt.gate, origin.address, &login);
        let key = SummaryKey {
            action: "session.login_failed",
            kind: attempt.secret.code(),
            subject: login.clone(),
        };
        origin
            .throttle
            .note(key, user_id, attempt.register_id, origin.address, now)
    };
    if let Some(r) = &candidate {
        if let Some(until) = r.locked_until(attempt.secret).filter(|until| *until > now) {
            write_summaries(db, &failed(Some(r.user.id))).await?;
            return Err(Error::Locked(minutes_until(until, now)));
        }
        let lock_until = now + Duration::minutes(LOCK_MINUTES);
        let mut tx = db.write().await?;
        let taken =
            db::users::take_attempt(&mut tx, r.user.id, attempt.secret, MAX_FAILURES, now, lock_until)
                .await?;
        tx.commit().await?;
        if taken.is_none() {
            write_summaries(db, &failed(Some(r.user.id))).await?;
            return Err(Error::Locked(LOCK_MINUTES));
        }
    }
    // Verify even for an unknown login, so both take the same time.
    let hash = candidate.as_ref().and_then(pick).map(String::from);
    let ok = origin
        .throttle
        .checks()
        .verify(hash, attempt.given.to_string())
        .await?;
    match candidate {
        Some(r) if ok => {
            let mut tx = db.write().await?;
            db::users::record_success(&mut tx, r.user.id, attempt.secret).await?;
            tx.commit().await?;
            Ok(r)
        }
        candidate => {
            write_summaries(db, &failed(candidate.map(|r| r.user.id))).await?;
            Err(Error::BadCredentials)
        }
    }
}

/// Writes failure summaries to the audit log: one row each, naming the login (or address)
/// tried, how many attempts and between when.
async fn write_summaries(db: &Db, rows: &[SummaryRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.write().await?;
    for row in rows {
        let after = serde_json::json!({
            "kind": row.key.kind,
            "attempts": row.count,
            "from": row.from,
            "until": row.until,
            "address": row.address,
        });
        audit::record_as(
            &mut tx,
            row.user_id,
            &row.key.subject,
            row.register_id,
            row.key.action,
            "user",
            None,
            None::<&()>,
            Some(&after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes the failure summaries whose windows have closed (every open one when `all`, as the
/// server stops). The server calls it every minute.
pub async fn flush_failure_summaries(db: &Db, throttle: &Throttle, all: bool) -> Result<()> {
    write_summaries(db, &throttle.closed(Utc::now(), all)).await
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
pub async fn login(
    db: &Db,
    origin: Origin<'_>,
    input: &LoginInput,
    device_token: Option<&str>,
) -> Result<NewSession> {
    input.validated()?;
    let attempt = Attempt {
        gate: Gate::SignIn,
        secret: Secret::Password,
        login: &input.login,
        given: &input.password,
        register_id: None,
    };
    let record = check_secret(db, origin, attempt, |r| r.password_hash.as_deref()).await?;
    // A council user signing in on a registered tablet keeps its register (to approve there).
    let device = match device_token {
        Some(token) => db::devices::by_token(&mut db.read().await?, &secrets::token_hash(token)).await?,
        None => None,
    };
    open_session(db, record.user, device.as_ref()).await
}

/// A cashier signs in with their PIN, on a tablet registered to a register.
pub async fn pin_login(
    db: &Db,
    origin: Origin<'_>,
    input: &PinLoginInput,
    device_token: Option<&str>,
) -> Result<NewSession> {
    input.validated()?;
    let device = match device_token {
        Some(token) => db::devices::by_token(&mut db.read().await?, &secrets::token_hash(token)).await?,
        None => None,
    };
    let Some(device) = device else {
        return Err(Error::Conflict(
            "この端末はレジとして登録されていません。協議会の職員に登録を依頼してください".into(),
        ));
    };
    let attempt = Attempt {
        gate: Gate::SignIn,
        secret: Secret::Pin,
        login: &input.login,
        given: &input.pin,
        register_id: Some(device.register_id),
    };
    let record = check_secret(db, origin, attempt, |r| {
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
