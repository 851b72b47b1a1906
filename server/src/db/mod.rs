//! The database: one product on SQLite (embedded default) and PostgreSQL (the council's central
//! server). Queries are written once, as runtime `sqlx::query` text that both accept (`$1`
//! placeholders, `RETURNING`, `ON CONFLICT`), and run against the concrete pool of either kind
//! through [`on_db!`], so each is type-checked and monomorphised for both drivers.
//! (`sqlx::Any` is no option: it carries no timestamp or UUID types.)

pub mod approvals;
pub mod audit;
pub mod constraints;
pub mod council;
pub mod devices;
pub mod displays;
pub mod event_transfer;
pub mod events;
pub mod facilities;
pub mod gifts;
pub mod group;
pub mod income;
pub mod orders;
pub mod photos;
pub mod products;
pub mod register_sessions;
pub mod reports;
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

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::time::Duration;

/// A connection pool of either kind.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever database `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the concrete connection of the transaction `$tx`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// A transaction of either kind. Every query function takes one, so a use case can put a
/// change and its audit record (and later: a sale, its stock movements…) in one transaction.
///
/// On SQLite a write transaction is a member of a group that commits together (see
/// [`group`]): `commit()` returns once the group is durable. An answer drawn from a write
/// transaction that is not committed — a replay found stored — ends it with `rollback()`,
/// which waits likewise: what it read may be an earlier member's writes, not yet on disk.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A transaction on SQLite: a read on a connection of its own, or a write in a group.
pub enum SqliteTx {
    Read(sqlx::Transaction<'static, sqlx::Sqlite>),
    Write(group::Member),
}

impl Deref for SqliteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            SqliteTx::Read(tx) => tx,
            SqliteTx::Write(member) => member,
        }
    }
}

impl DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteTx::Read(tx) => tx,
            SqliteTx::Write(member) => member,
        }
    }
}

