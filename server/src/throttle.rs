//! Keeps sign-in from being turned against the tills on a shared venue Wi-Fi: rate limits of
//! sign-in and approval attempts (GCRA, `governor`), and a summary of failed attempts for the
//! audit log (one row when a window opens, one with the count when it closes), so a flood of
//! bad sign-ins neither writes a row per attempt nor takes SQLite's write turn per attempt.
//!
//! - Per client address, every attempt is charged before anything is looked up or hashed: a
//!   flood from one address stops at the door, and its refusals are answered after
//!   [`REFUSAL_DELAY`], so back-to-back retries cannot keep the server's cores busy.
//! - Per login, each failure is charged; a login whose failures used up its budget is refused
//!   at the door until it refills (guesses spread over many addresses). Right sign-ins are
//!   not charged: staff registering ten tablets in the morning are no attack.
//! - Per account, the database locks a secret after 5 failures (`usecases::sessions`).
//!
//! It also holds the server's cap on concurrent argon2 checks ([`crate::secrets::CheckCap`]).

use chrono::{DateTime, Duration, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// The attempts a client address may make at once, then one more every
/// [`ADDRESS_PERIOD_SECS`] seconds (per gate: sign-in and approvals are counted apart).
pub const ADDRESS_BURST: u32 = 20;
pub const ADDRESS_PERIOD_SECS: u64 = 3;
/// The failures at one login at once, then one more every [`LOGIN_PERIOD_SECS`] seconds.
pub const LOGIN_BURST: u32 = 10;
pub const LOGIN_PERIOD_SECS: u64 = 6;
/// By default, how long an attempt refused at the door waits for its answer: a client that retries the
/// moment it is answered (a flood, one loop per connection) is slowed to a few attempts a
/// second per connection, so refusing it costs the tills next to nothing. A waiting answer
/// holds no thread, no database connection and no lock.
pub const REFUSAL_DELAY: std::time::Duration = std::time::Duration::from_millis(500);
/// How long a failure summary stays open: the first failure of a window is written at once,
/// the others as one row with their count when it closes.
pub const SUMMARY_MINUTES: i64 = 5;
/// Logins (and addresses) followed at once; beyond it failures are summed under `*`.
pub const MAX_SUMMARIES: usize = 4096;

/// What an attempt is for: each has its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gate {
    /// `POST /api/v1/session` and `/session/pin`.
    SignIn,
    /// `POST /api/v1/approvals` (a manager's PIN).
    Approval,
}

impl Gate {
    pub fn code(self) -> &'static str {
        match self {
            Gate::SignIn => "sign_in",
            Gate::Approval => "approval",
        }
    }
}

type Limiter<K> = RateLimiter<K, DashMapStateStore<K>, DefaultClock>;

/// The rate limits and the failure summaries of one server; cheap to clone.
#[derive(Clone)]
pub struct Throttle {
    inner: Arc<Inner>,
}

struct Inner {
    by_address: Limiter<(Gate, IpAddr)>,
    by_login: Limiter<(Gate, String)>,
    /// Logins (and approving addresses) whose failures used up their budget, and until when.
    blocked: Mutex<HashMap<Blocked, Instant>>,
    summaries: Mutex<HashMap<SummaryKey, Window>>,
    checks: crate::secrets::CheckCap,
    refusal_delay: std::time::Duration,
}

/// What failures can block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Blocked {
    Login(Gate, String),
    Address(Gate, IpAddr),
}

/// An attempt refused by a rate limit: retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after_secs: u64,
}

/// What a failure summary counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SummaryKey {
    /// `session.login_failed` (wrong or locked secret) or `session.rate_limited`.
    pub action: &'static str,
    /// `password` or `pin` (for failures), or the gate (for rate limits).
    pub kind: &'static str,
    /// The login tried (at most 32 characters: longer ones never get this far), or the
    /// client address for rate limits; `*` once [`MAX_SUMMARIES`] are followed.
    pub subject: String,
}

#[derive(Debug, Clone)]
struct Window {
    user_id: Option<i64>,
    register_id: Option<i64>,
    opened: DateTime<Utc>,
    last: DateTime<Utc>,
    address: String,
    unwritten: u64,
}

/// A row for the audit log: `count` attempts of `key` between `from` and `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub key: SummaryKey,
    pub user_id: Option<i64>,
    pub register_id: Option<i64>,
    pub count: u64,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The client address of the last attempt counted.
    pub address: String,
}

/// An IPv6 client is limited by its /64 (one host picks any address in it); an IPv4-mapped
/// address is its IPv4 one.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// Refused for `wait`: retry after that many seconds, rounded up.
fn refused(wait: std::time::Duration) -> Refused {
    Refused {
        retry_after_secs: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
    }
}

