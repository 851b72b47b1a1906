//! Power loss for SQLite, in process, for the tests (after Jepsen's LazyFS): a SQLite VFS over
//! the default "unix" VFS that keeps every write in memory, as the operating system's page
//! cache does, until SQLite syncs the file. [`LazyFs::power_loss`] then cuts the power: every
//! later operation fails with `SQLITE_IOERR`, and every write that was not synced is lost.
//! What is on disk afterwards is exactly what SQLite made durable.
//!
//! ```ignore
//! let disk = LazyFs::new();
//! let url = format!("sqlite://{path}?vfs={}", disk.name()); // sqlx takes the VFS from the URL
//! // … writes through a pool on `url` …
//! disk.power_loss();
//! // … close the pool (its connections fail from now on), delete `{path}-shm` (shared memory
//! // does not survive a power cut), open `sqlite://{path}` with the normal VFS and look.
//! ```
//!
//! Each [`LazyFs`] is a machine of its own (a VFS `lazyfs-N`), so tests running at once in one
//! process do not cut each other's power. Written files are modelled in whole 4 KiB blocks; a
//! file's creation and deletion take effect at once (SQLite syncs what it relies on).

mod overlay;
// SQLite's VFS is a C interface: the only `unsafe` of the crate, kept to this module.
#[allow(unsafe_code)]
mod vfs;

use std::sync::atomic::{AtomicUsize, Ordering};

/// A machine whose SQLite files live in its page cache until synced (a registered VFS).
#[derive(Clone, Copy)]
pub struct LazyFs {
    machine: &'static vfs::Machine,
}

impl LazyFs {
    /// Registers a new VFS, `lazyfs-N`, powered on. (It stays registered for the life of the
    /// process, as SQLite wants.)
    #[allow(clippy::new_without_default)]
    pub fn new() -> LazyFs {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let name = format!("lazyfs-{}", NEXT.fetch_add(1, Ordering::SeqCst));
        LazyFs {
            machine: vfs::register(name),
        }
    }

    /// The VFS's name, for `?vfs=` in a SQLite URL.
    pub fn name(&self) -> &str {
        self.machine.name.to_str().unwrap_or_default()
    }

    /// Cuts the power: every write not synced is lost, and every later operation on the VFS's
    /// files fails (`SQLITE_IOERR`), except closing them.
    pub fn power_loss(&self) {
        self.machine.power_loss()
    }

    /// Cuts the power during the `n`-th write from now (counting from 1; that write fails):
    /// an instant inside a transaction or a checkpoint, between its writes and its sync.
    pub fn power_loss_at_write(&self, n: u64) {
        self.machine.power_loss_at_write(n)
    }

    /// Whether the power is still on.
    pub fn powered(&self) -> bool {
        self.machine.powered()
    }

    /// Bytes of written blocks (4 KiB each) the power cut lost.
    pub fn lost_bytes(&self) -> u64 {
        self.machine.lost_bytes.load(Ordering::SeqCst)
    }

    /// Files open through the VFS (0 once every connection is closed).
    pub fn open_files(&self) -> usize {
        self.machine.open_files.load(Ordering::SeqCst)
    }

    /// Syncs that succeeded.
    pub fn syncs(&self) -> u64 {
        self.machine.syncs.load(Ordering::SeqCst)
    }
}
