//! Group commit on SQLite: writers that queue for the file share one transaction, so one fsync
//! (`synchronous = FULL`) makes many sales durable.
//!
//! **The turn.** Writers to one file take its turn in order of arrival (a FIFO tokio mutex), as
//! before. The holder of the turn owns the file's writing connection. The first writer begins a
//! group (`BEGIN IMMEDIATE`); each writer, the first included, is a *member* that runs inside its
//! own `SAVEPOINT`, on the group's connection, so it reads what the members before it wrote.
//!
//! **A member ends** (`Tx::commit`, `Tx::rollback`, or dropped) by releasing its savepoint, or
//! by rolling back to it (an error, a refusal, a `?`, a cancelled request): only its own writes
//! go, the group's stay. Then the group is committed if no other writer waits for the turn, or
//! once it has [`MAX_MEMBERS`] members or is [`MAX_AGE`] old; otherwise the turn passes to the
//! next writer, which joins. A lone writer thus commits at once, as before. `commit()` returns
//! only after the group's `COMMIT` (so after the fsync): nobody is answered before the data is
//! durable, and a row is visible to every connection once its `commit()` returns. If the
//! `COMMIT` fails, every member of the group gets the error (and nothing of the group is
//! written). `rollback()` also waits for the group: an answer drawn from a write transaction
//! that is not committed (a replay, which may have read an earlier member's writes) is given
//! only once those writes are durable.
//!
//! **Nothing is left hanging.** The steps that change the group (`SAVEPOINT`, `RELEASE`,
//! `COMMIT`…) run in spawned tasks that own the turn, so a cancelled request never cuts one
//! short. A member dropped without ending (`Drop` cannot run SQL) marks its savepoint
//! *dangling*: the next holder of the turn rolls it back first, and if no writer is waiting, a
//! spawned task takes the turn to do so and to commit the group. A writer that gives up waiting
//! for the turn spawns the same task, so a group never waits for a writer that is gone. A
//! failure in the group's own bookkeeping (a savepoint SQLite no longer has: it rolled the
//! transaction back itself after an I/O error) ends the group with an error for every member,
//! and a connection whose state is unknown is closed, never given back to the pool.
//!
//! When the turn is free and no group is open, the connection goes back to the pool; under load
//! it stays with the turn.

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedMappedMutexGuard, OwnedMutexGuard, watch};

/// How long a writer waits for its turn before giving up (as SQLite's busy timeout did).
const WRITE_WAIT: Duration = Duration::from_secs(10);
/// A group is committed once it has this many members, even if writers are waiting…
pub const MAX_MEMBERS: usize = 64;
/// …or once it is this old: the first member's answer waits for the group's commit.
pub const MAX_AGE: Duration = Duration::from_millis(5);

/// Commits made on one SQLite file by this process (for tests and measurement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Commits {
    /// Group transactions committed (one fsync each).
    pub groups: u64,
    /// Members committed in them (writers whose `commit()` succeeded).
    pub members: u64,
}

/// The writers of one SQLite file in this process (shared by every pool on that file).
pub struct Queue {
    turn: Arc<tokio::sync::Mutex<Slot>>,
    /// Writers queued for the turn (not counting tasks that only finish a group).
    waiting: AtomicUsize,
    groups: AtomicU64,
    members: AtomicU64,
    /// [`MAX_MEMBERS`] and [`MAX_AGE`] unless changed (tests make groups deterministic).
    max_members: AtomicUsize,
    max_age_micros: AtomicU64,
}

/// What the holder of the turn holds.
#[derive(Default)]
struct Slot {
    writer: Option<Writer>,
}

/// The connection that writes, and the group open on it.
struct Writer {
    conn: PoolConnection<Sqlite>,
    /// The options of the pool it came from: tells that pool apart from another on the file.
    options: Arc<SqliteConnectOptions>,
    group: Option<Group>,
    /// A member was dropped without ending: its savepoint may still be open.
    dangling: bool,
    /// Its state is unknown (a rollback failed): it is closed, never given back to the pool.
    broken: bool,
}

struct Group {
    started: Instant,
    joined: usize,
    /// Members whose writes are in the group.
    released: u64,
    /// The group's outcome, once known; every member waits for it.
    outcome: watch::Sender<Option<Outcome>>,
}

