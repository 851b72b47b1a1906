//! `selpos backup` / `selpos restore` for the embedded SQLite database.
//!
//! The backup is SQLite's `VACUUM INTO`: one read transaction, so the copy is consistent while
//! sales keep arriving (WAL mode lets writers go on), and it holds everything committed before
//! it began. The copy is then checked (`PRAGMA integrity_check`) before it is reported done.
//! PostgreSQL has its own tools: `pg_dump -Fc` and `pg_restore` (see the README).

use crate::db::Db;
use anyhow::{Context, Result, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a backup or a restore found in the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub path: PathBuf,
    pub bytes: u64,
    pub sales: i64,
    pub schema_version: i64,
}

impl std::fmt::Display for Copy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} bytes, schema {}, {} sales records)",
            self.path.display(),
            self.bytes,
            self.schema_version,
            self.sales
        )
    }
}

const POSTGRES_HINT: &str = "this is a PostgreSQL database: back it up with `pg_dump -Fc -f selpos.dump DATABASE_URL` \
     and restore it with `pg_restore --clean -d DATABASE_URL selpos.dump`";

/// Copies the live database to `to` (which must not exist yet) and checks the copy.
pub async fn backup(db: &Db, to: &Path) -> Result<Copy> {
    let Db::Sqlite(pool) = db else {
        bail!(POSTGRES_HINT)
    };
    if to.exists() {
        bail!(
            "{} exists already: choose a new file name (a backup never overwrites)",
            to.display()
        );
    }
    let target = to.to_str().context("the backup path is not valid UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await
        .with_context(|| format!("copying the database to {}", to.display()))?;
    check(to).await
}

/// Opens a copy read-only and checks it: intact, and a selpos database.
pub async fn check(path: &Path) -> Result<Copy> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool: SqlitePool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    let result = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        if integrity != "ok" {
            bail!("{} is damaged: {integrity}", path.display());
        }
        let schema_version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                .fetch_one(&pool)
                .await
                .with_context(|| format!("{} is not a selpos database", path.display()))?;
        let sales: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales")
            .fetch_one(&pool)
            .await?;
        Ok((schema_version, sales))
    }
    .await;
    pool.close().await;
    let (schema_version, sales) = result?;
    Ok(Copy {
        path: path.to_path_buf(),
        bytes: std::fs::metadata(path)?.len(),
        sales,
        schema_version,
    })
}

/// The file of a `sqlite:` URL.
fn sqlite_file(database_url: &str) -> Result<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        bail!(POSTGRES_HINT);
    }
    let options = SqliteConnectOptions::from_str(database_url).context("reading the database URL")?;
    Ok(options.get_filename().to_path_buf())
}

/// Puts the backup `from` in place of the database at `database_url`, after checking it. selpos
/// must not be running on that database. An existing database is replaced only with `force`;
/// the swap is a rename, so a failure leaves the old database as it was.
pub async fn restore(from: &Path, database_url: &str, force: bool) -> Result<Copy> {
    let backup = check(from).await?;
    let target = sqlite_file(database_url)?;
    if target.exists() && !force {
        bail!(
            "{} exists: stop selpos, then restore with --force to replace it",
            target.display()
        );
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(from, &staging).with_context(|| format!("copying to {}", staging.display()))?;
    std::fs::File::open(&staging)?.sync_all()?;
    // The old database's log belongs to the old file: drop it with the swap.
    for suffix in ["-wal", "-shm"] {
        let mut name = target.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    std::fs::rename(&staging, &target).with_context(|| format!("replacing {}", target.display()))?;
    Ok(Copy {
        path: target,
        ..backup
    })
}