impl Tx {
    /// Commits; on SQLite, a write returns once its group is committed (on disk).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(SqliteTx::Read(tx)) => tx.commit().await,
            Tx::Sqlite(SqliteTx::Write(member)) => member.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// Ends without writing anything; on SQLite, a write returns once the group it read from
    /// is committed (dropping a `Tx` also rolls it back, without waiting).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(SqliteTx::Read(tx)) => tx.rollback().await,
            Tx::Sqlite(SqliteTx::Write(member)) => member.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }

    /// Opens the savepoint of one part of a write transaction (a sale of a batch), which
    /// [`Tx::release_part`] keeps or [`Tx::undo_part`] takes away alone. One at a time.
    pub async fn begin_part(&mut self) -> Result<(), sqlx::Error> {
        self.run("SAVEPOINT part").await
    }

    /// Keeps what was written since [`Tx::begin_part`] in the transaction.
    pub async fn release_part(&mut self) -> Result<(), sqlx::Error> {
        self.run("RELEASE SAVEPOINT part").await
    }

    /// Takes away what was written since [`Tx::begin_part`] (on PostgreSQL, also after an
    /// error, which leaves the rest of the transaction usable again).
    pub async fn undo_part(&mut self) -> Result<(), sqlx::Error> {
        self.run("ROLLBACK TO SAVEPOINT part").await?;
        self.release_part().await
    }

    async fn run(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        on_tx!(self, |conn| sqlx::Executor::execute(&mut *conn, sql)
            .await
            .map(|_| ()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL (expected sqlite:… or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Connects to `url` and applies pending migrations. A SQLite file is created if missing
    /// and runs in WAL mode, so readers never wait for the till's writes.
    ///
    /// A commit returns only once it is on disk, on either database: the tablet forgets a sale
    /// once it is acknowledged. SQLite syncs the WAL at every commit (`synchronous = FULL`);
    /// PostgreSQL keeps its default `synchronous_commit = on` (never turned off here).
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode FULL syncs the WAL at each commit; NORMAL syncs it only at
                // checkpoints, so a commit already acknowledged may roll back after a power
                // cut or an OS crash (tests/power_loss.rs shows it).
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Reports read tens of megabytes of the journal. Through SQLite's default 2 MB
                // page cache per connection each page was a system call, and the settlement of
                // a 20,000-sale event took 200 ms instead of 100. A cache of up to 64 MB per
                // connection (taken only as pages are read) keeps them. Mapping the file did
                // as well for reads but slowed every sale's write.
                .pragma("cache_size", "-65536");
            Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?,
            )
        } else {
            return Err(ConnectError::UnsupportedUrl(redact(url)));
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The newest migration applied.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        on_db!(self, |pool| sqlx::query_scalar(SQL).fetch_one(pool).await)
    }

    /// A transaction that will write. On SQLite it waits for its turn to write to the file
    /// (in order of arrival), then joins the group of writers committed together (see
    /// [`group`]), whose transaction takes the write lock at once (`BEGIN IMMEDIATE`), so it
    /// never fails with SQLITE_BUSY when a read lock cannot be upgraded mid-transaction
    /// (another process, such as `selpos backup`, still meets the busy timeout).
    pub async fn write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(SqliteTx::Write(group::join(pool).await?)),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A transaction that only reads: one consistent snapshot.
    pub async fn read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(SqliteTx::Read(pool.begin().await?)),
            Db::Postgres(pool) => Tx::Postgres(pool.begin_with("BEGIN READ ONLY").await?),
        })
    }

    /// A read for a report (stock, live sales, dashboards, settlements, wages, lists): it waits
    /// at the database's [`reports`] gate first, so reports never crowd out the tills.
    pub async fn report(&self) -> Result<reports::Report, sqlx::Error> {
        let place = self.report_gate().enter().await;
        let tx = match self {
            Db::Sqlite(pool) => Tx::Sqlite(SqliteTx::Read(reports::sqlite_pool(pool).begin().await?)),
            Db::Postgres(_) => self.read().await?,
        };
        Ok(reports::Report::new(tx, place))
    }

    fn report_gate(&self) -> std::sync::Arc<reports::Gate> {
        match self {
            Db::Sqlite(pool) => reports::sqlite_gate(pool),
            Db::Postgres(pool) => reports::postgres_gate(pool),
        }
    }

    /// How many reports may read at once (by default [`reports::default_width`]). For
    /// benchmarks and tuning.
    pub fn set_report_width(&self, width: usize) {
        self.report_gate().resize(width);
    }

    /// On SQLite, the group commits made on this database's file by this process so far.
    pub fn group_commits(&self) -> Option<group::Commits> {
        match self {
            Db::Sqlite(pool) => Some(group::queue(pool).commits()),
            Db::Postgres(_) => None,
        }
    }

    /// On SQLite, changes when a group is committed though writers wait for the turn: at
    /// `members` members or `age` old (by default [`group::MAX_MEMBERS`], [`group::MAX_AGE`]).
    /// For tests and tuning; no effect on PostgreSQL.
    pub fn set_group_limits(&self, members: usize, age: Duration) {
        if let Db::Sqlite(pool) = self {
            group::queue(pool).set_limits(members, age);
        }
    }

    /// On SQLite, the writers of this process queued for the turn to write to its file now.
    pub fn writers_waiting(&self) -> usize {
        match self {
            Db::Sqlite(pool) => group::queue(pool).waiting(),
            Db::Postgres(_) => 0,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => {
                group::close(pool).await;
                reports::close_sqlite_pool(pool).await;
                pool.close().await
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// A database URL fit for logs and errors: its password, in the user part or as a
/// `password`/`sslpassword` query parameter, is hidden. A URL that does not parse keeps
/// only its scheme (it may still hold a password in a form we cannot tell apart).
pub fn redact(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        return match url.split_once("://") {
            Some((scheme, rest)) if rest.contains('@') || rest.contains('?') => {
                format!("{scheme}://{HIDDEN}")
            }
            _ => url.to_string(),
        };
    };
    let mut hidden = false;
    if parsed.password().is_some() {
        hidden = parsed.set_password(Some(HIDDEN)).is_ok();
    }
    let secret_key = |key: &str| key.to_ascii_lowercase().contains("password");
    if parsed.query_pairs().any(|(key, _)| secret_key(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret_key(&key) {
                    HIDDEN.to_string()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
        hidden = true;
    }
    // Untouched URLs are given back as written (the parser would normalise them).
    if hidden {
        parsed.to_string()
    } else {
        url.to_string()
    }
}

/// `%text%` for a `LIKE` search, with the pattern characters in `text` escaped (`ESCAPE '\'`).
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://selp:secret@db:5432/selpos"),
            "postgres://selp:***@db:5432/selpos"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite://selpos.db"), "sqlite://selpos.db");
        assert_eq!(
            redact("postgres://selp@db/selpos?sslmode=require&password=secret"),
            "postgres://selp@db/selpos?sslmode=require&password=***"
        );
        assert_eq!(
            redact("postgres://selp:p%40ss@db/selpos?sslpassword=secret"),
            "postgres://selp:***@db/selpos?sslpassword=***"
        );
        assert_eq!(redact("postgres://selp:sec ret@[db/x"), "postgres://***");
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_pattern("50%_off"), "%50\\%\\_off%");
    }
}
