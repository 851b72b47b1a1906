//! The VFS itself: SQLite's C interface, `unsafe` by nature, all of it in this module.
//!
//! Every file SQLite opens through a [`Machine`]'s VFS wraps a file of the default "unix" VFS,
//! placed right after our own [`LazyFile`] in the memory SQLite gives us (`szOsFile` is the sum
//! of both). The database, its WAL and its rollback journal go through the [`Overlay`] of their
//! path (shared by every connection, as the OS's page cache is): writes, truncations, reads and
//! sizes; a sync writes the overlay to the unix file and syncs that. Locks and the WAL's shared
//! memory are the unix file's own. Temporary files go straight to the unix file.
//!
//! Memory-mapped I/O is kept out: the files offer version 2 of the method table (no
//! `xFetch`), and the size and mmap hints are refused, so every byte goes through `xRead` and
//! `xWrite`.

use crate::overlay::{Disk, Overlay};
use libsqlite3_sys as ffi;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::mem::size_of;
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One simulated machine: its page caches, its power, and what happened to it.
pub struct Machine {
    pub name: CString,
    unix: UnixVfs,
    powered: AtomicBool,
    /// The page cache of each file by path, kept while the file exists (across opens).
    caches: Mutex<HashMap<String, Arc<Mutex<Overlay>>>>,
    pub open_files: AtomicUsize,
    pub syncs: AtomicU64,
    /// Bytes of written blocks lost to the power cut.
    pub lost_bytes: AtomicU64,
    /// The power goes during the write this counts down to (0: not armed).
    cut_at_write: AtomicU64,
}

/// SQLite's "unix" VFS: a static object of the library, never freed.
struct UnixVfs(*mut ffi::sqlite3_vfs);

// SAFETY: the pointer is to SQLite's static unix VFS object, which SQLite never frees or
// changes once registered; its methods may be called from any thread (SQLite is built
// thread-safe, SQLITE_THREADSAFE=1).
unsafe impl Send for UnixVfs {}
// SAFETY: as above: shared use only reads the object.
unsafe impl Sync for UnixVfs {}

impl UnixVfs {
    fn get(&self) -> &'static ffi::sqlite3_vfs {
        // SAFETY: see the type: valid for the life of the process.
        unsafe { &*self.0 }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Machine {
    pub fn powered(&self) -> bool {
        self.powered.load(Ordering::SeqCst)
    }

    /// Cuts the power: from now on every operation fails, and every write not synced is lost.
    /// An operation holds its file's cache while it checks the power and works, so each one
    /// happened wholly before the cut or fails.
    pub fn power_loss(&self) {
        self.powered.store(false, Ordering::SeqCst);
        let caches = lock(&self.caches);
        let lost: u64 = caches.values().map(|cache| lock(cache).discard()).sum();
        self.lost_bytes.fetch_add(lost, Ordering::SeqCst);
    }

    /// Cuts the power during the `n`-th write from now (which fails).
    pub fn power_loss_at_write(&self, n: u64) {
        self.cut_at_write.store(n, Ordering::SeqCst);
    }

    /// Counts a write down; cuts the power if it is the one. Answers whether the power is on.
    /// (Called holding no cache: the cut takes them all.)
    fn before_write(&self) -> bool {
        let counted = self
            .cut_at_write
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if counted == Ok(1) {
            self.power_loss();
        }
        self.powered()
    }

    fn cache(&self, path: &str) -> Arc<Mutex<Overlay>> {
        lock(&self.caches).entry(path.to_string()).or_default().clone()
    }
}

/// Registers a new VFS named `name` over the unix VFS, for a machine of its own (never the
/// default VFS). The VFS and its machine live as long as the process: SQLite keeps pointers to
/// a registered VFS.
pub fn register(name: String) -> &'static Machine {
    // SAFETY: sqlite3_vfs_find takes a NUL-terminated name (or NULL) and initialises SQLite
    // first if needed.
    let unix = unsafe { ffi::sqlite3_vfs_find(c"unix".as_ptr()) };
    assert!(!unix.is_null(), "SQLite has no unix VFS");
    let machine: &'static Machine = Box::leak(Box::new(Machine {
        name: CString::new(name).expect("a VFS name without NUL"),
        unix: UnixVfs(unix),
        powered: AtomicBool::new(true),
        caches: Mutex::default(),
        open_files: AtomicUsize::new(0),
        syncs: AtomicU64::new(0),
        lost_bytes: AtomicU64::new(0),
        cut_at_write: AtomicU64::new(0),
    }));
    let unix = machine.unix.get();
    let own_size = c_int::try_from(size_of::<LazyFile>()).expect("small");
    let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
        iVersion: 2,
        szOsFile: own_size + unix.szOsFile,
        mxPathname: unix.mxPathname,
        pNext: ptr::null_mut(),
        zName: machine.name.as_ptr(),
        pAppData: ptr::from_ref(machine).cast_mut().cast(),
        xOpen: Some(x_open),
        xDelete: Some(x_delete),
        xAccess: Some(x_access),
        xFullPathname: Some(x_full_pathname),
        xDlOpen: Some(x_dl_open),
        xDlError: Some(x_dl_error),
        xDlSym: Some(x_dl_sym),
        xDlClose: Some(x_dl_close),
        xRandomness: Some(x_randomness),
        xSleep: Some(x_sleep),
        xCurrentTime: Some(x_current_time),
        xGetLastError: Some(x_get_last_error),
        xCurrentTimeInt64: Some(x_current_time_int64),
        xSetSystemCall: None,
        xGetSystemCall: None,
        xNextSystemCall: None,
    }));
    // SAFETY: `vfs` is fully initialised and leaked (it outlives every connection); its name
    // and app data point to the leaked machine. `0`: not the default VFS.
    let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
    assert_eq!(rc, ffi::SQLITE_OK, "registering the VFS");
    machine
}

