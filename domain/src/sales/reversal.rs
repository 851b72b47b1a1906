//! The arithmetic of a void (取消) or refund (返品): the negative lines it records, the money
//! it pays back and its totals per tax rate. Every sum is checked: an amount past `i64` is an
//! error, never a wrapped value.

use super::cart::RateTotal;
use super::payment::{Tender, TenderKind};
use super::{JournalLine, RefundLineInput, Sale, SaleKind, SaleLine};
use crate::money::Yen;
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use std::collections::{BTreeMap, HashMap};

/// What a void or refund records: negative lines, the tenders paid back and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    pub kind: SaleKind,
    pub lines: Vec<JournalLine>,
    pub tenders: Vec<Tender>,
    pub by_rate: Vec<RateTotal>,
    pub non_invoice_total: Yen,
    /// Negative: what goes back to the customer.
    pub total: Yen,
    /// The voucher surplus (釣銭なし) the reversal takes back: a void reverses the sale's,
    /// a refund (paid back in cash for the goods) none.
    pub voucher_surplus: Yen,
}

/// Why a sale cannot be reversed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReversalError {
    #[error("取消できるのは売上だけです")]
    VoidOfNonSale,
    #[error("この売上はすでに取消または返品されています")]
    AlreadyReversed,
    #[error("この売上は返品できません(取消済みか、売上ではありません)")]
    NotRefundable,
    /// A line or quantity of the request does not fit the sale.
    #[error("入力内容に誤りがあります")]
    Invalid(FieldErrors),
    #[error("金額が大きすぎます")]
    Overflow,
}

fn neg(amount: Yen) -> Result<Yen, ReversalError> {
    amount.0.checked_neg().map(Yen).ok_or(ReversalError::Overflow)
}

fn sum(mut amounts: impl Iterator<Item = Yen>) -> Result<Yen, ReversalError> {
    amounts
        .try_fold(0i64, |acc, a| acc.checked_add(a.0))
        .map(Yen)
        .ok_or(ReversalError::Overflow)
}

/// The per-rate totals of reversed lines and the total outside the invoice: the tax of each
/// rate mirrors a sale's, computed once per rate and rounded as the council says.
pub fn rate_totals<'a>(
    lines: impl IntoIterator<Item = &'a SaleLine>,
    rounding: RoundingMode,
) -> Result<(Vec<RateTotal>, Yen), ReversalError> {
    let mut by_rate: BTreeMap<&'static str, (TaxRate, Yen)> = BTreeMap::new();
    let mut non_invoice = Yen::ZERO;
    for l in lines {
        let slot = if l.invoice_eligible {
            &mut by_rate
                .entry(l.tax_rate.code())
                .or_insert((l.tax_rate, Yen::ZERO))
                .1
        } else {
            &mut non_invoice
        };
        *slot = sum([*slot, l.net].into_iter())?;
    }
    let totals = by_rate
        .into_values()
        .map(|(rate, total)| RateTotal {
            rate,
            total,
            tax: rate.included_tax(total, rounding),
        })
        .collect();
    Ok((totals, non_invoice))
}

/// The net of the first `n` units of `line`: `net × n ÷ quantity`, so the refunds of a line add
/// up to its net exactly and never exceed it. In i128: net × units cannot overflow there, and
/// the quotient fits back in i64 because units ≤ quantity.
fn net_of_first(line: &SaleLine, n: i64) -> Result<i64, ReversalError> {
    if line.quantity == 0 {
        return Ok(0);
    }
    i64::try_from(i128::from(line.net.0) * i128::from(n) / i128::from(line.quantity))
        .map_err(|_| ReversalError::Overflow)
}

/// The part of a rate's stated tax that belongs to the first `upto` yen of its stated total
/// (rounded down): the tax of a reversal is the difference of two such parts, so the tax of a
/// sale's reversals adds up to the tax its receipt stated, never more, whatever the council's
/// rounding setting is today.
fn stated_tax_upto(stated: &RateTotal, upto: i64) -> Result<i64, ReversalError> {
    i64::try_from(i128::from(stated.tax.0) * i128::from(upto) / i128::from(stated.total.0))
        .map_err(|_| ReversalError::Overflow)
}