type Outcome = Result<(), Arc<sqlx::Error>>;

/// A member of a group: a write transaction on SQLite, as the use cases see it (through
/// [`crate::db::Tx`]). It derefs to the group's connection.
pub struct Member {
    queue: Arc<Queue>,
    writer: OwnedMappedMutexGuard<Slot, Writer>,
    outcome: watch::Receiver<Option<Outcome>>,
    ended: bool,
}

/// The error a member gets when its group did not commit.
#[derive(Debug, thiserror::Error)]
#[error("the group commit failed: {0}")]
struct GroupFailed(Arc<sqlx::Error>);

fn group_failed(e: Arc<sqlx::Error>) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(GroupFailed(e)))
}

fn lost(what: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!("group commit: {what}")))
}

/// Runs the group's own SQL (`BEGIN`, `SAVEPOINT`…) on its connection. Boxed, so that the
/// tasks that run it are `Send` (rustc cannot prove it through sqlx's generic executor in an
/// `async fn`, rust-lang/rust#102211).
fn run<'c>(conn: &'c mut SqliteConnection, sql: &'static str) -> BoxedRun<'c> {
    let done = sqlx::Executor::execute(conn, sql);
    Box::pin(async move { done.await.map(|_| ()) })
}

type BoxedRun<'c> = std::pin::Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// The queue of writers to the file behind `pool`.
pub fn queue(pool: &SqlitePool) -> Arc<Queue> {
    static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<Queue>>>> = LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    QUEUES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(file)
        .or_insert_with(|| {
            Arc::new(Queue {
                turn: Default::default(),
                waiting: AtomicUsize::new(0),
                groups: AtomicU64::new(0),
                members: AtomicU64::new(0),
                max_members: AtomicUsize::new(MAX_MEMBERS),
                max_age_micros: AtomicU64::new(MAX_AGE.as_micros() as u64),
            })
        })
        .clone()
}

/// Joins the group of `pool`'s file (beginning one if none is open): waits for the turn, then
/// opens the member's savepoint.
pub async fn join(pool: &SqlitePool) -> Result<Member, sqlx::Error> {
    let queue = queue(pool);
    let slot = queue.wait_turn().await?;
    let pool = pool.clone();
    tokio::spawn(seat(queue, slot, pool))
        .await
        .map_err(|e| lost(&format!("task failed: {e}")))?
}

/// Commits what is open on `pool`'s file and gives its connection back, before the pool closes.
pub async fn close(pool: &SqlitePool) {
    let queue = queue(pool);
    let mut slot = queue.turn.clone().lock_owned().await;
    tidy(&mut slot).await;
    let ours = slot
        .writer
        .as_ref()
        .is_some_and(|w| Arc::ptr_eq(&w.options, &pool.connect_options()));
    if ours {
        if let Some(writer) = slot.writer.as_mut() {
            commit_group(&queue, writer).await;
        }
        retire(&mut slot);
    }
}

impl Queue {
    pub fn commits(&self) -> Commits {
        Commits {
            groups: self.groups.load(Ordering::SeqCst),
            members: self.members.load(Ordering::SeqCst),
        }
    }

    /// Writers queued for the turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Changes when a group is committed though writers wait: at `members` members, or at
    /// `age` old.
    pub fn set_limits(&self, members: usize, age: Duration) {
        self.max_members.store(members.max(1), Ordering::SeqCst);
        let micros = u64::try_from(age.as_micros()).unwrap_or(u64::MAX);
        self.max_age_micros.store(micros, Ordering::SeqCst);
    }

    /// Waits for the turn, counted among the waiting so that the holder does not commit its
    /// group early. A writer that gives up (cancelled, or out of time) leaves a task behind
    /// to finish the group that may have been left open for it.
    async fn wait_turn(self: &Arc<Self>) -> Result<OwnedMutexGuard<Slot>, sqlx::Error> {
        struct Waiting<'a> {
            queue: &'a Arc<Queue>,
            served: bool,
        }
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.queue.waiting.fetch_sub(1, Ordering::SeqCst);
                if !self.served {
                    spawn_finisher(self.queue);
                }
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut waiting = Waiting {
            queue: self,
            served: false,
        };
        let turn = tokio::time::timeout(WRITE_WAIT, self.turn.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        waiting.served = true;
        Ok(turn)
    }

