//! `selpos backup` / `selpos restore` for the embedded SQLite database.
//!
//! The backup is SQLite's `VACUUM INTO`: one read transaction, so the copy is consistent while
//! sales keep arriving (WAL mode lets writers go on), and it holds everything committed before
//! it began. The copy is then checked (`PRAGMA integrity_check`) before it is reported done.
//! PostgreSQL has its own tools: `pg_dump -Fc` and `pg_restore` (see the README).
//!
//! A backup holds everything, password and PIN hashes included: it is created readable by its
//! owner only (0600, in a folder made 0700 when the backup makes it). A restore never swaps a
//! file that a running selpos has open, and keeps the database it replaces beside it.

use crate::db::Db;
use anyhow::{Context, Result, bail};
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode, SqlitePool, SqlitePoolOptions};
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// A backup file: readable and writable by its owner only.
pub const BACKUP_FILE_MODE: u32 = 0o600;
/// A folder a backup creates: its owner's only.
pub const BACKUP_DIR_MODE: u32 = 0o700;

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
    let target = to.to_str().context("the backup path is not valid UTF-8")?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        DirBuilder::new()
            .recursive(true)
            .mode(BACKUP_DIR_MODE)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    // The file is made empty, owner-only, before SQLite fills it (VACUUM INTO takes an empty
    // file): the copy is never readable by others, not even while it is written. `create_new`
    // also refuses an existing file, with no window between the check and the copy.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(BACKUP_FILE_MODE)
        .open(to)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} exists already: choose a new file name (a backup never overwrites)",
                to.display()
            ),
            _ => anyhow::Error::new(e).context(format!("creating {}", to.display())),
        })?;
    // Whatever the umask was: owner only.
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(BACKUP_FILE_MODE))?;
    let copied = sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(to);
        return Err(anyhow::Error::new(e).context(format!("copying the database to {}", to.display())));
    }
    // The copy and its name are on disk before the backup is reported done: the file is
    // synced (whatever SQLite did), then its folder.
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", to.display()))?;
    sync_folder(to)?;
    check(to).await
}

/// Syncs the folder holding `file`, so that a file created or renamed there survives a power
/// cut (fsync of the file alone does not keep its name).
fn sync_folder(file: &Path) -> Result<()> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the folder {}", dir.display()))
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

/// Whether another process (a running selpos) has the SQLite database at `path` open: a
/// connection that asks for the database to itself (`locking_mode=EXCLUSIVE`, no busy wait) is
/// refused while any other connection holds it (in WAL mode every open connection holds a
/// shared lock on the file). Closing that connection checkpoints the WAL into the file.
pub async fn in_use(path: &Path) -> Result<bool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO);
    let attempt = async {
        let mut conn = options.connect().await?;
        let taken = async {
            sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await?;
            sqlx::query("COMMIT").execute(&mut conn).await
        }
        .await;
        let _ = sqlx::Connection::close(conn).await;
        taken
    };
    match attempt.await {
        Ok(_) => Ok(false),
        Err(sqlx::Error::Database(e))
            if matches!(
                e.code().as_deref(),
                Some("5" | "6" | "261" | "262" | "517" | "773")
            ) =>
        {
            Ok(true)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("opening {}", path.display()))),
    }
}

/// `NAME` → `NAME.before-restore-20261128T101500Z` (and `NAME-wal` → `….before-restore-…-wal`).
fn set_aside_name(target: &Path, stamp: &str, suffix: &str) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(format!(".before-restore-{stamp}{suffix}"));
    PathBuf::from(name)
}

fn with_suffix(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Puts the backup `from` in place of the database at `database_url`, after checking it.
///
/// Refused while another process (a running selpos) has the database open, with or without
/// `force`: a server would go on writing into the file it has open, and those sales would be
/// lost from the restored one. An existing database is replaced only with `force`, and is
/// first moved aside as `NAME.before-restore-TIMESTAMP` (its `-wal`/`-shm` with it), never
/// deleted. The swap is a rename, so a failure leaves the old database as it was.
pub async fn restore(from: &Path, database_url: &str, force: bool) -> Result<Copy> {
    let backup = check(from).await?;
    let target = sqlite_file(database_url)?;
    if target.exists() {
        if in_use(&target).await? {
            bail!(
                "{} is open in another process (is selpos running on it?): stop selpos, then restore",
                target.display()
            );
        }
        if !force {
            bail!(
                "{} exists: stop selpos, then restore with --force to replace it (the current database is kept as {})",
                target.display(),
                set_aside_name(&target, "TIMESTAMP", "").display()
            );
        }
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(from, &staging).with_context(|| format!("copying to {}", staging.display()))?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(BACKUP_FILE_MODE))?;
    std::fs::File::open(&staging)?.sync_all()?;
    if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let aside = set_aside_name(&target, &stamp, "");
        if aside.exists() {
            let _ = std::fs::remove_file(&staging);
            bail!("{} exists already: try again in a second", aside.display());
        }
        // [`in_use`]'s connection folded the log into the file when it closed; a log still
        // there moves with it, under the matching name.
        for suffix in ["-wal", "-shm"] {
            let log = with_suffix(&target, suffix);
            if log.exists() {
                let moved = set_aside_name(&target, &stamp, suffix);
                std::fs::rename(&log, &moved)
                    .with_context(|| format!("moving {} aside to {}", log.display(), moved.display()))?;
            }
        }
        std::fs::rename(&target, &aside)
            .with_context(|| format!("moving {} aside to {}", target.display(), aside.display()))?;
        tracing::info!(kept = %aside.display(), "the replaced database is kept");
    }
    std::fs::rename(&staging, &target).with_context(|| format!("replacing {}", target.display()))?;
    // The renames are durable before selpos writes sales into the restored file.
    sync_folder(&target)?;
    Ok(Copy {
        path: target,
        ..backup
    })
}