/// The machine of our VFS.
///
/// # Safety
/// `vfs` must be a VFS made by [`register`].
unsafe fn machine(vfs: *mut ffi::sqlite3_vfs) -> &'static Machine {
    // SAFETY: per the contract, `pAppData` is a leaked `Machine`.
    unsafe { &*(*vfs).pAppData.cast::<Machine>() }
}

/// An open file: ours first (SQLite sees `base`), the unix file right after.
#[repr(C)]
struct LazyFile {
    base: ffi::sqlite3_file,
    machine: &'static Machine,
    /// The page cache of a database, WAL or journal; `None` for temporary files.
    cache: Option<Arc<Mutex<Overlay>>>,
    /// The unix file, opened, in the bytes after this struct.
    real: *mut ffi::sqlite3_file,
}

// The unix file after ours starts 8-byte aligned, as SQLite aligns the whole.
const _: () = assert!(size_of::<LazyFile>().is_multiple_of(8));

/// The file SQLite hands a method.
///
/// # Safety
/// `file` must have been opened by [`x_open`] and not closed yet.
unsafe fn lazy<'a>(file: *mut ffi::sqlite3_file) -> &'a LazyFile {
    // SAFETY: per the contract, x_open wrote a LazyFile at `file` (`base` is its first field).
    unsafe { &*file.cast::<LazyFile>() }
}

/// Calls the unix file's method `$method` with the unix file and `$args`.
macro_rules! unix {
    ($file:expr, $method:ident $(, $arg:expr)*) => {{
        let file: &LazyFile = $file;
        match file.unix_methods().$method {
            // SAFETY: the unix file is open (it lives as long as ours) and the arguments are
            // SQLite's own, passed on unchanged, or buffers of the sizes given.
            Some(method) => unsafe { method(file.real $(, $arg)*) },
            None => ffi::SQLITE_MISUSE,
        }
    }};
}

impl LazyFile {
    fn unix_methods(&self) -> &'static ffi::sqlite3_io_methods {
        // SAFETY: `real` was opened by the unix VFS (a LazyFile is only made then), which
        // points it at its static method table.
        unsafe { &*(*self.real).pMethods }
    }

    fn disk(&self) -> RealFile<'_> {
        RealFile(self)
    }

    /// Runs `work` on the file's cache, or answers `off` when the power is cut. `None`: a
    /// temporary file, without cache.
    fn cached(&self, off: c_int, work: impl FnOnce(&mut Overlay) -> c_int) -> Option<c_int> {
        let cache = self.cache.as_ref()?;
        let mut cache = lock(cache);
        Some(if self.machine.powered() {
            work(&mut cache)
        } else {
            off
        })
    }
}

