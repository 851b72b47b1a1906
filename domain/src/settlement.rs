//! 精算: each facility's proceeds at an event less the council's commission, the event's
//! totals, the settled statement per facility and its adjustments. Pure arithmetic on sums
//! the server reads from the sales journal, so the same figures come out on every screen,
//! statement and CSV.

use crate::Yen;
use crate::events::CommissionRule;
use crate::register_sessions::CashFigures;
use crate::register_sessions::TenderTotal;
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Sums of lines of one facility at one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateSums {
    /// Sale lines, after discounts (tax included).
    pub sales: Yen,
    /// Void and refund lines, as a positive amount.
    pub returns: Yen,
    pub discounts: Yen,
    /// Units sold less units returned.
    pub quantity: i64,
}

/// What the journal holds for one facility at an event: the input of its settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacilityTakings {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub standard: RateSums,
    pub reduced: RateSums,
    pub adjustments: Vec<Adjustment>,
}

impl FacilityTakings {
    pub fn rate_mut(&mut self, rate: TaxRate) -> &mut RateSums {
        match rate {
            TaxRate::Standard => &mut self.standard,
            TaxRate::Reduced => &mut self.reduced,
        }
    }
}

/// A correction after settlement (精算後の調整), added to what the facility is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjustment {
    pub id: String,
    pub facility_id: i64,
    /// Positive: more to the facility; negative: less.
    pub amount: Yen,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentInput {
    pub id: Uuid,
    pub facility_id: i64,
    pub amount: Yen,
    pub reason: String,
}

impl AdjustmentInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if self.amount.0 == 0 || self.amount.0.abs() > 100_000_000 {
            e.add(
                "amount",
                "out_of_range",
                "調整額は0以外、±1億円以内で入力してください",
            );
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            e.add("reason", "required", "理由を200文字以内で入力してください");
        }
        e.into_result(())
    }
}

/// One tax rate of a statement: net sales at the rate and the consumption tax in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateLine {
    pub rate: TaxRate,
    pub sales: Yen,
    pub returns: Yen,
    pub net: Yen,
    /// Tax in `net`, rounded once with the council's rounding mode.
    pub tax: Yen,
}

/// 精算: one facility's figures for an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilitySettlement {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    /// 総売上 (tax included, after discounts).
    pub gross: Yen,
    /// 取消・返品 (positive).
    pub returns: Yen,
    /// 純売上 = gross − returns.
    pub net: Yen,
    pub discounts: Yen,
    pub quantity: i64,
    /// 10% first, then 8%; a rate with no sales is left out.
    pub by_rate: Vec<RateLine>,
    pub commission_rule: CommissionRule,
    /// 手数料
    pub commission: Yen,
    pub adjustments: Vec<Adjustment>,
    pub adjustments_total: Yen,
    /// 支払額 = net − commission + adjustments; negative means the facility owes the council.
    pub payable: Yen,
}

/// The commission on a facility's net sales. A percentage is rounded down to the yen (in the
/// facility's favour) and is nothing on a net loss; a fixed fee is due regardless of sales.
pub fn commission(rule: CommissionRule, net: Yen) -> Yen {
    match rule {
        CommissionRule::Percent { basis_points } if net.0 > 0 => Yen(i64::try_from(
            RoundingMode::Down.divide(i128::from(net.0) * i128::from(basis_points), 10_000),
        )
        .unwrap_or(i64::MAX)),
        CommissionRule::Percent { .. } => Yen::ZERO,
        CommissionRule::Fixed { yen } => yen,
    }
}

/// The rounding rule printed on every statement.
pub const COMMISSION_ROUNDING_JA: &str =
    "手数料は純売上×料率の1円未満切り捨て(定額の場合は売上にかかわらず定額)";

