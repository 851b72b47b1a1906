//! The 領収書 (formal receipt) of one sale as it stands after its refunds: the goods kept, the
//! amount paid for them and, per tax rate, the total and the tax. The figures are the sale's
//! stored per-rate totals less the refunds' stored per-rate totals, never computed again, so
//! the 領収書, the receipts and the refund receipts tell one story to the yen. A voided sale, or
//! one refunded in full, has nothing left to acknowledge: no 領収書.

use super::{ReceiptHeader, ReceiptLine};
use crate::money::Yen;
use crate::sales::cart::RateTotal;
use crate::sales::reversal::Reversal;
use crate::sales::{Sale, SaleKind};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Printed under the amount when refunds were taken off.
pub const AFTER_REFUNDS_NOTE: &str = "返品分を差し引いた金額";

/// A line of a refund record: the line of the sale it returns, and how much of it (negative,
/// as recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundedLine {
    /// `line_no` of the sale's line.
    pub reverses: i64,
    pub quantity: i64,
    pub net: Yen,
}

/// A refund (返品) of the sale as recorded: its lines and its stored totals (negative).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefundRecord {
    pub receipt_number: String,
    pub lines: Vec<RefundedLine>,
    pub by_rate: Vec<RateTotal>,
    pub non_invoice_total: Yen,
    pub total: Yen,
}

impl RefundRecord {
    /// The record a refund decided by [`crate::sales::reversal::refund`] writes.
    pub fn of_reversal(receipt_number: impl Into<String>, reversal: &Reversal) -> RefundRecord {
        RefundRecord {
            receipt_number: receipt_number.into(),
            lines: reversal
                .lines
                .iter()
                .filter_map(|l| {
                    Some(RefundedLine {
                        reverses: l.reverses?,
                        quantity: l.line.quantity,
                        net: l.line.net,
                    })
                })
                .collect(),
            by_rate: reversal.by_rate.clone(),
            non_invoice_total: reversal.non_invoice_total,
            total: reversal.total,
        }
    }
}

/// Why a sale gets no 領収書. The `Display` text is the message staff see (a 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormalError {
    #[error("取消・返品の記録には領収書を発行できません。元の売上から発行してください")]
    NotASale,
    #[error("この売上は取消済みのため、領収書を発行できません")]
    Voided,
    #[error("この売上はすべて返品済みのため、領収書を発行できません")]
    FullyRefunded,
    #[error("金額が大きすぎて計算できません")]
    Overflow,
}

/// `GET /api/v1/sales/{id}/formal-receipt`: what a 領収書 of the sale states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormalReceipt {
    pub sale_id: uuid::Uuid,
    pub receipt_number: String,
    /// When the sale was made (Asia/Tokyo): the 取引日.
    /// (Japan time, without an offset: `2026-11-28T10:00:00`.)
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))]
    pub sold_at_local: NaiveDateTime,
    /// The council as it was when the sale was made.
    pub issuer_name: String,
    pub issuer_invoice_number: Option<String>,
    /// The goods kept: each line less what was returned of it.
    pub lines: Vec<ReceiptLine>,
    /// Per rate, the sale's stored total and tax less the refunds' stored totals and tax.
    pub by_rate: Vec<RateTotal>,
    pub non_invoice_total: Yen,
    /// The amount acknowledged (tax included).
    pub total: Yen,
    /// What refunds paid back (positive); zero when none.
    pub refunded: Yen,
    pub refund_receipt_numbers: Vec<String>,
    /// [`AFTER_REFUNDS_NOTE`] when refunds were taken off.
    pub note: Option<String>,
}

fn add(a: Yen, b: Yen) -> Result<Yen, FormalError> {
    a.checked_add(b).ok_or(FormalError::Overflow)
}

