//! 協議会からの収入: what each facility earned through the council, per month and channel —
//! joint sales events, the SELP SHOP, joint orders, gift commission and vending machines. One
//! place adds the channels up; the wage page and the prefecture's table read the same sums.

use crate::money::Yen;
use crate::wages::FiscalYear;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A way the council brings a facility money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    /// Net sales at settled joint sales events (ハートバザール, 共同販売会, マルシェ, …).
    Events,
    /// Net sales at the ぐんまSELP SHOP, settled.
    SelpShop,
    /// 共同受注: the facility's part of joint orders paid out to it.
    JointOrders,
    /// ギフト: the facility's commission on the gift orders it took.
    Gifts,
    /// セルプ自販機: the commission of the machines supporting the facility.
    Vending,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Events,
        Channel::SelpShop,
        Channel::JointOrders,
        Channel::Gifts,
        Channel::Vending,
    ];

    pub fn label_ja(self) -> &'static str {
        match self {
            Channel::Events => "販売会",
            Channel::SelpShop => "SELP SHOP",
            Channel::JointOrders => "共同受注",
            Channel::Gifts => "ギフト手数料",
            Channel::Vending => "自販機",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Channel::Events => "Sales events",
            Channel::SelpShop => "SELP SHOP",
            Channel::JointOrders => "Joint orders",
            Channel::Gifts => "Gift commission",
            Channel::Vending => "Vending",
        }
    }
}

/// The amounts of one facility (or of all) over a month or a year, channel by channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelAmounts {
    pub events: Yen,
    pub selp_shop: Yen,
    pub joint_orders: Yen,
    pub gifts: Yen,
    pub vending: Yen,
}

impl ChannelAmounts {
    pub fn get(&self, channel: Channel) -> Yen {
        match channel {
            Channel::Events => self.events,
            Channel::SelpShop => self.selp_shop,
            Channel::JointOrders => self.joint_orders,
            Channel::Gifts => self.gifts,
            Channel::Vending => self.vending,
        }
    }

    fn slot(&mut self, channel: Channel) -> &mut Yen {
        match channel {
            Channel::Events => &mut self.events,
            Channel::SelpShop => &mut self.selp_shop,
            Channel::JointOrders => &mut self.joint_orders,
            Channel::Gifts => &mut self.gifts,
            Channel::Vending => &mut self.vending,
        }
    }

    /// Adds `amount` to a channel; a sum past `i64` stays at the largest yen rather than wrap
    /// (it cannot happen with real figures, and must not panic on hostile ones).
    pub fn add(&mut self, channel: Channel, amount: Yen) {
        let slot = self.slot(channel);
        slot.0 = slot.0.saturating_add(amount.0);
    }

    pub fn add_all(&mut self, other: &ChannelAmounts) {
        for channel in Channel::ALL {
            self.add(channel, other.get(channel));
        }
    }

    /// Every channel together.
    pub fn total(&self) -> Yen {
        Yen(Channel::ALL
            .iter()
            .fold(0i64, |sum, &c| sum.saturating_add(self.get(c).0)))
    }

    /// 販売会 and the SELP SHOP: what the facility's goods sold for at the council's tills.
    pub fn sales(&self) -> Yen {
        Yen(self.events.0.saturating_add(self.selp_shop.0))
    }
}

/// One month of a facility's income through the council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomeMonth {
    pub year: i32,
    pub month: u32,
    pub amounts: ChannelAmounts,
    pub total: Yen,
}

/// A facility's fiscal year through the council, month by month (all twelve, April first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityIncome {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub months: Vec<IncomeMonth>,
    pub totals: ChannelAmounts,
    pub total: Yen,
}

/// Every facility's year (the council's view), or the one facility a member of staff may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomeReport {
    pub fiscal_year: FiscalYear,
    /// 令和7年度.
    pub label: String,
    pub facilities: Vec<FacilityIncome>,
    pub totals: ChannelAmounts,
    pub total: Yen,
}

/// One amount as a channel's source gives it: a facility, a calendar month, yen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub facility_id: i64,
    pub year: i32,
    pub month: u32,
    pub channel: Channel,
    pub amount: Yen,
}

/// Per facility, per (year, month), the channels' amounts. Entries outside the year are the
/// caller's to leave out; here they are simply summed where they fall.
pub type Ledger = BTreeMap<i64, BTreeMap<(i32, u32), ChannelAmounts>>;

pub fn ledger(entries: impl IntoIterator<Item = Entry>) -> Ledger {
    let mut out = Ledger::new();
    for e in entries {
        out.entry(e.facility_id)
            .or_default()
            .entry((e.year, e.month))
            .or_default()
            .add(e.channel, e.amount);
    }
    out
}

/// A facility's twelve months of `fy` from its part of the ledger (missing months are ¥0).
pub fn facility_year(
    fy: FiscalYear,
    facility: (i64, i64, String),
    by_month: Option<&BTreeMap<(i32, u32), ChannelAmounts>>,
) -> FacilityIncome {
    let (facility_id, facility_number, facility_name) = facility;
    let mut totals = ChannelAmounts::default();
    let months = fy
        .months()
        .map(|m| m.to_vec())
        .unwrap_or_default()
        .into_iter()
        .map(|(year, month)| {
            let amounts = by_month
                .and_then(|m| m.get(&(year, month)))
                .copied()
                .unwrap_or_default();
            totals.add_all(&amounts);
            IncomeMonth {
                year,
                month,
                total: amounts.total(),
                amounts,
            }
        })
        .collect();
    FacilityIncome {
        facility_id,
        facility_number,
        facility_name,
        months,
        total: totals.total(),
        totals,
    }
}