/// Settles one facility.
pub fn settle_facility(
    takings: &FacilityTakings,
    rule: CommissionRule,
    rounding: RoundingMode,
) -> FacilitySettlement {
    let mut by_rate = Vec::new();
    for (rate, sums) in [
        (TaxRate::Standard, &takings.standard),
        (TaxRate::Reduced, &takings.reduced),
    ] {
        if sums.sales == Yen::ZERO && sums.returns == Yen::ZERO {
            continue;
        }
        let net = Yen(sums.sales.0 - sums.returns.0);
        by_rate.push(RateLine {
            rate,
            sales: sums.sales,
            returns: sums.returns,
            net,
            tax: rate.included_tax(net, rounding),
        });
    }
    let gross = Yen(takings.standard.sales.0 + takings.reduced.sales.0);
    let returns = Yen(takings.standard.returns.0 + takings.reduced.returns.0);
    let net = Yen(gross.0 - returns.0);
    let commission = commission(rule, net);
    let adjustments_total = Yen(takings.adjustments.iter().map(|a| a.amount.0).sum());
    FacilitySettlement {
        facility_id: takings.facility_id,
        facility_number: takings.facility_number,
        facility_name: takings.facility_name.clone(),
        gross,
        returns,
        net,
        discounts: Yen(takings.standard.discounts.0 + takings.reduced.discounts.0),
        quantity: takings.standard.quantity + takings.reduced.quantity,
        by_rate,
        commission_rule: rule,
        commission,
        adjustments: takings.adjustments.clone(),
        adjustments_total,
        payable: Yen(net.0 - commission.0 + adjustments_total.0),
    }
}

/// Column sums of a settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementTotals {
    pub gross: Yen,
    pub returns: Yen,
    pub net: Yen,
    pub discounts: Yen,
    pub quantity: i64,
    pub by_rate: Vec<RateLine>,
    pub commission: Yen,
    pub adjustments_total: Yen,
    pub payable: Yen,
}

impl SettlementTotals {
    /// Sums the facilities' columns: the event's figures are by construction theirs.
    pub fn of(facilities: &[FacilitySettlement]) -> SettlementTotals {
        let mut t = SettlementTotals::default();
        for f in facilities {
            t.gross.0 += f.gross.0;
            t.returns.0 += f.returns.0;
            t.net.0 += f.net.0;
            t.discounts.0 += f.discounts.0;
            t.quantity += f.quantity;
            t.commission.0 += f.commission.0;
            t.adjustments_total.0 += f.adjustments_total.0;
            t.payable.0 += f.payable.0;
            for line in &f.by_rate {
                match t.by_rate.iter_mut().find(|l| l.rate == line.rate) {
                    Some(sum) => {
                        sum.sales.0 += line.sales.0;
                        sum.returns.0 += line.returns.0;
                        sum.net.0 += line.net.0;
                        sum.tax.0 += line.tax.0;
                    }
                    None => t.by_rate.push(*line),
                }
            }
        }
        t.by_rate.sort_by_key(|l| std::cmp::Reverse(l.rate.percent()));
        t
    }
}

/// A register's line in the event summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterCashLine {
    pub register_code: String,
    pub register_name: String,
    pub session_id: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cash: CashFigures,
    pub late_cash: Yen,
    /// 商品券の釣銭なし of the session's on-time records.
    #[serde(default)]
    pub voucher_surplus: Yen,
    pub note: String,
}

/// 精算書 (event summary): every facility, totals, commission, and cash over/short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSettlement {
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: crate::events::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub settled_by: Option<String>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    pub facilities: Vec<FacilitySettlement>,
    pub totals: SettlementTotals,
    /// The sum of every record's total in the journal, read apart from the lines: it must
    /// equal `totals.net` (a check on the journal itself).
    pub journal_total: Yen,
    pub tenders: Vec<TenderTotal>,
    /// 商品券の釣銭なし: vouchers above the total kept without change, net of voids. Not sales
    /// (no facility's proceeds), but taken in: Σ tenders = journal total + voucher surplus.
    #[serde(default)]
    pub voucher_surplus: Yen,
    pub registers: Vec<RegisterCashLine>,
    /// Σ of the closed registers' differences.
    pub cash_over_short: Yen,
    /// Registers not closed yet: the event cannot be settled while any is open.
    pub open_registers: Vec<String>,
    pub generated_at: DateTime<Utc>,
}

