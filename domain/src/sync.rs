//! How a tablet treats the server's answer to a queued sale, and how long it waits before
//! trying again. The tablet's sync loop and the chaos test both follow these rules, so the
//! test retries exactly as a till does.

/// What becomes of a queued sale after the server answered `status` (`None`: no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded (201), or recorded before (200): remove it from the queue.
    Done,
    /// Refused: park it with the server's message for a person to look at.
    Park,
    /// The session expired: keep it queued until the cashier signs in again.
    SignIn,
    /// Try again later.
    Retry,
}

pub fn outcome(status: Option<u16>) -> Outcome {
    match status {
        Some(200..=299) => Outcome::Done,
        Some(401) => Outcome::SignIn,
        // Timeout and "too many requests" say nothing about the sale itself.
        Some(408 | 429) => Outcome::Retry,
        Some(400..=499) => Outcome::Park,
        _ => Outcome::Retry,
    }
}

/// What becomes of a batch of queued sales (`POST /api/v1/sales/batch`) after the server
/// answered the request as a whole (`None`: no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// 200: each sale by its own result's status ([`outcome`]).
    Answered,
    /// The server has no batch route (404, or 405 from an older server's `/sales/{id}`) or
    /// refused the request as a whole (another 4xx, e.g. 413): send these sales one by one,
    /// so each is still answered on its own.
    OneByOne,
    /// The session expired: keep them queued until the cashier signs in again.
    SignIn,
    /// Try again later: every sale stays queued.
    Retry,
}

pub fn batch_outcome(status: Option<u16>) -> BatchOutcome {
    match status {
        Some(200) => BatchOutcome::Answered,
        // Another 2xx is no answer this client knows how to read.
        Some(201..=299) => BatchOutcome::Retry,
        _ => match outcome(status) {
            Outcome::SignIn => BatchOutcome::SignIn,
            Outcome::Park => BatchOutcome::OneByOne,
            Outcome::Done | Outcome::Retry => BatchOutcome::Retry,
        },
    }
}

/// The wait before the next pass after `failures` failed passes in a row: 2 s, 4 s, … up to
/// 60 s, spread a little (`jitter` in 0..=1) so tablets coming back together do not all call
/// at once.
pub fn backoff_ms(failures: u32, jitter: f64) -> f64 {
    let base = 2_000.0 * f64::from(1_u32 << failures.clamp(1, 6).saturating_sub(1));
    base.min(60_000.0) * (1.0 + 0.2 * jitter.clamp(0.0, 1.0))
}

/// A receipt prints by itself when its sale reaches the server within this time of being rung
/// up: the customer may still be at the till (a sale sent at once, or after a short drop of
/// the Wi-Fi). Older sales caught up after an outage do not print — the customers have gone,
/// and a printer spewing a hundred receipts blocks the next ones; they can be printed again
/// from the receipts page.
pub const PRINT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// Whether the receipt of a sale rung up at `sold_at` prints when it is synced at `now` (both
/// by the tablet's clock).
pub fn prints_when_synced(
    sold_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    now.signed_duration_since(sold_at) <= PRINT_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_receipts_of_recent_sales_print_on_sync() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        assert!(prints_when_synced(now, now));
        assert!(prints_when_synced(now - PRINT_WINDOW, now));
        assert!(!prints_when_synced(
            now - PRINT_WINDOW - chrono::TimeDelta::seconds(1),
            now
        ));
        assert!(!prints_when_synced(now - chrono::TimeDelta::hours(3), now));
        // A tablet clock a little ahead of the sale's own is still "now".
        assert!(prints_when_synced(now + chrono::TimeDelta::seconds(30), now));
    }

    #[test]
    fn answers_decide_the_fate_of_a_sale() {
        assert_eq!(outcome(Some(201)), Outcome::Done);
        assert_eq!(outcome(Some(200)), Outcome::Done);
        for status in [400, 403, 404, 409, 413, 422] {
            assert_eq!(outcome(Some(status)), Outcome::Park, "{status}");
        }
        assert_eq!(outcome(Some(401)), Outcome::SignIn);
        for status in [408, 429, 500, 502, 503] {
            assert_eq!(outcome(Some(status)), Outcome::Retry, "{status}");
        }
        assert_eq!(outcome(None), Outcome::Retry);
    }

    #[test]
    fn a_batch_is_answered_sale_by_sale_or_sent_again() {
        assert_eq!(batch_outcome(Some(200)), BatchOutcome::Answered);
        for status in [404, 405, 413, 422, 400, 403] {
            assert_eq!(batch_outcome(Some(status)), BatchOutcome::OneByOne, "{status}");
        }
        assert_eq!(batch_outcome(Some(401)), BatchOutcome::SignIn);
        for status in [201, 204, 408, 429, 500, 503] {
            assert_eq!(batch_outcome(Some(status)), BatchOutcome::Retry, "{status}");
        }
        assert_eq!(batch_outcome(None), BatchOutcome::Retry);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let waits: Vec<f64> = (1..=8).map(|f| backoff_ms(f, 0.0)).collect();
        assert_eq!(
            waits,
            [
                2_000.0, 4_000.0, 8_000.0, 16_000.0, 32_000.0, 60_000.0, 60_000.0, 60_000.0
            ]
        );
        assert_eq!(backoff_ms(1, 1.0), 2_400.0);
        assert_eq!(backoff_ms(0, 0.0), 2_000.0);
    }
}
