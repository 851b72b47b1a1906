//! SQL for users and their sign-in counters.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::access::Role;
use selpos_domain::users::User;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    facility_id: Option<i64>,
    password_hash: Option<String>,
    pin_hash: Option<String>,
    active: bool,
    easy_till: bool,
    failed_attempts: i64,
    locked_until: Option<DateTime<Utc>>,
    pin_failed_attempts: i64,
    pin_locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A user with the secrets needed to check a sign-in; never leaves the server.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
    /// Password sign-ins begun since the last one that succeeded, and the lock they caused.
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// The same for the PIN (PIN sign-in and approvals), counted apart.
    pub pin_failed_attempts: i64,
    pub pin_locked_until: Option<DateTime<Utc>>,
}

impl UserRecord {
    /// Until when `secret` is locked for this user, if it is.
    pub fn locked_until(&self, secret: Secret) -> Option<DateTime<Utc>> {
        match secret {
            Secret::Password => self.locked_until,
            Secret::Pin => self.pin_locked_until,
        }
    }
}

/// Which secret a sign-in checks: each has its own failure count and lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secret {
    Password,
    Pin,
}

impl Secret {
    /// The counter and lock columns of this secret.
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Secret::Password => ("failed_attempts", "locked_until"),
            Secret::Pin => ("pin_failed_attempts", "pin_locked_until"),
        }
    }
}

impl TryFrom<UserRow> for UserRecord {
    type Error = sqlx::Error;
    fn try_from(r: UserRow) -> Result<Self, Self::Error> {
        let role = Role::from_code(&r.role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {:?}", r.role).into()))?;
        Ok(UserRecord {
            user: User {
                id: r.id,
                login: r.login,
                display_name: r.display_name,
                role,
                facility_id: r.facility_id,
                has_pin: r.pin_hash.is_some(),
                active: r.active,
                easy_till: r.easy_till,
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            password_hash: r.password_hash,
            pin_hash: r.pin_hash,
            failed_attempts: r.failed_attempts,
            locked_until: r.locked_until,
            pin_failed_attempts: r.pin_failed_attempts,
            pin_locked_until: r.pin_locked_until,
        })
    }
}

const COLUMNS: &str = "id, login, display_name, role, facility_id, password_hash, pin_hash, active, easy_till, failed_attempts, \
                       locked_until, pin_failed_attempts, pin_locked_until, created_at, updated_at";

async fn select(
    tx: &mut Tx,
    filter: &str,
    id: Option<i64>,
    login: Option<&str>,
) -> Result<Vec<UserRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY role, login");
    let rows: Vec<UserRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(login)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter().map(UserRecord::try_from).collect()
}

pub async fn list(tx: &mut Tx) -> Result<Vec<User>, sqlx::Error> {
    Ok(select(
        tx,
        "($1 IS NULL OR id = $1) AND ($2 IS NULL OR login = $2)",
        None,
        None,
    )
    .await?
    .into_iter()
    .map(|r| r.user)
    .collect())
}

pub async fn by_id(tx: &mut Tx, id: i64) -> Result<Option<UserRecord>, sqlx::Error> {
    Ok(
        select(tx, "id = $1 AND ($2 IS NULL OR login = $2)", Some(id), None)
            .await?
            .pop(),
    )
}

pub async fn by_login(tx: &mut Tx, login: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    Ok(
        select(tx, "($1 IS NULL OR id = $1) AND login = $2", None, Some(login))
            .await?
            .pop(),
    )
}

/// Active cashiers, for the PIN screen of a registered tablet.
pub async fn active_cashiers(tx: &mut Tx) -> Result<Vec<User>, sqlx::Error> {
    Ok(select(
        tx,
        "role = 'cashier' AND active AND ($1 IS NULL OR id = $1) AND ($2 IS NULL OR login = $2)",
        None,
        None,
    )
    .await?
    .into_iter()
    .map(|r| r.user)
    .collect())
}

pub async fn count(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await)
}

/// The fields of a user that `insert` and `update` write; `None` hashes keep the current ones.
pub struct UserWrite<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub facility_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub pin_hash: Option<&'a str>,
    pub active: bool,
    pub easy_till: bool,
}

pub async fn insert(tx: &mut Tx, u: &UserWrite<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO users (login, display_name, role, facility_id, password_hash, pin_hash, active,
                                  easy_till, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(u.login)
        .bind(u.display_name)
        .bind(u.role.code())
        .bind(u.facility_id)
        .bind(u.password_hash)
        .bind(u.pin_hash)
        .bind(u.active)
        .bind(u.easy_till)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    u: &UserWrite<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET login = $1, display_name = $2, role = $3, facility_id = $4,
                      password_hash = COALESCE($5, password_hash), pin_hash = COALESCE($6, pin_hash),
                      active = $7, updated_at = $8, easy_till = $10,
                      failed_attempts = CASE WHEN $5 IS NULL THEN failed_attempts ELSE 0 END,
                      locked_until = CASE WHEN $5 IS NULL THEN locked_until ELSE NULL END,
                      pin_failed_attempts = CASE WHEN $6 IS NULL THEN pin_failed_attempts ELSE 0 END,
                      pin_locked_until = CASE WHEN $6 IS NULL THEN pin_locked_until ELSE NULL END
               WHERE id = $9";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(u.login)
        .bind(u.display_name)
        .bind(u.role.code())
        .bind(u.facility_id)
        .bind(u.password_hash)
        .bind(u.pin_hash)
        .bind(u.active)
        .bind(now)
        .bind(id)
        .bind(u.easy_till)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// Takes one attempt at `secret` of user `id`, in one statement, before the secret is checked:
/// counts it (a lock that has run out starts the count afresh) and locks the secret until
/// `lock_until` when this attempt is the `max_attempts`-th. Answers the attempt's number, or
/// `None` when the secret is locked at `now`: parallel attempts each get their own number, so
/// at most `max_attempts` of them are ever checked before the lock.
pub async fn take_attempt(
    tx: &mut Tx,
    id: i64,
    secret: Secret,
    max_attempts: i64,
    now: DateTime<Utc>,
    lock_until: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let (count, lock) = secret.columns();
    let sql = format!(
        "UPDATE users SET
                {count} = CASE WHEN {lock} IS NOT NULL AND {lock} <= $1 THEN 1 ELSE {count} + 1 END,
                {lock} = CASE WHEN {lock} IS NOT NULL AND {lock} <= $1 THEN NULL
                              WHEN {count} + 1 >= $2 THEN $3 ELSE {lock} END
          WHERE id = $4 AND ({lock} IS NULL OR {lock} <= $1)
      RETURNING {count}"
    );
    on_tx!(tx, |conn| sqlx::query_scalar(&sql)
        .bind(now)
        .bind(max_attempts)
        .bind(lock_until)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

/// A right secret: its count starts again and its lock (if the last attempt set one) is lifted.
pub async fn record_success(tx: &mut Tx, id: i64, secret: Secret) -> Result<(), sqlx::Error> {
    let (count, lock) = secret.columns();
    let sql = format!("UPDATE users SET {count} = 0, {lock} = NULL WHERE id = $1");
    on_tx!(tx, |conn| sqlx::query(&sql)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}