impl EventSettlement {
    /// Σ tenders − (journal total + voucher surplus): zero to the yen (see
    /// [`crate::register_sessions::tenders_unexplained`]).
    pub fn tenders_unexplained(&self) -> Yen {
        crate::register_sessions::tenders_unexplained(&self.tenders, self.journal_total, self.voucher_surplus)
    }

    /// The facilities' net sales add up to the journal, to the yen.
    pub fn balanced(&self) -> bool {
        self.totals.net == self.journal_total
            && self.totals.payable.0 + self.totals.commission.0
                == self.totals.net.0 + self.totals.adjustments_total.0
    }
}

/// 精算書 of one facility: what facility staff see and sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityStatement {
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: crate::events::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    pub facility: FacilitySettlement,
    pub generated_at: DateTime<Utc>,
}

impl EventSettlement {
    /// The statement of one facility, cut from the event's settlement.
    pub fn statement(&self, facility_id: i64) -> Option<FacilityStatement> {
        let facility = self
            .facilities
            .iter()
            .find(|f| f.facility_id == facility_id)?
            .clone();
        Some(FacilityStatement {
            event_id: self.event_id,
            event_code: self.event_code.clone(),
            event_name: self.event_name.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            state: self.state,
            settled_at: self.settled_at,
            council_name: self.council_name.clone(),
            council_invoice_number: self.council_invoice_number.clone(),
            tax_rounding: self.tax_rounding,
            commission_rounding: self.commission_rounding.clone(),
            facility,
            generated_at: self.generated_at,
        })
    }
}

