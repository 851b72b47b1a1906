//! What the till tells its customer screen (お客様画面): its cart, total, money received and
//! change, as one [`DisplayState`]. Pure; the page publishes it (`pages::till::display`).

use selpos_domain::Yen;
use selpos_domain::customer_display::{DisplayLine, DisplayPhase, DisplayState};
use selpos_domain::sales::cart::{CartLine, CartTotals};

/// The sale just paid, as the screen shows it until the next customer's first item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    pub total: Yen,
    pub paid: Yen,
    pub change: Yen,
}

/// The screen's state for a cart (with its totals, when it can be totalled), the money
/// received so far, and the sale just paid.
pub fn display_state(
    seq: i64,
    lines: &[CartLine],
    totals: Option<&CartTotals>,
    received: Yen,
    last: Option<Paid>,
) -> DisplayState {
    if lines.is_empty() {
        return match last {
            Some(paid) => DisplayState {
                seq,
                phase: DisplayPhase::Paid,
                lines: Vec::new(),
                total: paid.total,
                tendered: paid.paid,
                change: paid.change,
            },
            None => DisplayState {
                seq,
                ..DisplayState::default()
            },
        };
    }
    DisplayState {
        seq,
        phase: DisplayPhase::Cart,
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, line)| DisplayLine {
                name: line.name.clone(),
                quantity: line.quantity,
                amount: totals
                    .and_then(|t| t.lines.get(i))
                    .map_or(Yen(line.unit_price.0.saturating_mul(line.quantity)), |a| a.net),
            })
            .collect(),
        total: totals.map_or(Yen::ZERO, |t| t.total),
        tendered: received,
        change: Yen::ZERO,
    }
}

/// The next sequence number: the tablet's clock, but always past the last one (a clock set
/// back must not make the screen ignore the till).
pub fn next_seq(last: i64, now_ms: f64) -> i64 {
    (now_ms as i64).max(last.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use selpos_domain::sales::cart::{Discount, cart_totals};
    use selpos_domain::{RoundingMode, TaxRate};

    fn line(name: &str, price: i64, quantity: i64, discount: Option<Discount>) -> CartLine {
        CartLine {
            product_id: price,
            facility_id: 1,
            name: name.into(),
            unit_price: Yen(price),
            quantity,
            tax_rate: TaxRate::Reduced,
            discount,
            invoice_eligible: true,
        }
    }

    #[test]
    fn a_cart_shows_its_lines_after_discount_and_its_total() {
        let lines = vec![
            line("クッキー", 300, 2, Some(Discount::Yen(Yen(100)))),
            line("弁当", 500, 1, None),
        ];
        let totals = cart_totals(&lines, RoundingMode::Down).expect("totals");
        let state = display_state(7, &lines, Some(&totals), Yen(1_000), None);
        assert_eq!(state.phase, DisplayPhase::Cart);
        let amounts: Vec<(i64, i64)> = state.lines.iter().map(|l| (l.quantity, l.amount.0)).collect();
        assert_eq!(amounts, [(2, 500), (1, 500)]);
        assert_eq!(
            (state.total, state.tendered, state.change),
            (Yen(1_000), Yen(1_000), Yen(0))
        );
        assert!(state.validated().is_ok());
    }

    #[test]
    fn an_empty_cart_shows_the_last_sale_or_greets() {
        let paid = Paid {
            total: Yen(720),
            paid: Yen(1_000),
            change: Yen(280),
        };
        let after = display_state(8, &[], None, Yen(0), Some(paid));
        assert_eq!(
            (after.phase, after.change, after.tendered),
            (DisplayPhase::Paid, Yen(280), Yen(1_000))
        );
        let idle = display_state(9, &[], None, Yen(0), None);
        assert_eq!(
            (idle.phase, idle.total, idle.seq),
            (DisplayPhase::Idle, Yen(0), 9)
        );
    }

    #[test]
    fn sequence_numbers_only_rise() {
        assert_eq!(next_seq(10, 5_000.0), 5_000);
        assert_eq!(next_seq(5_000, 4_000.0), 5_001, "a clock set back");
    }
}
