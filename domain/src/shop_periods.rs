//! 期間精算: a standing shop (the SELP SHOP) sells every weekday and is settled period by
//! period — a month, or any run of days that is over — while it keeps selling. Settling a
//! period books every record of its days that has no period yet into it and locks them; a
//! record that arrives later for those days (an offline sale synced late) is booked into the
//! open period and shown there as late. Consigned stock carries over: a period's closing
//! stock is the next one's opening.

use crate::Yen;
use crate::events::tokyo_date;
use crate::settlement::{EventSettlement, FacilityStatement};
use crate::stock::MovementKind;
use crate::validation::FieldErrors;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A settled period of a standing shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopPeriod {
    pub id: i64,
    pub event_id: i64,
    /// First and last day, Japanese dates.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub settled_at: DateTime<Utc>,
    pub settled_by: String,
}

/// Settle the days from the open period's first day through `through`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodInput {
    /// The period's last day (Japanese date): a day that is over.
    pub through: NaiveDate,
}

/// The first day of the open period: the day after the last settled period, or the shop's
/// first day.
pub fn open_from(first_day: NaiveDate, last_settled: Option<NaiveDate>) -> NaiveDate {
    last_settled
        .and_then(|d| d.succ_opt())
        .map_or(first_day, |next| next.max(first_day))
}

/// The days of the period that settles through `through`, checked: it follows the last settled
/// period without a gap, and every one of its days is over (`today` is the date in Japan).
pub fn next_period(
    first_day: NaiveDate,
    last_settled: Option<NaiveDate>,
    through: NaiveDate,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
    let from = open_from(first_day, last_settled);
    let mut e = FieldErrors::default();
    if through < from {
        e.add(
            "through",
            "out_of_range",
            format!("{from} より前の日は精算済みか、販売所の開始前です。{from} 以降の日を選んでください"),
        );
    } else if through >= today {
        e.add(
            "through",
            "out_of_range",
            "精算できるのは終わった日までです(今日はまだ売上が入ります)",
        );
    }
    e.into_result((from, through))
}

/// The last day a period would settle through by default: the end of the last whole month
/// before `today`, or yesterday when that month is already settled (or before `from`).
pub fn suggested_through(from: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let month_end = today.with_day(1).and_then(|d| d.pred_opt())?;
    let yesterday = today.pred_opt()?;
    [month_end, yesterday].into_iter().find(|d| *d >= from)
}

/// A record booked into a period although it was sold on a day of an earlier, settled period:
/// it reached the server after that period was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateRecord {
    pub sale_id: String,
    pub receipt_number: String,
    /// `sale`, `void` or `refund`.
    pub kind: String,
    pub sold_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub total: Yen,
    /// The facilities whose goods it holds.
    pub facility_ids: Vec<i64>,
}

/// One product's consigned stock over a period: what it opened with (carried over), what came
/// and went, and what it closed with (carried to the next period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLine {
    pub facility_id: i64,
    pub product_id: i64,
    pub product_name: String,
    /// 前期繰越: on hand when the period began.
    pub opening: i64,
    /// 搬入.
    pub intake: i64,
    /// Sold, less returns and voids.
    pub sold: i64,
    /// 持ち帰り・搬出 (positive: taken home).
    pub taken_home: i64,
    /// 棚卸差異: found by counting (negative: fewer than the record).
    pub count_difference: i64,
    /// Moves to or from other events, losses and corrections.
    pub other: i64,
    /// 次期繰越: on hand when the period ended.
    pub closing: i64,
}

/// A sum of movements of one product and kind, before the period or in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementSum {
    pub facility_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub kind: MovementKind,
    /// Before the period began (its opening stock), else in it.
    pub earlier: bool,
    /// Signed: positive into the shop, negative out of it.
    pub quantity: i64,
}

/// Each product's stock over a period, from its movements' sums, by facility then product.
pub fn stock_lines(sums: &[MovementSum]) -> Vec<StockLine> {
    let mut lines: BTreeMap<(i64, i64), StockLine> = BTreeMap::new();
    for m in sums {
        let line = lines
            .entry((m.facility_id, m.product_id))
            .or_insert_with(|| StockLine {
                facility_id: m.facility_id,
                product_id: m.product_id,
                product_name: m.product_name.clone(),
                ..StockLine::default()
            });
        if m.earlier {
            line.opening = line.opening.saturating_add(m.quantity);
            continue;
        }
        let q = m.quantity;
        match m.kind {
            MovementKind::Intake => line.intake = line.intake.saturating_add(q),
            MovementKind::Sale | MovementKind::Refund | MovementKind::Void => {
                line.sold = line.sold.saturating_sub(q)
            }
            MovementKind::Return => line.taken_home = line.taken_home.saturating_sub(q),
            MovementKind::Count => line.count_difference = line.count_difference.saturating_add(q),
            MovementKind::Transfer | MovementKind::Loss | MovementKind::Adjustment => {
                line.other = line.other.saturating_add(q)
            }
        }
    }
    lines
        .into_values()
        .map(|mut l| {
            l.closing = l
                .opening
                .saturating_add(l.intake)
                .saturating_sub(l.sold)
                .saturating_sub(l.taken_home)
                .saturating_add(l.count_difference)
                .saturating_add(l.other);
            l
        })
        .collect()
}

