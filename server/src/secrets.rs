//! Secrets: argon2id hashes for passwords and PINs, random tokens for sessions and tablets.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// How many argon2 checks (19 MiB, tens of milliseconds of a core each) run at once: half the
/// cores, at least 1 and at most 4, so sign-ins never take the cores the tills' sales need.
pub fn check_permits() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .clamp(1, 4)
}

/// Checks that may wait for their turn; past it a sign-in is turned away at once (busy).
pub const MAX_WAITING_CHECKS: usize = 64;

/// The cap on argon2 checks of one server: [`check_permits`] at a time, at most
/// [`MAX_WAITING_CHECKS`] waiting.
#[derive(Debug)]
pub struct CheckCap {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl Default for CheckCap {
    fn default() -> Self {
        CheckCap {
            permits: Arc::new(Semaphore::new(check_permits())),
            waiting: AtomicUsize::new(0),
        }
    }
}

/// Too many sign-ins are waiting for their check already: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl CheckCap {
    /// [`verify`] on the blocking pool under the cap. The permit goes with the check, so a
    /// client that hangs up does not free it while its hash is still being computed.
    pub async fn verify(&self, hash: Option<String>, secret: String) -> Result<bool, Busy> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let waiting = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_CHECKS {
            return Err(Busy);
        }
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| Busy)?;
        drop(waiting);
        let (answer, answered) = tokio::sync::oneshot::channel();
        let check = move || {
            let _permit = permit;
            let _ = answer.send(verify(hash.as_deref(), &secret));
        };
        match CHECK_POOL.as_ref() {
            Some(pool) => pool.spawn(check),
            None => drop(tokio::task::spawn_blocking(check)),
        }
        answered.await.map_err(|_| Busy)
    }
}

/// The threads that run argon2 checks, [`check_permits`] of them, at a lower OS priority than
/// the rest of selpos: while a flood of sign-ins is being checked, the tills' sales still get
/// the cores first (a check is a few tens of milliseconds of work nobody at a till waits for).
/// Should the threads not start, checks run on tokio's blocking pool, under the cap still.
static CHECK_POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(check_permits())
        .thread_name(|n| format!("selpos-check-{n}"))
        .start_handler(|_| lower_this_threads_priority())
        .build()
        .inspect_err(|error| tracing::warn!(%error, "sign-in check threads did not start"))
        .ok()
});

/// Nice 10 for the calling thread (Linux keeps a nice value per thread). Best effort: where it
/// cannot be lowered, checks run at normal priority and the cap alone protects the tills.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), CHECK_NICENESS) {
        tracing::warn!(%error, "could not lower the priority of a sign-in check thread");
    }
}

/// The nice value of the check threads: a thread at nice 10 gets about a tenth of the CPU of a
/// thread at nice 0 when both want it.
#[cfg(target_os = "linux")]
const CHECK_NICENESS: i32 = 10;

/// An argon2id hash (PHC string) of a password or PIN.
pub fn hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

/// Whether `secret` matches `hash`. Without a hash, a dummy one is checked so that an unknown
/// login takes as long as a wrong password.
pub fn verify(hash: Option<&str>, secret: &str) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| self::hash("selpos-dummy-secret").unwrap_or_default());
    let stored = hash.unwrap_or(DUMMY.as_str());
    let ok = PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && hash.is_some()
}

/// A fresh random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: its SHA-256, so a leaked table opens no session.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_secret() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(&h), "correct horse battery"));
        assert!(!verify(Some(&h), "correct horse batterY"));
        assert!(!verify(None, "selpos-dummy-secret"), "no hash never verifies");
        assert!(!verify(Some("not a hash"), "x"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn checks_run_below_the_tills_priority() {
        let this_thread = || rustix::process::getpriority_process(Some(rustix::thread::gettid()));
        let pool = CHECK_POOL.as_ref().expect("check threads");
        let in_pool = pool.install(this_thread).expect("niceness of a check thread");
        let here = this_thread().expect("niceness of the test thread");
        assert_eq!(in_pool, here.max(CHECK_NICENESS), "check threads run at nice 10");
    }

    #[tokio::test]
    async fn capped_checks_verify_like_the_plain_one() {
        let h = hash("correct horse battery").expect("hash");
        let cap = Arc::new(CheckCap::default());
        let checks = (0..6).map(|n| {
            let (h, cap) = (h.clone(), cap.clone());
            tokio::spawn(async move {
                let secret = if n % 2 == 0 {
                    "correct horse battery"
                } else {
                    "wrong"
                };
                cap.verify(Some(h), secret.into()).await
            })
        });
        let answers = join_all(checks.collect()).await;
        assert_eq!(
            answers,
            [Ok(true), Ok(false), Ok(true), Ok(false), Ok(true), Ok(false)]
        );
        assert!(check_permits() >= 1);
    }

    async fn join_all(tasks: Vec<tokio::task::JoinHandle<Result<bool, Busy>>>) -> Vec<Result<bool, Busy>> {
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.expect("task"));
        }
        out
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