fn quota(burst: u32, period_secs: u64) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(std::time::Duration::from_secs(period_secs))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle::with_refusal_delay(REFUSAL_DELAY)
    }

    /// A throttle whose refusals at the door are answered after `refusal_delay`.
    pub fn with_refusal_delay(refusal_delay: std::time::Duration) -> Throttle {
        Throttle {
            inner: Arc::new(Inner {
                by_address: RateLimiter::dashmap(quota(ADDRESS_BURST, ADDRESS_PERIOD_SECS)),
                by_login: RateLimiter::dashmap(quota(LOGIN_BURST, LOGIN_PERIOD_SECS)),
                blocked: Mutex::new(HashMap::new()),
                summaries: Mutex::new(HashMap::new()),
                checks: crate::secrets::CheckCap::default(),
                refusal_delay,
            }),
        }
    }

    /// Waits before a refusal at the door is answered (see [`REFUSAL_DELAY`]).
    pub async fn delay_refusal(&self, refused: Refused) -> Refused {
        tokio::time::sleep(self.inner.refusal_delay).await;
        refused
    }

    /// The cap on this server's argon2 checks.
    pub fn checks(&self) -> &crate::secrets::CheckCap {
        &self.inner.checks
    }

    /// Takes one attempt at `gate` from `client` for `login` (trimmed, lowercased): refused
    /// when the address has used up its budget, or the login its failures
    /// ([`Throttle::failed`]). A sign-in attempt is charged to its address here, whatever
    /// comes of it (anyone may try); an approval is asked for by a signed-in tablet or council
    /// user, so only its failures are charged to the address (a busy till asks for many).
    pub fn admit(&self, gate: Gate, client: IpAddr, login: &str) -> Result<(), Refused> {
        let inner = &self.inner;
        let address = client_key(client);
        if gate == Gate::SignIn {
            inner
                .by_address
                .check_key(&(gate, address))
                .map_err(|not_until| refused(not_until.wait_time_from(inner.by_address.clock().now())))?;
        }
        let blocked = inner.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        [
            Blocked::Address(gate, address),
            Blocked::Login(gate, login.to_string()),
        ]
        .iter()
        .filter_map(|key| blocked.get(key).filter(|until| **until > now))
        .max()
        .map_or(Ok(()), |until| Err(refused(*until - now)))
    }

    /// Charges a failed attempt at `login` (and, for approvals, from `client`): once the
    /// failures have used up the budget, the login (the address) is refused at the door until
    /// the budget refills.
    pub fn failed(&self, gate: Gate, client: IpAddr, login: &str) {
        let inner = &self.inner;
        let mut block = Vec::new();
        let key = (gate, login.to_string());
        if let Err(not_until) = inner.by_login.check_key(&key) {
            let wait = not_until.wait_time_from(inner.by_login.clock().now());
            block.push((Blocked::Login(gate, key.1), wait));
        }
        if gate == Gate::Approval {
            let key = (gate, client_key(client));
            if let Err(not_until) = inner.by_address.check_key(&key) {
                let wait = not_until.wait_time_from(inner.by_address.clock().now());
                block.push((Blocked::Address(gate, key.1), wait));
            }
        }
        let mut blocked = inner.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, wait) in block {
            blocked.insert(key, Instant::now() + wait);
        }
    }

    /// Counts one attempt of `key`; answers the rows to write now: the summary of the key's
    /// previous window if it ended with attempts unwritten, and the first attempt of a new
    /// window. Within an open window the attempt is only counted.
    pub fn note(
        &self,
        key: SummaryKey,
        user_id: Option<i64>,
        register_id: Option<i64>,
        address: IpAddr,
        now: DateTime<Utc>,
    ) -> Vec<SummaryRow> {
        let mut summaries = self
            .inner
            .summaries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let key = if summaries.len() >= MAX_SUMMARIES && !summaries.contains_key(&key) {
            SummaryKey {
                subject: "*".into(),
                ..key
            }
        } else {
            key
        };
        let address = address.to_string();
        let mut rows = Vec::new();
        if let Some(window) = summaries.get_mut(&key) {
            if now - window.opened < Duration::minutes(SUMMARY_MINUTES) {
                window.unwritten += 1;
                window.last = now;
                window.address = address;
                return rows;
            }
            if window.unwritten > 0 {
                rows.push(window.row(&key));
            }
        }
        let window = Window {
            user_id,
            register_id,
            opened: now,
            last: now,
            address,
            unwritten: 0,
        };
        rows.push(SummaryRow {
            count: 1,
            ..window.row(&key)
        });
        summaries.insert(key, window);
        rows
    }

    /// The summaries of windows that have closed by `now` (all of them when `all`, at
    /// shutdown), forgotten once answered; and the rate limits' idle keys are dropped.
    pub fn closed(&self, now: DateTime<Utc>, all: bool) -> Vec<SummaryRow> {
        let mut summaries = self
            .inner
            .summaries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut rows = Vec::new();
        summaries.retain(|key, window| {
            let open = !all && now - window.opened < Duration::minutes(SUMMARY_MINUTES);
            if !open && window.unwritten > 0 {
                rows.push(window.row(key));
            }
            open
        });
        drop(summaries);
        let instant = Instant::now();
        self.inner
            .blocked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, until| *until > instant);
        self.inner.by_login.retain_recent();
        self.inner.by_login.shrink_to_fit();
        self.inner.by_address.retain_recent();
        self.inner.by_address.shrink_to_fit();
        rows
    }
}

