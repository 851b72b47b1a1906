//! Coins and notes as a cashier hands them over: the change as the pieces to give back, for
//! the やさしいレジ, which shows pictures of them instead of asking anyone to work them out.

use crate::Yen;
use crate::register_sessions::DenominationCount;

/// The notes and coins a till gives change in, largest first. No ¥2,000 note: tills rarely
/// hold one, and a cashier who is shown one would look for it in vain.
pub const CHANGE_PIECES: [i64; 9] = [10_000, 5_000, 1_000, 500, 100, 50, 10, 5, 1];

/// The pieces that make up `change`, largest first, each with how many (never a zero count):
/// ¥280 is 100×2, 50×1, 10×3. Nothing for zero or a negative amount.
pub fn change_pieces(change: Yen) -> Vec<DenominationCount> {
    let mut rest = change.0.max(0);
    CHANGE_PIECES
        .iter()
        .filter_map(|&denomination| {
            let count = rest / denomination;
            rest %= denomination;
            (count > 0).then_some(DenominationCount { denomination, count })
        })
        .collect()
}

/// A note (true) or a coin: notes are drawn as notes.
pub fn is_note(denomination: i64) -> bool {
    denomination >= 1_000
}

/// The sum of pieces tapped one by one (お預かり on the やさしいレジ). Saturates instead of
/// overflowing: a screen of taps never gets near.
pub fn tapped_total(tapped: &[i64]) -> Yen {
    Yen(tapped.iter().fold(0i64, |sum, &d| sum.saturating_add(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(change: i64) -> Vec<(i64, i64)> {
        change_pieces(Yen(change))
            .into_iter()
            .map(|p| (p.denomination, p.count))
            .collect()
    }

    #[test]
    fn change_is_handed_back_largest_first() {
        // ¥1,000 − ¥720.
        assert_eq!(pieces(280), vec![(100, 2), (50, 1), (10, 3)]);
        assert_eq!(
            pieces(9_999),
            vec![
                (5_000, 1),
                (1_000, 4),
                (500, 1),
                (100, 4),
                (50, 1),
                (10, 4),
                (5, 1),
                (1, 4)
            ]
        );
        assert_eq!(pieces(26_000), vec![(10_000, 2), (5_000, 1), (1_000, 1)]);
        assert_eq!(pieces(2_000), vec![(1_000, 2)], "no ¥2,000 note is handed back");
    }

    #[test]
    fn no_change_is_no_pieces() {
        assert!(pieces(0).is_empty());
        assert!(pieces(-5).is_empty());
    }

    #[test]
    fn the_pieces_add_up_to_the_change() {
        for change in (0..20_000).step_by(7) {
            let sum: i64 = change_pieces(Yen(change))
                .iter()
                .map(|p| p.denomination * p.count)
                .sum();
            assert_eq!(sum, change);
        }
    }

    #[test]
    fn taps_add_up() {
        assert_eq!(tapped_total(&[1_000, 100, 100]), Yen(1_200));
        assert_eq!(tapped_total(&[]), Yen(0));
        assert_eq!(tapped_total(&[i64::MAX, 1]), Yen(i64::MAX));
    }
}