/// The per-rate totals of a reversal of `original`, taxed from the tax the sale stated.
/// `earlier`: the net per rate that earlier refunds took back (positive).
fn reversed_rate_totals(
    original: &Sale,
    earlier: &BTreeMap<&'static str, i64>,
    lines: &[JournalLine],
    rounding: RoundingMode,
) -> Result<(Vec<RateTotal>, Yen), ReversalError> {
    let (computed, non_invoice) = rate_totals(lines.iter().map(|l| &l.line), rounding)?;
    let by_rate = computed
        .into_iter()
        .map(|t| {
            let Some(stated) = original
                .by_rate
                .iter()
                .find(|s| s.rate == t.rate && s.total.0 > 0)
            else {
                // A sale without stated figures for the rate (none is recorded so): computed.
                return Ok(t);
            };
            let before = earlier.get(t.rate.code()).copied().unwrap_or(0);
            let after = before
                .checked_add(neg(t.total)?.0)
                .ok_or(ReversalError::Overflow)?;
            let tax = stated_tax_upto(stated, after)?
                .checked_sub(stated_tax_upto(stated, before)?)
                .ok_or(ReversalError::Overflow)?;
            Ok(RateTotal {
                tax: neg(Yen(tax))?,
                ..t
            })
        })
        .collect::<Result<Vec<_>, ReversalError>>()?;
    Ok((by_rate, non_invoice))
}

/// The record of a reversal of `original` by `lines` and `tenders`.
fn reversal(
    kind: SaleKind,
    original: &Sale,
    earlier: &BTreeMap<&'static str, i64>,
    lines: Vec<JournalLine>,
    tenders: Vec<Tender>,
    voucher_surplus: Yen,
    rounding: RoundingMode,
) -> Result<Reversal, ReversalError> {
    let (by_rate, non_invoice_total) = reversed_rate_totals(original, earlier, &lines, rounding)?;
    let total = sum(lines.iter().map(|l| l.line.net))?;
    Ok(Reversal {
        kind,
        lines,
        tenders,
        by_rate,
        non_invoice_total,
        total,
        voucher_surplus,
    })
}

/// 取消: the whole sale reversed, stock back and money back by the same tenders, less the
/// change that was given: the customer gets back exactly what they paid net of change. The
/// change is netted against the cash paid back; when the sale took no cash (a voucher that gave
/// change), the change comes back as cash into the drawer (a positive cash tender), so the
/// vouchers are handed back and the drawer ends as before the sale. A voucher surplus kept
/// without change is reversed with the sale. `refunded`: what earlier refunds took back, per
/// original line.
pub fn void(
    original: &Sale,
    refunded: &HashMap<i64, i64>,
    rounding: RoundingMode,
) -> Result<Reversal, ReversalError> {
    if original.kind != SaleKind::Sale {
        return Err(ReversalError::VoidOfNonSale);
    }
    if original.voided || !refunded.is_empty() {
        return Err(ReversalError::AlreadyReversed);
    }
    let lines = original
        .lines
        .iter()
        .map(|l| {
            Ok(JournalLine {
                line: SaleLine {
                    quantity: l.quantity.checked_neg().ok_or(ReversalError::Overflow)?,
                    discount: neg(l.discount)?,
                    net: neg(l.net)?,
                    ..l.clone()
                },
                reverses: Some(l.line_no),
            })
        })
        .collect::<Result<Vec<_>, ReversalError>>()?;
    let mut tenders = original
        .tenders
        .iter()
        .map(|t| {
            Ok(Tender {
                kind: t.kind,
                amount: neg(t.amount)?,
            })
        })
        .collect::<Result<Vec<_>, ReversalError>>()?;
    if original.change.0 > 0 {
        match tenders.iter_mut().find(|t| t.kind == TenderKind::Cash) {
            Some(cash) => cash.amount = sum([cash.amount, original.change].into_iter())?,
            None => tenders.push(Tender {
                kind: TenderKind::Cash,
                amount: original.change,
            }),
        }
    }
    let surplus = neg(original.voucher_surplus)?;
    let nothing_earlier = BTreeMap::new();
    reversal(
        SaleKind::Void,
        original,
        &nothing_earlier,
        lines,
        tenders,
        surplus,
        rounding,
    )
}