/// When a facility last counted its goods (棚卸) in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCount {
    pub facility_id: i64,
    pub counted_at: DateTime<Utc>,
}

/// A period's settlement: settled, or the preview of the open period through a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodSettlement {
    /// None: a preview (not settled yet).
    pub period: Option<ShopPeriod>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The figures, as an event's settlement of the period's records.
    pub settlement: EventSettlement,
    /// Records booked here that were sold on days of earlier, settled periods.
    pub late: Vec<LateRecord>,
    pub stock: Vec<StockLine>,
    /// Each facility's last 棚卸 in the period (none: not counted).
    pub counts: Vec<StockCount>,
}

impl PeriodSettlement {
    /// One facility's part: its statement, its late records and its stock.
    pub fn statement(&self, facility_id: i64) -> Option<PeriodStatement> {
        Some(PeriodStatement {
            period: self.period.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            statement: self.settlement.statement(facility_id)?,
            late: (self.late.iter())
                .filter(|r| r.facility_ids.contains(&facility_id))
                .cloned()
                .collect(),
            stock: (self.stock.iter())
                .filter(|l| l.facility_id == facility_id)
                .cloned()
                .collect(),
            counted_at: (self.counts.iter())
                .find(|c| c.facility_id == facility_id)
                .map(|c| c.counted_at),
        })
    }
}

/// A facility's statement for a period of the standing shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodStatement {
    pub period: Option<ShopPeriod>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub statement: FacilityStatement,
    pub late: Vec<LateRecord>,
    pub stock: Vec<StockLine>,
    pub counted_at: Option<DateTime<Utc>>,
}

/// A standing shop's periods: the settled ones (newest first) and the open one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopPeriods {
    pub event_id: i64,
    pub event_name: String,
    pub periods: Vec<ShopPeriod>,
    /// The open period's first day.
    pub open_from: NaiveDate,
    /// The day a settlement would run through by default (none: no day of the open period is
    /// over yet).
    pub suggested_through: Option<NaiveDate>,
}

/// Whether a record sold at `sold_at` is late in a period that begins on `starts_on`.
pub fn is_late(sold_at: DateTime<Utc>, starts_on: NaiveDate) -> bool {
    tokyo_date(sold_at) < starts_on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn periods_follow_each_other_and_end_on_a_day_that_is_over() {
        let first = day(4, 1);
        assert_eq!(
            next_period(first, None, day(4, 30), day(5, 1)),
            Ok((day(4, 1), day(4, 30)))
        );
        assert_eq!(
            next_period(first, Some(day(4, 30)), day(5, 31), day(6, 2)),
            Ok((day(5, 1), day(5, 31)))
        );
        let refused = |r: Result<_, FieldErrors>| r.expect_err("refused").0[0].code.clone();
        assert_eq!(
            refused(next_period(first, Some(day(4, 30)), day(4, 30), day(6, 2))),
            "out_of_range"
        );
        assert_eq!(
            refused(next_period(first, None, day(5, 1), day(5, 1))),
            "out_of_range",
            "today is not over"
        );
        assert_eq!(
            refused(next_period(first, None, day(3, 31), day(5, 1))),
            "out_of_range",
            "before the shop"
        );
    }

    #[test]
    fn the_suggested_period_ends_with_last_month_or_yesterday() {
        assert_eq!(suggested_through(day(4, 1), day(5, 10)), Some(day(4, 30)));
        assert_eq!(suggested_through(day(5, 1), day(5, 10)), Some(day(5, 9)));
        assert_eq!(suggested_through(day(5, 10), day(5, 10)), None);
    }

    #[test]
    fn stock_closes_with_what_it_opened_with_plus_what_moved() {
        let sum = |kind, earlier, quantity| MovementSum {
            facility_id: 1,
            product_id: 7,
            product_name: "クッキー".into(),
            kind,
            earlier,
            quantity,
        };
        let lines = stock_lines(&[
            sum(MovementKind::Intake, true, 20),
            sum(MovementKind::Sale, true, -8),
            sum(MovementKind::Intake, false, 10),
            sum(MovementKind::Sale, false, -5),
            sum(MovementKind::Refund, false, 1),
            sum(MovementKind::Return, false, -3),
            sum(MovementKind::Count, false, -1),
        ]);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(
            (l.opening, l.intake, l.sold, l.taken_home, l.count_difference),
            (12, 10, 4, 3, -1)
        );
        assert_eq!(l.closing, 14);
    }

    #[test]
    fn a_record_of_a_day_before_the_period_is_late() {
        // 23:30 on 30 April in Japan is 14:30 UTC.
        let at = day(4, 30).and_hms_opt(14, 30, 0).expect("time").and_utc();
        assert!(is_late(at, day(5, 1)));
        assert!(!is_late(at, day(4, 30)));
    }
}