    /// Gives the connection back to the pool when nobody holds or waits for the turn and no
    /// group is open.
    fn release_idle(self: &Arc<Self>) {
        let Ok(mut slot) = self.turn.clone().try_lock_owned() else {
            return;
        };
        match &slot.writer {
            Some(w) if w.group.is_none() && !w.dangling => retire(&mut slot),
            // A group left open with nobody to finish it (a finisher could not be spawned).
            Some(_) => {
                drop(slot);
                spawn_finisher(self);
            }
            None => {}
        }
    }
}

/// Spawns a task that takes the turn and finishes what is open (false: no runtime to run it).
fn spawn_finisher(queue: &Arc<Queue>) -> bool {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    let queue = queue.clone();
    runtime.spawn(async move {
        let slot = queue.turn.clone().lock_owned().await;
        conclude(&queue, slot).await;
    });
    true
}

/// Makes the holder of the turn a member: tidies what a dropped member left, begins a group
/// if none is open, opens the member's savepoint.
async fn seat(
    queue: Arc<Queue>,
    mut slot: OwnedMutexGuard<Slot>,
    pool: SqlitePool,
) -> Result<Member, sqlx::Error> {
    match prepare(&mut slot, &pool).await {
        Ok(outcome) => match OwnedMutexGuard::try_map(slot, |s| s.writer.as_mut()) {
            Ok(writer) => Ok(Member {
                queue,
                writer,
                outcome,
                ended: false,
            }),
            Err(slot) => {
                conclude(&queue, slot).await;
                Err(lost("the writing connection is gone"))
            }
        },
        Err(e) => {
            conclude(&queue, slot).await;
            Err(e)
        }
    }
}

async fn prepare(
    slot: &mut Slot,
    pool: &SqlitePool,
) -> Result<watch::Receiver<Option<Outcome>>, sqlx::Error> {
    tidy(slot).await;
    let options = pool.connect_options();
    // Another pool on the same file (another `Db` in this process): its group ends first.
    if slot
        .writer
        .as_ref()
        .is_some_and(|w| !Arc::ptr_eq(&w.options, &options))
    {
        if let Some(writer) = slot.writer.as_mut() {
            // Its commit counts for the queue the file shares.
            commit_group(&queue(pool), writer).await;
        }
        retire(slot);
    }
    let writer = match &mut slot.writer {
        Some(writer) => writer,
        None => slot.writer.insert(Writer {
            conn: pool.acquire().await?,
            options,
            group: None,
            dangling: false,
            broken: false,
        }),
    };
    let group = match &mut writer.group {
        Some(group) => group,
        None => {
            if let Err(e) = run(&mut writer.conn, "BEGIN IMMEDIATE").await {
                writer.broken = true;
                return Err(e);
            }
            writer.group.insert(Group {
                started: Instant::now(),
                joined: 0,
                released: 0,
                outcome: watch::Sender::new(None),
            })
        }
    };
    // Every member has the same savepoint name: the one before it is always released (or
    // rolled back and released) before it opens its own.
    run(&mut writer.conn, "SAVEPOINT member").await?;
    group.joined += 1;
    Ok(group.outcome.subscribe())
}

/// Rolls back the savepoint a dropped member left open; closes a connection in doubt.
async fn tidy(slot: &mut Slot) {
    let Some(writer) = slot.writer.as_mut() else {
        return;
    };
    if writer.dangling && !writer.broken && writer.group.is_some() {
        writer.dangling = false;
        let undone = run(&mut writer.conn, "ROLLBACK TO member; RELEASE member").await;
        if let Err(e) = undone {
            abort_group(writer, Arc::new(e)).await;
        }
    }
    writer.dangling = false;
    if writer.broken {
        retire(slot);
    }
}

/// Takes the writer from the turn: its connection goes back to the pool, or is closed if its
/// state is in doubt. Members of a group still open on it get an error (its outcome is never
/// sent).
fn retire(slot: &mut Slot) {
    if let Some(mut writer) = slot.writer.take()
        && (writer.broken || writer.group.is_some() || writer.dangling)
    {
        writer.conn.close_on_drop();
    }
}