impl FormalReceipt {
    /// The 領収書 of `sale` after `refunds` (its refund records). `header` names the issuer and
    /// the time of the sale; `facility_names` maps the lines' facility ids to their names.
    pub fn of_sale(
        sale: &Sale,
        refunds: &[RefundRecord],
        header: &ReceiptHeader,
        facility_names: &BTreeMap<i64, String>,
    ) -> Result<FormalReceipt, FormalError> {
        if sale.kind != SaleKind::Sale {
            return Err(FormalError::NotASale);
        }
        if sale.voided {
            return Err(FormalError::Voided);
        }
        // Per line of the sale: units and amount returned (as recorded, negative).
        let mut returned: BTreeMap<i64, (i64, Yen)> = BTreeMap::new();
        for l in refunds.iter().flat_map(|r| &r.lines) {
            let slot = returned.entry(l.reverses).or_insert((0, Yen::ZERO));
            slot.0 = slot.0.checked_add(l.quantity).ok_or(FormalError::Overflow)?;
            slot.1 = add(slot.1, l.net)?;
        }
        let mut lines = Vec::with_capacity(sale.lines.len());
        for l in &sale.lines {
            let (units, net) = returned.get(&l.line_no).copied().unwrap_or((0, Yen::ZERO));
            let quantity = l.quantity.checked_add(units).ok_or(FormalError::Overflow)?;
            if quantity <= 0 {
                continue;
            }
            let amount = add(l.net, net)?;
            let gross = l
                .unit_price
                .0
                .checked_mul(quantity)
                .ok_or(FormalError::Overflow)?;
            lines.push(ReceiptLine {
                facility_name: facility_names.get(&l.facility_id).cloned().unwrap_or_default(),
                name: l.name.clone(),
                quantity,
                unit_price: l.unit_price,
                amount,
                tax_rate: l.tax_rate,
                invoice_eligible: l.invoice_eligible,
                discount: Yen(gross.checked_sub(amount.0).ok_or(FormalError::Overflow)?),
            });
        }
        if lines.is_empty() && !refunds.is_empty() {
            return Err(FormalError::FullyRefunded);
        }
        let mut by_rate: Vec<RateTotal> = sale.by_rate.clone();
        for r in refunds.iter().flat_map(|r| &r.by_rate) {
            match by_rate.iter_mut().find(|t| t.rate == r.rate) {
                Some(t) => {
                    t.total = add(t.total, r.total)?;
                    t.tax = add(t.tax, r.tax)?;
                }
                None => by_rate.push(*r),
            }
        }
        by_rate.retain(|t| t.total != Yen::ZERO || t.tax != Yen::ZERO);
        by_rate.sort_by_key(|t| std::cmp::Reverse(t.rate.percent()));
        let mut non_invoice_total = sale.non_invoice_total;
        let mut total = sale.total;
        for r in refunds {
            non_invoice_total = add(non_invoice_total, r.non_invoice_total)?;
            total = add(total, r.total)?;
        }
        let refunded = Yen(sale.total.0.checked_sub(total.0).ok_or(FormalError::Overflow)?);
        Ok(FormalReceipt {
            sale_id: sale.id,
            receipt_number: sale.receipt_number.clone(),
            sold_at_local: header.issued_at_local,
            issuer_name: header.issuer_name.clone(),
            issuer_invoice_number: header.issuer_invoice_number.clone(),
            lines,
            by_rate,
            non_invoice_total,
            total,
            refunded,
            refund_receipt_numbers: refunds.iter().map(|r| r.receipt_number.clone()).collect(),
            note: (!refunds.is_empty()).then(|| AFTER_REFUNDS_NOTE.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::payment::{Tender, TenderKind};
    use crate::sales::reversal::{rate_totals, refund};
    use crate::sales::{RefundLineInput, SaleLine};
    use crate::tax::{RoundingMode, TaxRate};
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn sale(lines: Vec<SaleLine>, rounding: RoundingMode) -> Sale {
        let (by_rate, non_invoice_total) = rate_totals(&lines, rounding).expect("totals");
        let total = Yen(lines.iter().map(|l| l.net.0).sum());
        Sale {
            id: uuid::Uuid::nil(),
            kind: SaleKind::Sale,
            event_id: 1,
            register_id: 1,
            receipt_number: "HB-R1-0001".into(),
            local_number: String::new(),
            cashier_login: "c".into(),
            sold_at: DateTime::<Utc>::UNIX_EPOCH,
            recorded_at: DateTime::<Utc>::UNIX_EPOCH,
            original_sale_id: None,
            lines,
            tenders: vec![Tender {
                kind: TenderKind::Cash,
                amount: total,
            }],
            by_rate,
            non_invoice_total,
            total,
            change: Yen::ZERO,
            voucher_surplus: Yen::ZERO,
            late: false,
            voided: false,
            reason: String::new(),
        }
    }

    fn line(line_no: i64, quantity: i64, unit: i64, net: i64, rate: TaxRate, eligible: bool) -> SaleLine {
        SaleLine {
            line_no,
            product_id: line_no,
            facility_id: 1,
            name: format!("品{line_no}"),
            quantity,
            unit_price: Yen(unit),
            tax_rate: rate,
            discount: Yen(unit * quantity - net),
            net: Yen(net),
            invoice_eligible: eligible,
        }
    }

    fn header() -> ReceiptHeader {
        ReceiptHeader {
            issuer_name: "協議会".into(),
            issuer_invoice_number: Some("T3700000000001".into()),
            ..ReceiptHeader::default()
        }
    }

    fn refunded(
        s: &Sale,
        done: &mut HashMap<i64, i64>,
        asked: &[(i64, i64)],
        number: &str,
    ) -> Result<RefundRecord, crate::sales::reversal::ReversalError> {
        let asked: Vec<RefundLineInput> = asked
            .iter()
            .map(|&(line_no, quantity)| RefundLineInput { line_no, quantity })
            .collect();
        let r = refund(s, done, &asked, RoundingMode::Down)?;
        for a in &asked {
            *done.entry(a.line_no).or_default() += a.quantity;
        }
        Ok(RefundRecord::of_reversal(number, &r))
    }

    #[test]
    fn one_of_two_jars_refunded_leaves_one_jar_and_its_tax() {
        // Two jars at ¥540 (8 %, tax ¥80) and a soap at ¥780 (10 %, tax ¥70).
        let s = sale(
            vec![
                line(1, 2, 540, 1_080, TaxRate::Reduced, true),
                line(2, 1, 780, 780, TaxRate::Standard, true),
            ],
            RoundingMode::Down,
        );
        let none = FormalReceipt::of_sale(&s, &[], &header(), &BTreeMap::new()).expect("whole");
        assert_eq!(
            (none.total, none.refunded, none.note.as_deref()),
            (Yen(1_860), Yen(0), None)
        );
        let mut done = HashMap::new();
        let jar = refunded(&s, &mut done, &[(1, 1)], "HB-R1-0002").expect("refund");
        let f = FormalReceipt::of_sale(&s, &[jar], &header(), &BTreeMap::new()).expect("formal");
        assert_eq!((f.total, f.refunded), (Yen(1_320), Yen(540)));
        assert_eq!(f.note.as_deref(), Some(AFTER_REFUNDS_NOTE));
        assert_eq!(f.refund_receipt_numbers, ["HB-R1-0002"]);
        assert_eq!(f.lines[0].quantity, 1);
        assert_eq!(f.lines[0].amount, Yen(540));
        assert_eq!(f.lines[0].discount, Yen(0));
        // 8 %: ¥1,080 (tax ¥80) less ¥540 (tax ¥40) = ¥540, tax ¥40; 10 % untouched.
        assert_eq!(
            f.by_rate,
            [
                RateTotal {
                    rate: TaxRate::Standard,
                    total: Yen(780),
                    tax: Yen(70)
                },
                RateTotal {
                    rate: TaxRate::Reduced,
                    total: Yen(540),
                    tax: Yen(40)
                }
            ]
        );
    }

    #[test]
    fn no_formal_receipt_for_a_voided_refunded_or_reversal_record() {
        let mut s = sale(
            vec![line(1, 1, 300, 300, TaxRate::Reduced, true)],
            RoundingMode::Down,
        );
        let mut done = HashMap::new();
        let all = refunded(&s, &mut done, &[(1, 1)], "R-2").expect("refund");
        assert_eq!(
            FormalReceipt::of_sale(&s, &[all], &header(), &BTreeMap::new()),
            Err(FormalError::FullyRefunded)
        );
        s.voided = true;
        assert_eq!(
            FormalReceipt::of_sale(&s, &[], &header(), &BTreeMap::new()),
            Err(FormalError::Voided)
        );
        s.voided = false;
        s.kind = SaleKind::Refund;
        assert_eq!(
            FormalReceipt::of_sale(&s, &[], &header(), &BTreeMap::new()),
            Err(FormalError::NotASale)
        );
    }

    fn lines() -> impl Strategy<Value = Vec<SaleLine>> {
        prop::collection::vec(
            (1i64..6, 1i64..5_000, 0i64..30, any::<bool>(), any::<bool>()),
            1..5,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (quantity, unit, off, reduced, eligible))| {
                    let gross = unit * quantity;
                    let rate = if reduced {
                        TaxRate::Reduced
                    } else {
                        TaxRate::Standard
                    };
                    line(
                        i as i64 + 1,
                        quantity,
                        unit,
                        gross - gross * off / 100,
                        rate,
                        eligible,
                    )
                })
                .collect()
        })
    }

    proptest! {
        /// After any sequence of partial refunds, the 領収書 states the sale less the refunds:
        /// in total, per rate (total and tax, as stored) and per line; its lines add up to its
        /// totals; nothing is negative; a sale refunded in full gets none.
        #[test]
        fn the_formal_receipt_is_the_sale_less_its_refunds(
            lines in lines(),
            asks in prop::collection::vec((1i64..5, 1i64..4), 0..8),
            mode in prop_oneof![Just(RoundingMode::Down), Just(RoundingMode::HalfUp), Just(RoundingMode::Up)],
        ) {
            let s = sale(lines, mode);
            let mut done = HashMap::new();
            let mut records = Vec::new();
            for (i, (line_no, quantity)) in asks.into_iter().enumerate() {
                if let Ok(r) = refunded(&s, &mut done, &[(line_no, quantity)], &format!("R-{i}")) {
                    records.push(r);
                }
            }
            let all_returned = s.lines.iter().all(|l| done.get(&l.line_no).copied() == Some(l.quantity));
            match FormalReceipt::of_sale(&s, &records, &header(), &BTreeMap::new()) {
                Err(FormalError::FullyRefunded) => prop_assert!(all_returned),
                Err(other) => prop_assert!(false, "{other:?}"),
                Ok(f) => {
                    prop_assert!(!all_returned);
                    let refunds: i64 = records.iter().map(|r| r.total.0).sum();
                    prop_assert_eq!(f.total.0, s.total.0 + refunds);
                    prop_assert_eq!(f.refunded.0, -refunds);
                    prop_assert!(f.total.0 >= 0);
                    prop_assert_eq!(f.lines.iter().map(|l| l.amount.0).sum::<i64>(), f.total.0);
                    prop_assert!(f.lines.iter().all(|l| l.amount.0 >= 0 && l.quantity > 0));
                    for rate in [TaxRate::Standard, TaxRate::Reduced] {
                        let stated = f.by_rate.iter().find(|t| t.rate == rate).copied();
                        let lines: i64 = f.lines.iter().filter(|l| l.invoice_eligible && l.tax_rate == rate).map(|l| l.amount.0).sum();
                        prop_assert_eq!(stated.map_or(0, |t| t.total.0), lines);
                        let stored_tax = s.by_rate.iter().chain(records.iter().flat_map(|r| &r.by_rate))
                            .filter(|t| t.rate == rate).map(|t| t.tax.0).sum::<i64>();
                        prop_assert_eq!(stated.map_or(0, |t| t.tax.0), stored_tax);
                        prop_assert!(stated.is_none_or(|t| t.tax.0 >= 0));
                    }
                    let other: i64 = f.lines.iter().filter(|l| !l.invoice_eligible).map(|l| l.amount.0).sum();
                    prop_assert_eq!(f.non_invoice_total.0, other);
                }
            }
        }
    }
}