impl Window {
    /// The row of the attempts not yet written.
    fn row(&self, key: &SummaryKey) -> SummaryRow {
        SummaryRow {
            key: key.clone(),
            user_id: self.user_id,
            register_id: self.register_id,
            count: self.unwritten,
            from: self.opened,
            until: self.last,
            address: self.address.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(subject: &str) -> SummaryKey {
        SummaryKey {
            action: "session.login_failed",
            kind: "password",
            subject: subject.into(),
        }
    }

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 20));

    #[test]
    fn an_address_and_a_login_each_have_a_budget() {
        let throttle = Throttle::new();
        // Right sign-ins cost the login nothing; failures do.
        for _ in 0..LOGIN_BURST {
            assert_eq!(throttle.admit(Gate::SignIn, HOME, "admin"), Ok(()));
            throttle.failed(Gate::SignIn, HOME, "admin");
        }
        assert_eq!(
            throttle.admit(Gate::SignIn, HOME, "admin"),
            Ok(()),
            "the budget, used up"
        );
        throttle.failed(Gate::SignIn, HOME, "admin");
        let refused = throttle
            .admit(Gate::SignIn, HOME, "admin")
            .expect_err("the login's failures used up its budget");
        assert!((1..=LOGIN_PERIOD_SECS).contains(&refused.retry_after_secs));
        // Another login from the same address still may, until the address's budget is used.
        for _ in LOGIN_BURST + 2..ADDRESS_BURST {
            assert_eq!(throttle.admit(Gate::SignIn, HOME, "staff"), Ok(()));
        }
        let refused = throttle
            .admit(Gate::SignIn, HOME, "staff")
            .expect_err("the address used up its budget");
        assert!((1..=ADDRESS_PERIOD_SECS).contains(&refused.retry_after_secs));
        // Approvals are counted apart, and so is every other address.
        assert_eq!(throttle.admit(Gate::Approval, HOME, "admin"), Ok(()));
        // An approving tablet is charged its failures only.
        for _ in 0..3 * ADDRESS_BURST {
            assert_eq!(throttle.admit(Gate::Approval, HOME, "staff"), Ok(()));
        }
        for n in 0..=ADDRESS_BURST {
            throttle.failed(Gate::Approval, HOME, &format!("approver{n}"));
        }
        assert!(throttle.admit(Gate::Approval, HOME, "staff").is_err());
        let other: IpAddr = "192.168.1.21".parse().expect("ip");
        assert_eq!(throttle.admit(Gate::SignIn, other, "staff"), Ok(()));
        assert!(
            throttle.admit(Gate::SignIn, other, "admin").is_err(),
            "still blocked"
        );
    }

    #[test]
    fn an_ipv6_host_is_limited_by_its_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b));
        let mapped: IpAddr = "::ffff:192.168.1.20".parse().expect("ip");
        assert_eq!(client_key(mapped), HOME);
    }

    #[test]
    fn failures_are_summarised_one_row_per_window() {
        let throttle = Throttle::new();
        let t0 = Utc::now();
        let first = throttle.note(key("admin"), Some(1), None, HOME, t0);
        assert_eq!(first.len(), 1, "the first failure is written at once");
        assert_eq!(first[0].count, 1);
        for n in 1..50 {
            let at = t0 + Duration::seconds(n);
            assert!(throttle.note(key("admin"), Some(1), None, HOME, at).is_empty());
        }
        assert!(
            throttle.closed(t0 + Duration::seconds(60), false).is_empty(),
            "still open"
        );
        // The next window's first failure brings the last one's summary.
        let later = t0 + Duration::minutes(SUMMARY_MINUTES) + Duration::seconds(1);
        let rows = throttle.note(key("admin"), Some(1), None, HOME, later);
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [49, 1]);
        assert_eq!(rows[0].until, t0 + Duration::seconds(49));
        // At shutdown the open windows are written.
        throttle.note(key("admin"), Some(1), None, HOME, later);
        let rows = throttle.closed(later, true);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].count, 1);
        assert!(throttle.closed(later, true).is_empty(), "written once");
    }

    #[test]
    fn the_number_of_summaries_is_bounded() {
        let throttle = Throttle::new();
        let now = Utc::now();
        for n in 0..MAX_SUMMARIES + 10 {
            throttle.note(key(&format!("login{n}")), None, None, HOME, now);
        }
        let rows = throttle.closed(now, true);
        assert!(rows.len() <= 1, "only `*` had more than its first failure");
        assert_eq!(rows[0].key.subject, "*");
        assert_eq!(rows[0].count, 9);
    }
}