/// The holder of the turn ends its turn: tidies, commits the group if it is due, passes on.
async fn conclude(queue: &Arc<Queue>, mut slot: OwnedMutexGuard<Slot>) {
    tidy(&mut slot).await;
    if let Some(writer) = slot.writer.as_mut() {
        decide(queue, writer).await;
    }
    drop(slot);
    queue.release_idle();
}

/// Commits the group now if no writer waits to join it, or it is full or old enough.
async fn decide(queue: &Queue, writer: &mut Writer) {
    let Some(group) = &writer.group else {
        return;
    };
    let max_age = Duration::from_micros(queue.max_age_micros.load(Ordering::SeqCst));
    let due = queue.waiting.load(Ordering::SeqCst) == 0
        || group.joined >= queue.max_members.load(Ordering::SeqCst)
        || group.started.elapsed() >= max_age;
    if due {
        commit_group(queue, writer).await;
    }
}

/// Commits the group (the fsync) and tells every member.
async fn commit_group(queue: &Queue, writer: &mut Writer) {
    let Some(group) = writer.group.take() else {
        return;
    };
    match run(&mut writer.conn, "COMMIT").await {
        Ok(_) => {
            queue.groups.fetch_add(1, Ordering::SeqCst);
            queue.members.fetch_add(group.released, Ordering::SeqCst);
            group.outcome.send_replace(Some(Ok(())));
        }
        Err(e) => {
            tracing::error!(error = %e, members = group.joined, "a group commit failed: every member is answered with an error");
            writer.group = Some(group);
            abort_group(writer, Arc::new(e)).await;
        }
    }
}

/// Rolls the whole group back and answers every member with `error`.
async fn abort_group(writer: &mut Writer, error: Arc<sqlx::Error>) {
    if run(&mut writer.conn, "ROLLBACK").await.is_err() {
        writer.broken = true;
    }
    if let Some(group) = writer.group.take() {
        group.outcome.send_replace(Some(Err(error)));
    }
    writer.dangling = false;
}

impl Member {
    /// Keeps the member's writes in the group; returns once the group is committed.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.end(true).await
    }

    /// Undoes the member's writes; returns once the group (with what the members before it
    /// wrote, which it may have read) is committed.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }

    async fn end(self, keep: bool) -> Result<(), sqlx::Error> {
        let mut outcome = self.outcome.clone();
        // In a task of its own: a cancelled request never cuts the group's steps short.
        tokio::spawn(self.leave(keep))
            .await
            .map_err(|e| lost(&format!("task failed: {e}")))??;
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => match done.as_ref() {
                Some(Ok(())) => Ok(()),
                Some(Err(e)) => Err(group_failed(e.clone())),
                None => Err(lost("no outcome")),
            },
            Err(_) => Err(lost("the group ended without committing")),
        }
    }

    /// Releases (or rolls back) the savepoint, then commits the group or passes the turn.
    async fn leave(mut self, keep: bool) -> Result<(), sqlx::Error> {
        let sql = if keep {
            "RELEASE member"
        } else {
            "ROLLBACK TO member; RELEASE member"
        };
        let done = run(&mut self.writer.conn, sql).await;
        self.ended = true;
        let writer = &mut *self.writer;
        let result = match done {
            Ok(_) => {
                if let Some(group) = writer.group.as_mut().filter(|_| keep) {
                    group.released += 1;
                }
                Ok(())
            }
            // The savepoint is gone: SQLite rolled the whole transaction back.
            Err(e) => {
                let e = Arc::new(e);
                abort_group(writer, e.clone()).await;
                Err(group_failed(e))
            }
        };
        decide(&self.queue, writer).await;
        let queue = self.queue.clone();
        drop(self);
        queue.release_idle();
        result
    }
}

impl Drop for Member {
    /// Dropped without `commit()`/`rollback()`: its savepoint is rolled back by whoever takes
    /// the turn next (a writer already waiting, or a task spawned here).
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        self.writer.dangling = true;
        if self.queue.waiting.load(Ordering::SeqCst) == 0 && !spawn_finisher(&self.queue) {
            // No runtime to finish the group in: it fails, and its connection is closed.
            self.writer.broken = true;
            if let Some(group) = self.writer.group.take() {
                group
                    .outcome
                    .send_replace(Some(Err(Arc::new(lost("dropped outside a runtime")))));
            }
        }
    }
}

impl Deref for Member {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.writer.conn
    }
}

impl DerefMut for Member {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.writer.conn
    }
}