/// Settles every facility of an event; facilities sorted by number.
pub fn settle_event(
    takings: &[FacilityTakings],
    rule_of: impl Fn(i64) -> CommissionRule,
    rounding: RoundingMode,
) -> (Vec<FacilitySettlement>, SettlementTotals) {
    let mut facilities: Vec<FacilitySettlement> = takings
        .iter()
        .map(|t| settle_facility(t, rule_of(t.facility_id), rounding))
        .collect();
    facilities.sort_by_key(|f| (f.facility_number, f.facility_id));
    let totals = SettlementTotals::of(&facilities);
    (facilities, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn commission_rounds_down_and_fixed_is_fixed() {
        let ten_percent = CommissionRule::Percent { basis_points: 1000 };
        assert_eq!(commission(ten_percent, Yen(12_345)), Yen(1_234));
        assert_eq!(
            commission(CommissionRule::Percent { basis_points: 1250 }, Yen(999)),
            Yen(124)
        );
        assert_eq!(commission(ten_percent, Yen(-500)), Yen(0));
        assert_eq!(
            commission(CommissionRule::Fixed { yen: Yen(3_000) }, Yen(0)),
            Yen(3_000)
        );
    }

    #[test]
    fn a_facility_statement_by_rate() {
        let takings = FacilityTakings {
            facility_id: 7,
            facility_number: 12,
            facility_name: "A工房".into(),
            reduced: RateSums {
                sales: Yen(2_400),
                returns: Yen(120),
                discounts: Yen(0),
                quantity: 19,
            },
            standard: RateSums {
                sales: Yen(780),
                returns: Yen(0),
                discounts: Yen(20),
                quantity: 1,
            },
            adjustments: vec![],
        };
        let s = settle_facility(
            &takings,
            CommissionRule::Percent { basis_points: 1500 },
            RoundingMode::Down,
        );
        assert_eq!((s.gross, s.returns, s.net), (Yen(3_180), Yen(120), Yen(3_060)));
        assert_eq!(s.by_rate[0].rate, TaxRate::Standard);
        assert_eq!(s.by_rate[0].tax, Yen(70)); // 780 × 10/110 = 70.9
        assert_eq!(s.by_rate[1].net, Yen(2_280));
        assert_eq!(s.by_rate[1].tax, Yen(168)); // 2,280 × 8/108 = 168.9
        assert_eq!(s.commission, Yen(459));
        assert_eq!(s.payable, Yen(2_601));
    }

    fn rule() -> impl Strategy<Value = CommissionRule> {
        prop_oneof![
            (0i64..=3000).prop_map(|basis_points| CommissionRule::Percent { basis_points }),
            (0i64..=20_000).prop_map(|yen| CommissionRule::Fixed { yen: Yen(yen) }),
        ]
    }

    fn sums() -> impl Strategy<Value = RateSums> {
        (0i64..5_000_000, 0i64..500_000, 0i64..50_000, -50i64..5_000).prop_map(
            |(sales, returns, discounts, quantity)| RateSums {
                sales: Yen(sales),
                returns: Yen(returns),
                discounts: Yen(discounts),
                quantity,
            },
        )
    }

    fn takings() -> impl Strategy<Value = Vec<(FacilityTakings, CommissionRule)>> {
        prop::collection::vec(
            (
                sums(),
                sums(),
                rule(),
                prop::collection::vec(-50_000i64..50_000, 0..3),
            ),
            0..60,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (standard, reduced, rule, adjustments))| {
                    let id = i as i64 + 1;
                    let adjustments = adjustments
                        .into_iter()
                        .filter(|a| *a != 0)
                        .map(|amount| Adjustment {
                            id: format!("{id}-{amount}"),
                            facility_id: id,
                            amount: Yen(amount),
                            reason: "訂正".into(),
                            at: DateTime::<Utc>::UNIX_EPOCH,
                            by: "admin".into(),
                        })
                        .collect();
                    let t = FacilityTakings {
                        facility_id: id,
                        facility_number: 100 - id,
                        facility_name: format!("F{id}"),
                        standard,
                        reduced,
                        adjustments,
                    };
                    (t, rule)
                })
                .collect()
        })
    }

    proptest! {
        /// Every column of the event is the sum of the facilities' columns, and every
        /// facility's payable plus commission is its net plus adjustments, to the yen.
        #[test]
        fn settlements_add_up(rows in takings(), mode in prop_oneof![Just(RoundingMode::Down), Just(RoundingMode::HalfUp), Just(RoundingMode::Up)]) {
            let t: Vec<FacilityTakings> = rows.iter().map(|(t, _)| t.clone()).collect();
            let (facilities, totals) = settle_event(&t, |id| rows[(id - 1) as usize].1, mode);
            let all_sales: i64 = t.iter().map(|t| t.standard.sales.0 + t.reduced.sales.0).sum();
            let all_returns: i64 = t.iter().map(|t| t.standard.returns.0 + t.reduced.returns.0).sum();
            prop_assert_eq!(totals.net, Yen(all_sales - all_returns));
            prop_assert_eq!(totals.gross, Yen(all_sales));
            for f in &facilities {
                prop_assert_eq!(f.payable.0 + f.commission.0, f.net.0 + f.adjustments_total.0);
                prop_assert_eq!(f.by_rate.iter().map(|l| l.net.0).sum::<i64>(), f.net.0);
                prop_assert!(f.commission.0 >= 0);
                if let CommissionRule::Percent { basis_points } = f.commission_rule {
                    // Rounded down: never more than the exact share, less by under one yen.
                    let exact = i128::from(f.net.0.max(0)) * i128::from(basis_points);
                    prop_assert!(i128::from(f.commission.0) * 10_000 <= exact);
                    prop_assert!(exact - i128::from(f.commission.0) * 10_000 < 10_000);
                }
                for l in &f.by_rate {
                    prop_assert_eq!(l.tax, l.rate.included_tax(l.net, mode));
                }
            }
            prop_assert_eq!(totals.payable.0 + totals.commission.0, totals.net.0 + totals.adjustments_total.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.net.0).sum::<i64>(), totals.net.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.tax.0).sum::<i64>(),
                facilities.iter().flat_map(|f| f.by_rate.iter()).map(|l| l.tax.0).sum::<i64>());
            prop_assert!(facilities.windows(2).all(|w| w[0].facility_number <= w[1].facility_number));
        }
    }
}
