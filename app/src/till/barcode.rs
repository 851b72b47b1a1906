//! Keyboard-wedge barcode scanners: they "type" the digits of the code within a few
//! milliseconds and press Enter. Fingers are far slower, so the gap between keys tells a scan
//! from typing, and a scan works wherever the focus is (outside text fields).

/// The longest gap between two keys of one scan. Scanners send a key every 1–20 ms; nobody
/// types digits 50 ms apart for long.
pub const MAX_GAP_MS: f64 = 50.0;
/// Codes shorter than JAN-8 are not barcodes.
pub const MIN_DIGITS: usize = 8;
/// Longer than GTIN-14: not one of ours.
pub const MAX_DIGITS: usize = 14;

/// Collects the keys of a scan as they arrive.
#[derive(Debug, Clone, Default)]
pub struct Wedge {
    digits: String,
    last_ms: f64,
}

impl Wedge {
    /// Feeds one key (`KeyboardEvent.key`) pressed at `now_ms`; answers the code when the key
    /// is the Enter that ends a scan (the page must then keep that Enter from pressing the
    /// focused button).
    pub fn key(&mut self, key: &str, now_ms: f64) -> Option<String> {
        let fast = now_ms - self.last_ms <= MAX_GAP_MS;
        self.last_ms = now_ms;
        match key {
            "Enter" => {
                let digits = std::mem::take(&mut self.digits);
                (fast && (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())).then_some(digits)
            }
            k if k.len() == 1 && k.bytes().all(|b| b.is_ascii_digit()) => {
                if !fast || self.digits.len() >= MAX_DIGITS {
                    self.digits.clear();
                }
                self.digits.push_str(k);
                None
            }
            _ => {
                self.digits.clear();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(wedge: &mut Wedge, keys: &[&str], start: f64, gap: f64) -> Option<String> {
        let mut found = None;
        for (i, key) in keys.iter().enumerate() {
            if let Some(code) = wedge.key(key, start + gap * i as f64) {
                found = Some(code);
            }
        }
        found
    }

    fn keys(code: &str) -> Vec<String> {
        code.chars()
            .map(String::from)
            .chain(["Enter".to_string()])
            .collect()
    }

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan() {
        let mut wedge = Wedge::default();
        let k = keys("4999001000003");
        let k: Vec<&str> = k.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut wedge, &k, 1000.0, 5.0), Some("4999001000003".into()));
        // JAN-8 too.
        let k8 = keys("49123456");
        let k8: Vec<&str> = k8.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut wedge, &k8, 5000.0, 3.0), Some("49123456".into()));
    }

    #[test]
    fn typing_by_hand_is_not_a_scan() {
        let mut wedge = Wedge::default();
        let k = keys("4999001000003");
        let k: Vec<&str> = k.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut wedge, &k, 1000.0, 180.0), None);
    }

    #[test]
    fn short_bursts_and_other_keys_reset() {
        let mut wedge = Wedge::default();
        assert_eq!(feed(&mut wedge, &["1", "2", "3", "Enter"], 0.0, 5.0), None);
        assert_eq!(
            feed(
                &mut wedge,
                &["4", "9", "9", "a", "9", "0", "0", "1", "Enter"],
                100.0,
                5.0
            ),
            None
        );
        // A slow first digit followed by a scan: the scan alone counts.
        let mut wedge = Wedge::default();
        wedge.key("7", 0.0);
        let k = keys("49123456");
        let k: Vec<&str> = k.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut wedge, &k, 500.0, 4.0), Some("49123456".into()));
    }
}
