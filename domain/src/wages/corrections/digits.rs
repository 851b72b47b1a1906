//! How a misread figure differs from its likely value: one digit changed, or two neighbouring
//! digits swapped (the slips of reading a printed table).

/// How two values of the same number of digits differ: `Some(Changed)` in one digit,
/// `Some(Swapped)` by two neighbouring digits exchanged; `None` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DigitSlip {
    Changed,
    Swapped,
}

pub(super) fn digit_slip(a: i64, b: i64) -> Option<DigitSlip> {
    let (a, b) = (a.to_string(), b.to_string());
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a == b {
        return None;
    }
    let differing: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match differing.as_slice() {
        [_] => Some(DigitSlip::Changed),
        [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i] => Some(DigitSlip::Swapped),
        _ => None,
    }
}

pub(super) fn slip_words(slip: DigitSlip) -> &'static str {
    match slip {
        DigitSlip::Changed => "1桁だけ違います",
        DigitSlip::Swapped => "隣り合う2桁が入れ替わっています",
    }
}

/// Every non-negative value with the same number of digits as `value` that differs from it in
/// one digit or by two neighbouring digits swapped (no leading zero).
pub(super) fn one_slip_away(value: i64) -> Vec<i64> {
    if value < 0 {
        return Vec::new();
    }
    let digits: Vec<u8> = value.to_string().into_bytes();
    let mut out = Vec::new();
    let mut push = |d: &[u8]| {
        if (d.len() == 1 || d[0] != b'0')
            && let Some(v) = std::str::from_utf8(d).ok().and_then(|s| s.parse::<i64>().ok())
            && v != value
            && !out.contains(&v)
        {
            out.push(v);
        }
    };
    for i in 0..digits.len() {
        for c in b'0'..=b'9' {
            if c != digits[i] {
                let mut d = digits.clone();
                d[i] = c;
                push(&d);
            }
        }
    }
    for i in 0..digits.len().saturating_sub(1) {
        let mut d = digits.clone();
        d.swap(i, i + 1);
        push(&d);
    }
    out.sort_unstable();
    out
}