/// 返品: some items of a sale, paid back in cash. Each line's amount is its share of what the
/// customer paid for the line: the net of the first n units is `net × n ÷ quantity`, so the
/// refunds of a line add up to its net exactly and never exceed it. `refunded`: what earlier
/// refunds took back, per original line.
pub fn refund(
    original: &Sale,
    refunded: &HashMap<i64, i64>,
    requested: &[RefundLineInput],
    rounding: RoundingMode,
) -> Result<Reversal, ReversalError> {
    if original.kind != SaleKind::Sale || original.voided {
        return Err(ReversalError::NotRefundable);
    }
    let mut lines = Vec::with_capacity(requested.len());
    for (i, r) in requested.iter().enumerate() {
        let Some(line) = original.lines.iter().find(|l| l.line_no == r.line_no) else {
            let mut e = FieldErrors::default();
            e.add(format!("lines[{i}].line_no"), "not_found", "その明細はありません");
            return Err(ReversalError::Invalid(e));
        };
        let done = refunded.get(&line.line_no).copied().unwrap_or(0);
        let left = line.quantity.saturating_sub(done);
        if r.quantity < 1 || r.quantity > left {
            let mut e = FieldErrors::default();
            e.add(
                format!("lines[{i}].quantity"),
                "out_of_range",
                format!("「{}」は残り{}点まで返品できます", line.name, left),
            );
            return Err(ReversalError::Invalid(e));
        }
        let net = net_of_first(line, done + r.quantity)? - net_of_first(line, done)?;
        let gross = line
            .unit_price
            .0
            .checked_mul(r.quantity)
            .ok_or(ReversalError::Overflow)?;
        lines.push(JournalLine {
            line: SaleLine {
                line_no: i as i64 + 1,
                quantity: -r.quantity,
                discount: Yen(-(gross.checked_sub(net).ok_or(ReversalError::Overflow)?)),
                net: Yen(-net),
                ..line.clone()
            },
            reverses: Some(line.line_no),
        });
    }
    let total = sum(lines.iter().map(|l| l.line.net))?;
    let tenders = vec![Tender {
        kind: TenderKind::Cash,
        amount: total,
    }];
    // What earlier refunds took back per rate, from the same shares as their lines.
    let mut earlier: BTreeMap<&'static str, i64> = BTreeMap::new();
    for line in original.lines.iter().filter(|l| l.invoice_eligible) {
        let done = refunded.get(&line.line_no).copied().unwrap_or(0);
        let slot = earlier.entry(line.tax_rate.code()).or_insert(0);
        *slot = slot
            .checked_add(net_of_first(line, done)?)
            .ok_or(ReversalError::Overflow)?;
    }
    reversal(
        SaleKind::Refund,
        original,
        &earlier,
        lines,
        tenders,
        Yen::ZERO,
        rounding,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn line(
        line_no: i64,
        quantity: i64,
        unit_price: i64,
        net: i64,
        rate: TaxRate,
        eligible: bool,
    ) -> SaleLine {
        SaleLine {
            line_no,
            product_id: line_no,
            facility_id: 1,
            name: format!("商品{line_no}"),
            quantity,
            unit_price: Yen(unit_price),
            tax_rate: rate,
            discount: Yen(unit_price * quantity - net),
            net: Yen(net),
            invoice_eligible: eligible,
        }
    }

    fn sale(lines: Vec<SaleLine>, tenders: Vec<Tender>, change: i64) -> Sale {
        let total = Yen(lines.iter().fold(0i64, |a, l| a.saturating_add(l.net.0)));
        Sale {
            id: Uuid::nil(),
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
            tenders,
            by_rate: vec![],
            non_invoice_total: Yen::ZERO,
            total,
            change: Yen(change),
            voucher_surplus: Yen::ZERO,
            late: false,
            voided: false,
            reason: String::new(),
        }
    }

    fn cash(amount: i64) -> Tender {
        Tender {
            kind: TenderKind::Cash,
            amount: Yen(amount),
        }
    }

    fn asked(line_no: i64, quantity: i64) -> RefundLineInput {
        RefundLineInput { line_no, quantity }
    }

    #[test]
    fn a_void_pays_back_what_was_kept_by_the_same_tenders() {
        let s = sale(
            vec![
                line(1, 2, 300, 600, TaxRate::Reduced, true),
                line(2, 1, 500, 450, TaxRate::Standard, false),
            ],
            vec![
                Tender {
                    kind: TenderKind::CreditCard,
                    amount: Yen(50),
                },
                cash(2_000),
            ],
            1_000,
        );
        let v = void(&s, &HashMap::new(), RoundingMode::Down).expect("void");
        assert_eq!(v.total, Yen(-1_050));
        assert_eq!(v.lines[0].line.quantity, -2);
        assert_eq!(v.lines[1].line.discount, Yen(-50));
        assert_eq!(v.lines[1].reverses, Some(2));
        assert_eq!(v.tenders[0].amount, Yen(-50));
        assert_eq!(v.tenders[1].amount, Yen(-1_000), "cash less the change given");
        assert_eq!(v.by_rate.len(), 1);
        assert_eq!(v.by_rate[0].total, Yen(-600));
        assert_eq!(
            v.by_rate[0].tax,
            TaxRate::Reduced.included_tax(Yen(-600), RoundingMode::Down)
        );
        assert_eq!(v.non_invoice_total, Yen(-450));
    }

    #[test]
    fn only_an_unreversed_sale_is_voided() {
        let mut s = sale(
            vec![line(1, 1, 300, 300, TaxRate::Reduced, true)],
            vec![cash(300)],
            0,
        );
        let refunded = HashMap::from([(1, 1)]);
        assert_eq!(
            void(&s, &refunded, RoundingMode::Down),
            Err(ReversalError::AlreadyReversed)
        );
        s.voided = true;
        assert_eq!(
            void(&s, &HashMap::new(), RoundingMode::Down),
            Err(ReversalError::AlreadyReversed)
        );
        assert_eq!(
            refund(&s, &HashMap::new(), &[asked(1, 1)], RoundingMode::Down),
            Err(ReversalError::NotRefundable)
        );
        s.voided = false;
        s.kind = SaleKind::Refund;
        assert_eq!(
            void(&s, &HashMap::new(), RoundingMode::Down),
            Err(ReversalError::VoidOfNonSale)
        );
    }

    #[test]
    fn a_refund_takes_back_at_most_what_is_left() {
        let s = sale(
            vec![line(1, 3, 100, 270, TaxRate::Reduced, true)],
            vec![cash(270)],
            0,
        );
        let r = refund(&s, &HashMap::new(), &[asked(1, 1)], RoundingMode::Down).expect("one");
        assert_eq!(r.total, Yen(-90));
        assert_eq!(r.tenders, vec![cash(-90)]);
        assert_eq!(r.lines[0].line.discount, Yen(-10));
        let err =
            refund(&s, &HashMap::from([(1, 2)]), &[asked(1, 2)], RoundingMode::Down).expect_err("too many");
        let ReversalError::Invalid(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.0[0].field, "lines[0].quantity");
        assert!(e.0[0].message.contains("残り1点"), "{}", e.0[0].message);
        for bad in [asked(1, 0), asked(1, -1), asked(2, 1)] {
            assert!(matches!(
                refund(&s, &HashMap::new(), &[bad], RoundingMode::Down),
                Err(ReversalError::Invalid(_))
            ));
        }
    }

    #[test]
    fn amounts_past_i64_are_errors_not_wrapped() {
        let huge = line(1, 1, i64::MAX, i64::MAX, TaxRate::Standard, true);
        let s = sale(
            vec![huge.clone(), SaleLine { line_no: 2, ..huge }],
            vec![cash(1)],
            0,
        );
        assert_eq!(
            void(&s, &HashMap::new(), RoundingMode::Down),
            Err(ReversalError::Overflow)
        );
        let min = sale(
            vec![line(1, 1, 0, 0, TaxRate::Standard, true)],
            vec![cash(i64::MIN)],
            0,
        );
        assert_eq!(
            void(&min, &HashMap::new(), RoundingMode::Down),
            Err(ReversalError::Overflow)
        );
    }

    fn tender(kind: TenderKind, amount: i64) -> Tender {
        Tender {
            kind,
            amount: Yen(amount),
        }
    }

    fn tender_sum(tenders: &[Tender], keep: impl Fn(TenderKind) -> bool) -> i64 {
        tenders.iter().filter(|t| keep(t.kind)).map(|t| t.amount.0).sum()
    }

    /// A sale of `lines` paid with `tenders` as the till records it: change and surplus from
    /// [`super::super::payment::pay`].
    fn paid_sale(lines: Vec<SaleLine>, tenders: Vec<Tender>, gives_change: bool) -> Option<Sale> {
        let mut s = sale(lines, tenders, 0);
        let payment = super::super::payment::pay(s.total, &s.tenders, gives_change).ok()?;
        s.change = payment.change;
        s.voucher_surplus = payment.voucher_surplus;
        Some(s)
    }

    #[test]
    fn a_voucher_that_gave_change_is_voided_net_of_the_change() {
        // ¥800 paid with a ¥1,000 voucher, ¥200 change in cash (the council's setting on).
        let s = paid_sale(
            vec![line(1, 1, 800, 800, TaxRate::Reduced, true)],
            vec![tender(TenderKind::GiftVoucher, 1_000)],
            true,
        )
        .expect("paid");
        assert_eq!((s.change, s.voucher_surplus), (Yen(200), Yen(0)));
        let v = void(&s, &HashMap::new(), RoundingMode::Down).expect("void");
        // The voucher goes back and the ¥200 change comes back into the drawer: ¥800 net.
        assert_eq!(
            v.tenders,
            vec![tender(TenderKind::GiftVoucher, -1_000), cash(200)]
        );
        assert_eq!(tender_sum(&v.tenders, |_| true), -800);
        assert_eq!((v.total, v.voucher_surplus), (Yen(-800), Yen(0)));
    }

    #[test]
    fn a_kept_voucher_surplus_is_voided_with_the_sale() {
        // ¥800 paid with a ¥1,000 voucher, no change (釣銭なし): ¥200 surplus kept.
        let s = paid_sale(
            vec![line(1, 1, 800, 800, TaxRate::Reduced, true)],
            vec![tender(TenderKind::GiftVoucher, 1_000)],
            false,
        )
        .expect("paid");
        assert_eq!((s.change, s.voucher_surplus), (Yen(0), Yen(200)));
        let v = void(&s, &HashMap::new(), RoundingMode::Down).expect("void");
        assert_eq!(v.tenders, vec![tender(TenderKind::GiftVoucher, -1_000)]);
        assert_eq!((v.total, v.voucher_surplus), (Yen(-800), Yen(-200)));
        // A refund pays the goods back in cash and leaves the surplus where it is.
        let r = refund(&s, &HashMap::new(), &[asked(1, 1)], RoundingMode::Down).expect("refund");
        assert_eq!((r.total, r.voucher_surplus), (Yen(-800), Yen(0)));
    }

    fn tenders() -> impl Strategy<Value = Vec<Tender>> {
        prop::collection::vec(
            (
                prop::sample::select(TenderKind::ALL.to_vec()),
                prop_oneof![1i64..3_000, prop::sample::select(vec![500, 1_000, 5_000, 10_000])],
            )
                .prop_map(|(kind, amount)| tender(kind, amount)),
            0..4,
        )
    }

    proptest! {
        /// Whatever paid a sale, its void gives back exactly what the customer paid net of the
        /// change, leaves the drawer's cash and the vouchers as before the sale, and each
        /// record reconciles: tenders − change = total + voucher surplus.
        #[test]
        fn a_void_gives_back_what_was_paid_net_of_change(
            nets in prop::collection::vec(0i64..5_000, 1..4),
            tenders in tenders(),
            gives_change: bool,
        ) {
            let lines = nets
                .iter()
                .enumerate()
                .map(|(i, net)| line(i as i64 + 1, 1, *net, *net, TaxRate::Reduced, true))
                .collect();
            let Some(s) = paid_sale(lines, tenders, gives_change) else {
                return Ok(());
            };
            let paid = tender_sum(&s.tenders, |_| true);
            prop_assert_eq!(paid - s.change.0, s.total.0 + s.voucher_surplus.0);
            let v = void(&s, &HashMap::new(), RoundingMode::Down).expect("void");
            prop_assert_eq!(tender_sum(&v.tenders, |_| true), -(paid - s.change.0));
            prop_assert_eq!(tender_sum(&v.tenders, |_| true), v.total.0 + v.voucher_surplus.0);
            let is_cash = |k: TenderKind| k == TenderKind::Cash;
            prop_assert_eq!(
                tender_sum(&s.tenders, is_cash) - s.change.0 + tender_sum(&v.tenders, is_cash),
                0
            );
            for kind in [TenderKind::GiftVoucher, TenderKind::CreditCard, TenderKind::QrPayment, TenderKind::EMoney] {
                prop_assert_eq!(tender_sum(&s.tenders, |k| k == kind) + tender_sum(&v.tenders, |k| k == kind), 0);
            }
        }
    }

    proptest! {
        /// However a line is refunded in parts, the parts add up to its net exactly, and
        /// never to more.
        #[test]
        fn refunds_of_a_line_add_up_to_its_net(
            quantity in 1i64..50,
            unit in 1i64..100_000,
            discount_share in 0i64..100,
            parts in prop::collection::vec(1i64..10, 1..20),
        ) {
            let gross = unit * quantity;
            let net = gross - gross * discount_share / 100;
            let s = sale(vec![line(1, quantity, unit, net, TaxRate::Reduced, true)], vec![cash(net)], 0);
            let mut refunded = HashMap::new();
            let mut paid_back = 0i64;
            for part in parts {
                let done = refunded.get(&1).copied().unwrap_or(0);
                match refund(&s, &refunded, &[asked(1, part)], RoundingMode::Down) {
                    Ok(r) => {
                        prop_assert!(done + part <= quantity);
                        prop_assert!(r.total.0 <= 0);
                        paid_back -= r.total.0;
                        refunded.insert(1, done + part);
                    }
                    Err(ReversalError::Invalid(_)) => prop_assert!(done + part > quantity),
                    Err(other) => prop_assert!(false, "{other:?}"),
                }
                prop_assert!(paid_back <= net);
            }
            if refunded.get(&1).copied() == Some(quantity) {
                prop_assert_eq!(paid_back, net);
            }
        }
    }

    /// A sale with its per-rate totals stated as the receipt showed them, rounded `rounding`.
    fn stated(mut s: Sale, rounding: RoundingMode) -> Sale {
        let (by_rate, non_invoice) = rate_totals(&s.lines, rounding).expect("totals");
        s.by_rate = by_rate;
        s.non_invoice_total = non_invoice;
        s
    }

    #[test]
    fn a_reversal_takes_the_tax_the_receipt_stated_not_todays_rounding() {
        // ¥1,001 at 8 %: rounded up the receipt stated ¥75 (74.1…); down it would be ¥74.
        let s = stated(
            sale(
                vec![line(1, 1, 1_001, 1_001, TaxRate::Reduced, true)],
                vec![cash(1_001)],
                0,
            ),
            RoundingMode::Up,
        );
        assert_eq!(s.by_rate[0].tax, Yen(75));
        let v = void(&s, &HashMap::new(), RoundingMode::Down).expect("void");
        assert_eq!(
            v.by_rate[0].tax,
            Yen(-75),
            "the stated tax, though rounding is now down"
        );
    }

    proptest! {
        /// Any sequence of partial refunds of a two-rate sale, then a void if nothing was
        /// refunded: what is paid back never exceeds what was paid, per line, per rate (total
        /// and tax) and in all, and a sale taken back whole gives back exactly its stated figures.
        #[test]
        fn reversals_never_pay_back_more_than_was_paid(
            lines in prop::collection::vec((1i64..6, 1i64..3_000, 0i64..60, any::<bool>(), any::<bool>()), 1..5),
            asks in prop::collection::vec((0usize..5, 1i64..4), 0..12),
            up: bool,
        ) {
            let rounding = if up { RoundingMode::Up } else { RoundingMode::Down };
            let sale_lines: Vec<SaleLine> = lines
                .iter()
                .enumerate()
                .map(|(i, &(quantity, unit, off, reduced, eligible))| {
                    let gross = quantity * unit;
                    let rate = if reduced { TaxRate::Reduced } else { TaxRate::Standard };
                    line(i as i64 + 1, quantity, unit, gross - gross * off / 100, rate, eligible)
                })
                .collect();
            let total: i64 = sale_lines.iter().map(|l| l.net.0).sum();
            let s = stated(sale(sale_lines, vec![cash(total)], 0), rounding);
            // Refunds are taxed from the stated figures whatever the rounding is now.
            let today = if up { RoundingMode::Down } else { RoundingMode::Up };
            let mut refunded: HashMap<i64, i64> = HashMap::new();
            let mut records = Vec::new();
            for (index, quantity) in asks {
                let Some(l) = s.lines.get(index % s.lines.len()) else { continue };
                if let Ok(r) = refund(&s, &refunded, &[asked(l.line_no, quantity)], today) {
                    *refunded.entry(l.line_no).or_insert(0) += quantity;
                    records.push(r);
                }
            }
            if records.is_empty() {
                records.push(void(&s, &refunded, today).expect("void"));
            }
            let back = |pick: &dyn Fn(&Reversal) -> i64| -> i64 { records.iter().map(pick).sum::<i64>() };
            prop_assert!(-back(&|r| r.total.0) <= s.total.0);
            for l in &s.lines {
                let line_back: i64 = records
                    .iter()
                    .flat_map(|r| &r.lines)
                    .filter(|j| j.reverses == Some(l.line_no))
                    .map(|j| -j.line.net.0)
                    .sum();
                prop_assert!(line_back <= l.net.0, "line {} paid back {line_back} of {}", l.line_no, l.net.0);
            }
            let whole = records.iter().any(|r| r.kind == SaleKind::Void)
                || s.lines.iter().all(|l| refunded.get(&l.line_no) == Some(&l.quantity));
            for stated_rate in &s.by_rate {
                let of_rate = |pick: fn(&RateTotal) -> i64| -> i64 {
                    records
                        .iter()
                        .flat_map(|r| &r.by_rate)
                        .filter(|t| t.rate == stated_rate.rate)
                        .map(|t| -pick(t))
                        .sum()
                };
                let (total_back, tax_back) = (of_rate(|t| t.total.0), of_rate(|t| t.tax.0));
                prop_assert!(total_back <= stated_rate.total.0);
                prop_assert!((0..=stated_rate.tax.0).contains(&tax_back), "tax back {tax_back} of {}", stated_rate.tax.0);
                if whole {
                    prop_assert_eq!((total_back, tax_back), (stated_rate.total.0, stated_rate.tax.0));
                }
            }
        }
    }
}