/// The unix file under a cache, as the cache's [`Disk`].
struct RealFile<'a>(&'a LazyFile);

fn code(rc: c_int) -> Result<(), i32> {
    if rc == ffi::SQLITE_OK { Ok(()) } else { Err(rc) }
}

impl Disk for RealFile<'_> {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), i32> {
        let (amount, offset) = (c_int::try_from(buf.len()), i64::try_from(offset));
        let (Ok(amount), Ok(offset)) = (amount, offset) else {
            return Err(ffi::SQLITE_IOERR_READ);
        };
        match unix!(self.0, xRead, buf.as_mut_ptr().cast(), amount, offset) {
            // A short read fills the rest with zeros, as the cache wants.
            ffi::SQLITE_IOERR_SHORT_READ => Ok(()),
            rc => code(rc),
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), i32> {
        let (amount, offset) = (c_int::try_from(data.len()), i64::try_from(offset));
        let (Ok(amount), Ok(offset)) = (amount, offset) else {
            return Err(ffi::SQLITE_IOERR_WRITE);
        };
        code(unix!(self.0, xWrite, data.as_ptr().cast(), amount, offset))
    }

    fn truncate(&mut self, size: u64) -> Result<(), i32> {
        let size = i64::try_from(size).map_err(|_| ffi::SQLITE_IOERR_TRUNCATE)?;
        code(unix!(self.0, xTruncate, size))
    }

    fn size(&mut self) -> Result<u64, i32> {
        let mut size: i64 = 0;
        code(unix!(self.0, xFileSize, &raw mut size))?;
        u64::try_from(size).map_err(|_| ffi::SQLITE_IOERR_FSTAT)
    }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