/// The report over `facilities` (id, number, name), in the order given.
pub fn report(fy: FiscalYear, facilities: Vec<(i64, i64, String)>, ledger: &Ledger) -> IncomeReport {
    let facilities: Vec<FacilityIncome> = facilities
        .into_iter()
        .map(|f| {
            let id = f.0;
            facility_year(fy, f, ledger.get(&id))
        })
        .collect();
    let mut totals = ChannelAmounts::default();
    for f in &facilities {
        totals.add_all(&f.totals);
    }
    IncomeReport {
        fiscal_year: fy,
        label: fy.label_ja(),
        facilities,
        total: totals.total(),
        totals,
    }
}

/// The CSV's rows (header first): one per facility and month, then each facility's year and
/// the grand total.
pub fn csv_rows(r: &IncomeReport) -> Vec<Vec<String>> {
    let mut header: Vec<String> = ["事業所番号", "事業所名", "年", "月"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(Channel::ALL.iter().map(|c| c.label_ja().to_string()));
    header.push("合計".into());
    let amounts = |a: &ChannelAmounts, total: Yen| {
        Channel::ALL
            .iter()
            .map(|&c| a.get(c).0.to_string())
            .chain(std::iter::once(total.0.to_string()))
            .collect::<Vec<_>>()
    };
    let mut rows = vec![header];
    for f in &r.facilities {
        for m in &f.months {
            let mut row = vec![
                f.facility_number.to_string(),
                f.facility_name.clone(),
                m.year.to_string(),
                m.month.to_string(),
            ];
            row.extend(amounts(&m.amounts, m.total));
            rows.push(row);
        }
        let mut row = vec![
            f.facility_number.to_string(),
            f.facility_name.clone(),
            r.label.clone(),
            "年度計".into(),
        ];
        row.extend(amounts(&f.totals, f.total));
        rows.push(row);
    }
    let mut row = vec![String::new(), "合計".into(), r.label.clone(), "年度計".into()];
    row.extend(amounts(&r.totals, r.total));
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(facility_id: i64, year: i32, month: u32, channel: Channel, amount: i64) -> Entry {
        Entry {
            facility_id,
            year,
            month,
            channel,
            amount: Yen(amount),
        }
    }

    #[test]
    fn channels_add_up_per_month_facility_and_year() {
        let ledger = ledger([
            entry(1, 2026, 4, Channel::Events, 12_000),
            entry(1, 2026, 4, Channel::Events, 3_000),
            entry(1, 2026, 4, Channel::SelpShop, 800),
            entry(1, 2027, 3, Channel::JointOrders, 50_000),
            entry(1, 2026, 10, Channel::Vending, 1_234),
            entry(1, 2026, 12, Channel::Gifts, 900),
            entry(2, 2026, 5, Channel::Vending, 700),
        ]);
        let r = report(
            FiscalYear(2026),
            vec![
                (1, 10, "A工房".into()),
                (2, 11, "B農園".into()),
                (3, 12, "C".into()),
            ],
            &ledger,
        );
        let a = &r.facilities[0];
        assert_eq!(a.months.len(), 12);
        assert_eq!((a.months[0].year, a.months[0].month), (2026, 4));
        assert_eq!(a.months[0].amounts.events, Yen(15_000));
        assert_eq!(a.months[0].total, Yen(15_800));
        assert_eq!(a.months[0].amounts.sales(), Yen(15_800));
        assert_eq!(a.months[11].amounts.joint_orders, Yen(50_000));
        assert_eq!(a.total, Yen(15_800 + 50_000 + 1_234 + 900));
        assert_eq!(
            r.facilities[2].total,
            Yen(0),
            "a facility with nothing has twelve ¥0 months"
        );
        assert_eq!(r.totals.vending, Yen(1_934));
        assert_eq!(r.total, Yen(67_934 + 700));
    }

    #[test]
    fn huge_amounts_saturate_instead_of_wrapping() {
        let ledger = ledger([
            entry(1, 2026, 4, Channel::Events, i64::MAX),
            entry(1, 2026, 4, Channel::Vending, i64::MAX),
        ]);
        let r = report(FiscalYear(2026), vec![(1, 10, "A".into())], &ledger);
        assert_eq!(r.total, Yen(i64::MAX));
    }

    #[test]
    fn the_csv_has_a_row_per_month_then_the_year_and_the_total() {
        let ledger = ledger([entry(1, 2026, 4, Channel::SelpShop, 500)]);
        let r = report(FiscalYear(2026), vec![(1, 10, "A工房".into())], &ledger);
        let rows = csv_rows(&r);
        assert_eq!(
            rows[0],
            [
                "事業所番号",
                "事業所名",
                "年",
                "月",
                "販売会",
                "SELP SHOP",
                "共同受注",
                "ギフト手数料",
                "自販機",
                "合計"
            ]
        );
        assert_eq!(
            rows[1],
            ["10", "A工房", "2026", "4", "0", "500", "0", "0", "0", "500"]
        );
        assert_eq!(rows.len(), 1 + 12 + 1 + 1);
        assert_eq!(rows[13][3], "年度計");
        assert_eq!(rows[14][1], "合計");
        assert_eq!(rows[14][9], "500");
    }
}