/// The files whose writes wait for a sync: the database and its journals.
const CACHED: c_int = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_WAL;

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls this with our VFS and `szOsFile` bytes at `file`, for us to fill;
    // a NULL method table tells it there is nothing to close if we fail.
    let machine = unsafe {
        (*file).pMethods = ptr::null();
        machine(vfs)
    };
    if !machine.powered() {
        return ffi::SQLITE_IOERR;
    }
    // SAFETY: the unix file's bytes follow ours within the `szOsFile` bytes (see `register`).
    let real = unsafe {
        file.cast::<u8>()
            .add(size_of::<LazyFile>())
            .cast::<ffi::sqlite3_file>()
    };
    let unix = machine.unix.get();
    let Some(open) = unix.xOpen else {
        return ffi::SQLITE_MISUSE;
    };
    // SAFETY: the unix VFS opens its file in its own `szOsFile` bytes, with SQLite's arguments.
    let rc = unsafe { open(machine.unix.0, name, real, flags, out_flags) };
    if rc != ffi::SQLITE_OK {
        return rc; // (the unix VFS left its file with no methods: nothing to close)
    }
    let cache = if flags & CACHED != 0 && !name.is_null() {
        // SAFETY: a file name from SQLite is NUL-terminated.
        let path = unsafe { CStr::from_ptr(name) };
        Some(machine.cache(&path.to_string_lossy()))
    } else {
        None
    };
    let own = LazyFile {
        base: ffi::sqlite3_file {
            pMethods: &raw const METHODS,
        },
        machine,
        cache,
        real,
    };
    // SAFETY: `file` has room for a LazyFile and is 8-byte aligned; x_close takes it back.
    unsafe { file.cast::<LazyFile>().write(own) };
    machine.open_files.fetch_add(1, Ordering::SeqCst);
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file we opened, once, and never uses it again: we take our
    // struct back (dropping its cache reference) after closing the unix file. The unix file is
    // closed even without power, so its descriptor and locks are released.
    let own = unsafe { file.cast::<LazyFile>().read() };
    let rc = unix!(&own, xClose);
    own.machine.open_files.fetch_sub(1, Ordering::SeqCst);
    rc
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    let (Ok(len), Ok(at)) = (usize::try_from(amount), u64::try_from(offset)) else {
        return ffi::SQLITE_IOERR_READ;
    };
    let read = file.cached(ffi::SQLITE_IOERR_READ, |cache| {
        // SAFETY: SQLite gives a buffer of `amount` bytes, ours until we return.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
        match cache.read(&mut file.disk(), at, out) {
            Ok(inside) if inside == len => ffi::SQLITE_OK,
            Ok(_) => ffi::SQLITE_IOERR_SHORT_READ,
            Err(rc) => rc,
        }
    });
    match read {
        Some(rc) => rc,
        None if !file.machine.powered() => ffi::SQLITE_IOERR_READ,
        None => unix!(file, xRead, buf, amount, offset),
    }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    let (Ok(len), Ok(at)) = (usize::try_from(amount), u64::try_from(offset)) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    if !file.machine.before_write() {
        return ffi::SQLITE_IOERR_WRITE;
    }
    let written = file.cached(ffi::SQLITE_IOERR_WRITE, |cache| {
        // SAFETY: SQLite gives `amount` bytes to write, ours to read until we return.
        let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
        cache
            .write(&mut file.disk(), at, data)
            .err()
            .unwrap_or(ffi::SQLITE_OK)
    });
    match written {
        Some(rc) => rc,
        None if !file.machine.powered() => ffi::SQLITE_IOERR_WRITE,
        None => unix!(file, xWrite, buf, amount, offset),
    }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    let Ok(new_size) = u64::try_from(size) else {
        return ffi::SQLITE_IOERR_TRUNCATE;
    };
    let truncated = file.cached(ffi::SQLITE_IOERR_TRUNCATE, |cache| {
        cache
            .truncate(&mut file.disk(), new_size)
            .err()
            .unwrap_or(ffi::SQLITE_OK)
    });
    match truncated {
        Some(rc) => rc,
        None if !file.machine.powered() => ffi::SQLITE_IOERR_TRUNCATE,
        None => unix!(file, xTruncate, size),
    }
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    let synced = file.cached(ffi::SQLITE_IOERR_FSYNC, |cache| {
        match cache.flush(&mut file.disk()) {
            Ok(()) => unix!(file, xSync, flags),
            Err(rc) => rc,
        }
    });
    let rc = match synced {
        Some(rc) => rc,
        None if !file.machine.powered() => ffi::SQLITE_IOERR_FSYNC,
        None => unix!(file, xSync, flags),
    };
    if rc == ffi::SQLITE_OK {
        file.machine.syncs.fetch_add(1, Ordering::SeqCst);
    }
    rc
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    let measured = file.cached(ffi::SQLITE_IOERR_FSTAT, |cache| {
        match cache.len(&mut file.disk()) {
            Ok(len) => match i64::try_from(len) {
                // SAFETY: SQLite gives a place for the size.
                Ok(len) => unsafe {
                    size.write(len);
                    ffi::SQLITE_OK
                },
                Err(_) => ffi::SQLITE_IOERR_FSTAT,
            },
            Err(rc) => rc,
        }
    });
    match measured {
        Some(rc) => rc,
        None if !file.machine.powered() => ffi::SQLITE_IOERR_FSTAT,
        None => unix!(file, xFileSize, size),
    }
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    if !file.machine.powered() {
        return ffi::SQLITE_IOERR_LOCK;
    }
    unix!(file, xLock, level)
}

/// Unlocking (and unmapping) still works without power: it only lets go, so connections can
/// close.
unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    unix!(unsafe { lazy(file) }, xUnlock, level)
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    if !file.machine.powered() {
        return ffi::SQLITE_IOERR_CHECKRESERVEDLOCK;
    }
    unix!(file, xCheckReservedLock, out)
}

unsafe extern "C" fn x_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    // Hints that would grow or map the unix file behind the cache's back.
    if file.cache.is_some() && matches!(op, ffi::SQLITE_FCNTL_SIZE_HINT | ffi::SQLITE_FCNTL_MMAP_SIZE) {
        return ffi::SQLITE_NOTFOUND;
    }
    unix!(file, xFileControl, op, arg)
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    unix!(unsafe { lazy(file) }, xSectorSize)
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    unix!(unsafe { lazy(file) }, xDeviceCharacteristics)
}

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    if !file.machine.powered() {
        return ffi::SQLITE_IOERR_SHMMAP;
    }
    unix!(file, xShmMap, region, size, extend, out)
}

unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    if flags & ffi::SQLITE_SHM_LOCK != 0 && !file.machine.powered() {
        return ffi::SQLITE_IOERR_SHMLOCK;
    }
    unix!(file, xShmLock, offset, n, flags)
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: SQLite calls with a file we opened.
    let file = unsafe { lazy(file) };
    if let Some(barrier) = file.unix_methods().xShmBarrier {
        // SAFETY: the unix file is open.
        unsafe { barrier(file.real) }
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: SQLite calls with a file we opened.
    unix!(unsafe { lazy(file) }, xShmUnmap, delete)
}

/// A deleted file's cache goes with it (a file made again under its name starts clean). Not
/// without power: the file stays as it was.
unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite calls with our VFS and a NUL-terminated path.
    let (machine, path) = unsafe { (machine(vfs), CStr::from_ptr(name)) };
    if !machine.powered() {
        return ffi::SQLITE_IOERR_DELETE;
    }
    lock(&machine.caches).remove(path.to_string_lossy().as_ref());
    let Some(delete) = machine.unix.get().xDelete else {
        return ffi::SQLITE_MISUSE;
    };
    // SAFETY: the unix VFS's own method, with SQLite's arguments.
    unsafe { delete(machine.unix.0, name, sync_dir) }
}

/// Whether a file exists: a file SQLite wrote and did not sync yet is as long as its cache
/// says (the unix VFS counts an empty file as missing).
unsafe extern "C" fn x_access(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    out: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls with our VFS and a NUL-terminated path.
    let (machine, path) = unsafe { (machine(vfs), CStr::from_ptr(name)) };
    if !machine.powered() {
        return ffi::SQLITE_IOERR_ACCESS;
    }
    let path = path.to_string_lossy();
    if flags == ffi::SQLITE_ACCESS_EXISTS {
        let len = lock(&machine.caches)
            .get(path.as_ref())
            .and_then(|cache| lock(cache).len_if_changed());
        if let Some(len) = len {
            let exists = Path::new(path.as_ref()).exists() && len > 0;
            // SAFETY: SQLite gives a place for the answer.
            unsafe { out.write(c_int::from(exists)) };
            return ffi::SQLITE_OK;
        }
    }
    let Some(access) = machine.unix.get().xAccess else {
        return ffi::SQLITE_MISUSE;
    };
    // SAFETY: the unix VFS's own method, with SQLite's arguments.
    unsafe { access(machine.unix.0, name, flags, out) }
}

/// The rest of the VFS is the unix VFS's, called with the unix VFS.
macro_rules! unix_vfs {
    ($name:ident, $method:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(vfs: *mut ffi::sqlite3_vfs $(, $arg: $ty)*) -> $ret {
            // SAFETY: SQLite calls with our VFS; its arguments go to the unix VFS's method.
            let machine = unsafe { machine(vfs) };
            match machine.unix.get().$method {
                // SAFETY: as above.
                Some(method) => unsafe { method(machine.unix.0 $(, $arg)*) },
                None => $missing,
            }
        }
    };
}

type Symbol = Option<unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char)>;

unix_vfs!(x_full_pathname, xFullPathname, (name: *const c_char, n: c_int, out: *mut c_char) -> c_int, ffi::SQLITE_MISUSE);
unix_vfs!(x_dl_open, xDlOpen, (name: *const c_char) -> *mut c_void, ptr::null_mut());
unix_vfs!(x_dl_error, xDlError, (n: c_int, out: *mut c_char) -> (), ());
unix_vfs!(x_dl_sym, xDlSym, (handle: *mut c_void, symbol: *const c_char) -> Symbol, None);
unix_vfs!(x_dl_close, xDlClose, (handle: *mut c_void) -> (), ());
unix_vfs!(x_randomness, xRandomness, (n: c_int, out: *mut c_char) -> c_int, 0);
unix_vfs!(x_sleep, xSleep, (microseconds: c_int) -> c_int, 0);
unix_vfs!(x_current_time, xCurrentTime, (now: *mut f64) -> c_int, ffi::SQLITE_ERROR);
unix_vfs!(x_get_last_error, xGetLastError, (n: c_int, out: *mut c_char) -> c_int, 0);
unix_vfs!(x_current_time_int64, xCurrentTimeInt64, (now: *mut i64) -> c_int, ffi::SQLITE_ERROR);
