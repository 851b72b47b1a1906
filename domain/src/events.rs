//! Events and channels (a bazaar, the SELP SHOP, a joint sale, a marche): their life, the
//! facilities taking part with their commission, the registers, and the checks on an event.

use crate::money::Yen;
use crate::printers::{DEFAULT_PAPER_COLUMNS, PAPER_COLUMNS, PrinterRules, check_printer_address};
use crate::products::MAX_PRICE;
use crate::validation::{FieldErrors, yes};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The kind of a sales channel or event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// ハートバザール
    Bazaar,
    /// ぐんまSELP SHOP
    SelpShop,
    /// 共同販売会
    JointSale,
    /// 農福連携マルシェ
    Marche,
    /// その他
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Bazaar,
        EventKind::SelpShop,
        EventKind::JointSale,
        EventKind::Marche,
        EventKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Bazaar => "bazaar",
            EventKind::SelpShop => "selp_shop",
            EventKind::JointSale => "joint_sale",
            EventKind::Marche => "marche",
            EventKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            EventKind::Bazaar => "ハートバザール",
            EventKind::SelpShop => "SELP SHOP",
            EventKind::JointSale => "共同販売会",
            EventKind::Marche => "農福連携マルシェ",
            EventKind::Other => "その他",
        }
    }
}

/// Where an event is in its life: planned → open → closed → settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventState {
    Planned,
    Open,
    Closed,
    Settled,
}

impl EventState {
    pub const ALL: [EventState; 4] = [
        EventState::Planned,
        EventState::Open,
        EventState::Closed,
        EventState::Settled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventState::Planned => "planned",
            EventState::Open => "open",
            EventState::Closed => "closed",
            EventState::Settled => "settled",
        }
    }

    pub fn from_code(code: &str) -> Option<EventState> {
        EventState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            EventState::Planned => "準備中",
            EventState::Open => "開催中",
            EventState::Closed => "終了",
            EventState::Settled => "精算済",
        }
    }

    /// Whether an event may move from `self` to `next`. A closed event may be reopened (a
    /// register closed by mistake); a settled one is final.
    pub fn may_become(self, next: EventState) -> bool {
        use EventState::*;
        self == next
            || matches!(
                (self, next),
                (Planned, Open) | (Open, Closed) | (Closed, Open) | (Closed, Settled)
            )
    }
}

/// The council's commission on a facility's net sales at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CommissionRule {
    /// A share of net sales, in basis points (1000 = 10%).
    Percent { basis_points: i64 },
    /// A fixed fee per facility for the event.
    Fixed { yen: Yen },
}

impl CommissionRule {
    pub fn label_ja(self) -> String {
        match self {
            CommissionRule::Percent { basis_points } => crate::money::percent_label(basis_points),
            CommissionRule::Fixed { yen } => format!("定額 {yen}"),
        }
    }
}

/// A facility taking part in an event, optionally with its own commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    pub facility_id: i64,
    #[serde(default)]
    pub commission_override: Option<CommissionRule>,
}

/// A register (a tablet at a till) of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Register {
    pub id: i64,
    /// Short code used in receipt numbers: `R1`.
    pub code: String,
    pub name: String,
    /// The receipt printer (ESC/POS over TCP): `host` or `host:port`, port 9100 by default.
    #[serde(default)]
    pub printer_addr: Option<String>,
    /// Half-width columns of its paper: 48 (80 mm) or 32 (58 mm).
    #[serde(default = "default_paper_columns")]
    pub paper_columns: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    pub code: String,
    pub name: String,
    /// `192.168.1.50` or `192.168.1.50:9100`; none or blank: the register prints nothing.
    #[serde(default)]
    pub printer_addr: Option<String>,
    /// 48 (80 mm paper, the default) or 32 (58 mm).
    #[serde(default = "default_paper_columns")]
    pub paper_columns: i64,
}

fn default_paper_columns() -> i64 {
    DEFAULT_PAPER_COLUMNS
}

/// A sales event or channel (a bazaar, the SELP SHOP, a joint sale, a marche).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    /// Short code used in receipt numbers: `HB2026A`.
    pub code: String,
    pub kind: EventKind,
    pub name: String,
    pub venue: String,
    /// First and last day, local (Asia/Tokyo) dates.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: EventState,
    /// Default commission for participating facilities.
    pub commission: CommissionRule,
    pub participants: Vec<Participant>,
    pub registers: Vec<Register>,
    /// The event offers tables (イートイン): food may be rung as eaten on the spot (10 %).
    pub eat_in: bool,
    /// A standing shop (the SELP SHOP): no last day (`ends_on` is [`STANDING_LAST_DAY`]),
    /// settled period by period, never as a whole.
    #[serde(default)]
    pub standing: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventInput {
    pub code: String,
    pub kind: EventKind,
    pub name: String,
    #[serde(default)]
    pub venue: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default = "planned")]
    pub state: EventState,
    pub commission: CommissionRule,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub registers: Vec<RegisterInput>,
    /// The event offers tables (イートイン).
    #[serde(default)]
    pub eat_in: bool,
    /// A standing shop: no last day (`ends_on` is ignored), settled period by period.
    #[serde(default)]
    pub standing: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

/// The last day a standing shop is stored with: it has none, and no date sorts after this one.
pub const STANDING_LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

fn planned() -> EventState {
    EventState::Planned
}

/// The register a tablet is registered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRef {
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
}

fn commission(e: &mut FieldErrors, field: &str, rule: &CommissionRule) {
    match *rule {
        CommissionRule::Percent { basis_points } => {
            if !(0..=10_000).contains(&basis_points) {
                e.add(
                    field,
                    "out_of_range",
                    "手数料率は0%から100%の範囲で入力してください",
                );
            }
        }
        CommissionRule::Fixed { yen } => {
            if !(0..=MAX_PRICE.0).contains(&yen.0) {
                e.add(field, "out_of_range", "手数料は0円以上で入力してください");
            }
        }
    }
}

/// Event codes appear in receipt numbers (`HB2026A-R1-0001`), so they stay short and plain.
fn is_event_code(code: &str) -> bool {
    (2..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

impl EventInput {
    /// Checks every field; a register's printer address against `printers` (see
    /// [`PrinterRules`]).
    pub fn validated(&self, printers: &PrinterRules) -> Result<EventInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = crate::codes::normalise_digits(self.code.trim()).to_ascii_uppercase();
        if !is_event_code(&code) {
            e.add(
                "code",
                "format",
                "イベントコードは英大文字・数字・ハイフンの2〜16文字で入力してください",
            );
        }
        let name = e.required_text("name", &self.name, 100);
        let venue = e.optional_text("venue", &self.venue, 100);
        let ends_on = if self.standing {
            STANDING_LAST_DAY
        } else {
            self.ends_on
        };
        if ends_on < self.starts_on {
            e.add("ends_on", "out_of_range", "終了日は開始日以降にしてください");
        }
        if !self.standing && (ends_on - self.starts_on).num_days() > 366 {
            e.add("ends_on", "out_of_range", "期間は1年以内にしてください");
        }
        if self.kind == EventKind::Other && name.is_empty() {
            e.add("kind", "required", "種別を選んでください");
        }
        commission(&mut e, "commission", &self.commission);
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.participants.iter().enumerate() {
            if !seen.insert(p.facility_id) {
                e.add(
                    format!("participants[{i}].facility_id"),
                    "duplicate",
                    "同じ事業所が重複しています",
                );
            }
            if let Some(rule) = &p.commission_override {
                commission(&mut e, &format!("participants[{i}].commission_override"), rule);
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        let mut registers = Vec::with_capacity(self.registers.len());
        for (i, r) in self.registers.iter().enumerate() {
            let code = crate::codes::normalise_digits(r.code.trim()).to_ascii_uppercase();
            if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                e.add(
                    format!("registers[{i}].code"),
                    "format",
                    "レジ番号は英数字8文字以内で入力してください",
                );
            } else if !codes.insert(code.clone()) {
                e.add(
                    format!("registers[{i}].code"),
                    "duplicate",
                    "レジ番号が重複しています",
                );
            }
            let name = e.required_text(&format!("registers[{i}].name"), &r.name, 40);
            let printer_addr = r
                .printer_addr
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned);
            if let Some(Err(refusal)) = printer_addr
                .as_deref()
                .map(|a| check_printer_address(a, printers))
            {
                e.add(
                    format!("registers[{i}].printer_addr"),
                    refusal.code(),
                    refusal.message_ja(printers),
                );
            }
            if !PAPER_COLUMNS.contains(&r.paper_columns) {
                e.add(
                    format!("registers[{i}].paper_columns"),
                    "out_of_range",
                    "用紙は80mm(48桁)か58mm(32桁)を選んでください",
                );
            }
            registers.push(RegisterInput {
                code,
                name,
                printer_addr,
                paper_columns: r.paper_columns,
            });
        }
        if self.registers.len() > 100 {
            e.add("registers", "out_of_range", "レジは100台までです");
        }
        e.into_result(EventInput {
            code,
            name,
            venue,
            ends_on,
            registers,
            ..self.clone()
        })
    }
}

impl Event {
    /// The event as `viewer` may see it. The council sees everything. Others see who takes
    /// part, but not another facility's commission terms, and no printer address but that of
    /// the register a cashier stands at (an address on the venue LAN is the council's to know).
    pub fn as_seen_by(mut self, viewer: &crate::access::Principal) -> Event {
        if viewer.is_council() {
            return self;
        }
        let own = viewer.facility_scope();
        for p in &mut self.participants {
            if Some(p.facility_id) != own {
                p.commission_override = None;
            }
        }
        for r in &mut self.registers {
            if Some(r.id) != viewer.register_id {
                r.printer_addr = None;
            }
        }
        self
    }
}

/// The day it is in Japan (Asia/Tokyo is UTC+9 all year) at `at`: event days are local dates.
pub fn tokyo_date(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::TimeDelta::hours(9)).date_naive()
}

/// The moment `day` begins in Japan, as UTC: a day's records are those from this moment to
/// the next day's.
pub fn tokyo_day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::TimeDelta::hours(9)
}

/// The event a page opens on, on `today` (a Japanese date): one running today (the shortest,
/// so a one-day bazaar comes before the SELP SHOP that runs all year), else the next to come
/// (the soonest), else the most recent. Active events are chosen before inactive ones.
pub fn event_for_today(events: &[Event], today: NaiveDate) -> Option<&Event> {
    let spans: Vec<EventSpan> = events
        .iter()
        .map(|e| EventSpan {
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            active: e.active,
        })
        .collect();
    index_for_today(&spans, today).map(|i| &events[i])
}

/// An event's days, as [`event_for_today`] weighs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpan {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub active: bool,
}

/// The index in `spans` of the event of [`event_for_today`]; the first of equals wins.
pub fn index_for_today(spans: &[EventSpan], today: NaiveDate) -> Option<usize> {
    let any_active = spans.iter().any(|s| s.active);
    let candidates = || {
        spans
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.active || !any_active)
    };
    let running = candidates()
        .filter(|(_, s)| s.starts_on <= today && today <= s.ends_on)
        .min_by_key(|(i, s)| ((s.ends_on - s.starts_on).num_days(), *i));
    let upcoming = || {
        candidates()
            .filter(|(_, s)| s.starts_on > today)
            .min_by_key(|(i, s)| (s.starts_on, (s.ends_on - s.starts_on).num_days(), *i))
    };
    let recent = || {
        candidates()
            .filter(|(_, s)| s.ends_on < today)
            .min_by_key(|(i, s)| {
                (
                    std::cmp::Reverse(s.ends_on),
                    (s.ends_on - s.starts_on).num_days(),
                    *i,
                )
            })
    };
    running.or_else(upcoming).or_else(recent).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn span(starts_on: &str, ends_on: &str) -> EventSpan {
        EventSpan {
            starts_on: day(starts_on),
            ends_on: day(ends_on),
            active: true,
        }
    }

    #[test]
    fn pages_open_on_the_event_running_today() {
        // The SELP SHOP runs all year and is listed first; the bazaar is today.
        let events = [
            span("2026-04-01", "2027-03-31"),
            span("2026-11-28", "2026-11-29"),
            span("2026-12-05", "2026-12-05"),
        ];
        assert_eq!(index_for_today(&events, day("2026-11-28")), Some(1));
        assert_eq!(
            index_for_today(&events, day("2026-11-29")),
            Some(1),
            "its last day"
        );
        // Only the shop runs: the shop.
        assert_eq!(index_for_today(&events, day("2026-11-30")), Some(0));
    }

    #[test]
    fn else_the_next_to_come_else_the_most_recent() {
        let events = [
            span("2026-06-01", "2026-06-02"),
            span("2026-12-05", "2026-12-06"),
            span("2026-11-28", "2026-11-29"),
            span("2026-09-01", "2026-09-01"),
        ];
        assert_eq!(
            index_for_today(&events, day("2026-10-01")),
            Some(2),
            "the soonest"
        );
        assert_eq!(
            index_for_today(&events, day("2027-01-10")),
            Some(1),
            "the last to end"
        );
        assert_eq!(index_for_today(&[], day("2027-01-10")), None);
    }

    #[test]
    fn active_events_come_first() {
        let mut inactive = span("2026-11-28", "2026-11-28");
        inactive.active = false;
        let events = [inactive, span("2027-01-10", "2027-01-11")];
        assert_eq!(index_for_today(&events, day("2026-11-28")), Some(1));
        // With none active, the rule runs over all of them.
        assert_eq!(index_for_today(&[inactive], day("2026-11-28")), Some(0));
    }

    #[test]
    fn today_is_the_japanese_date() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().expect("time");
        assert_eq!(tokyo_date(at("2026-11-27T15:00:00Z")), day("2026-11-28"));
        assert_eq!(tokyo_date(at("2026-11-27T14:59:59Z")), day("2026-11-27"));
        assert_eq!(tokyo_day_start(day("2026-11-28")), at("2026-11-27T15:00:00Z"));
    }

    #[test]
    fn others_see_neither_other_facilities_terms_nor_printer_addresses() {
        use crate::access::{Principal, Role};
        let rule = CommissionRule::Percent { basis_points: 500 };
        let event = Event {
            participants: vec![
                Participant {
                    facility_id: 1,
                    commission_override: Some(rule),
                },
                Participant {
                    facility_id: 2,
                    commission_override: Some(rule),
                },
            ],
            registers: vec![
                Register {
                    id: 10,
                    code: "R1".into(),
                    name: "レジ1".into(),
                    printer_addr: Some("192.168.1.50".into()),
                    paper_columns: 48,
                },
                Register {
                    id: 11,
                    code: "R2".into(),
                    name: "レジ2".into(),
                    printer_addr: Some("192.168.1.51".into()),
                    paper_columns: 48,
                },
            ],
            id: 1,
            code: "HB26".into(),
            kind: EventKind::Bazaar,
            name: "ハートバザール".into(),
            venue: String::new(),
            starts_on: NaiveDate::MIN,
            ends_on: NaiveDate::MIN,
            state: EventState::Open,
            commission: rule,
            eat_in: false,
            standing: false,
            active: true,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let viewer = |role, facility_id, register_id| Principal {
            user_id: 1,
            login: "x".into(),
            role,
            facility_id,
            register_id,
        };
        assert_eq!(
            event.clone().as_seen_by(&viewer(Role::CouncilStaff, None, None)),
            event
        );
        let staff = event
            .clone()
            .as_seen_by(&viewer(Role::FacilityStaff, Some(1), None));
        assert_eq!(
            staff.participants[0].commission_override,
            Some(rule),
            "its own terms"
        );
        assert_eq!(staff.participants[1].commission_override, None);
        assert!(staff.registers.iter().all(|r| r.printer_addr.is_none()));
        let cashier = event.as_seen_by(&viewer(Role::Cashier, None, Some(11)));
        assert_eq!(cashier.registers[0].printer_addr, None);
        assert_eq!(
            cashier.registers[1].printer_addr.as_deref(),
            Some("192.168.1.51"),
            "its own register's"
        );
    }
    use crate::validation::field_codes as fields;

    #[test]
    fn commission_shapes() {
        let p: CommissionRule =
            serde_json::from_str(r#"{"kind":"percent","basis_points":1250}"#).expect("percent");
        assert_eq!(p.label_ja(), "12.50%");
        let f: CommissionRule = serde_json::from_str(r#"{"kind":"fixed","yen":3000}"#).expect("fixed");
        assert_eq!(f.label_ja(), "定額 ¥3,000");
    }

    #[test]
    fn event_state_moves_forward_only() {
        use EventState::*;
        assert!(Planned.may_become(Open));
        assert!(Closed.may_become(Settled));
        assert!(!Settled.may_become(Open));
        assert!(!Planned.may_become(Settled));
        assert!(!Open.may_become(Planned));
    }

    #[test]
    fn event_rules() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let ev = EventInput {
            code: "hb2026a".into(),
            kind: EventKind::Bazaar,
            name: "ハートバザール".into(),
            venue: "けやきウォーク前橋".into(),
            starts_on: day(28),
            ends_on: day(27),
            state: EventState::Planned,
            commission: CommissionRule::Percent { basis_points: 10_001 },
            participants: vec![
                Participant {
                    facility_id: 1,
                    commission_override: None,
                },
                Participant {
                    facility_id: 1,
                    commission_override: Some(CommissionRule::Fixed { yen: Yen(-1) }),
                },
            ],
            registers: vec![
                RegisterInput {
                    code: "r1".into(),
                    name: "レジ1".into(),
                    printer_addr: Some("http://192.168.1.50".into()),
                    paper_columns: 48,
                },
                RegisterInput {
                    code: "R1".into(),
                    name: "レジ2".into(),
                    printer_addr: None,
                    paper_columns: 40,
                },
            ],
            eat_in: false,
            standing: false,
            active: true,
        };
        assert_eq!(
            fields(ev.validated(&PrinterRules::default()).expect_err("invalid")),
            vec![
                ("ends_on".into(), "out_of_range".into()),
                ("commission".into(), "out_of_range".into()),
                ("participants[1].facility_id".into(), "duplicate".into()),
                (
                    "participants[1].commission_override".into(),
                    "out_of_range".into()
                ),
                ("registers[0].printer_addr".into(), "format".into()),
                ("registers[1].code".into(), "duplicate".into()),
                ("registers[1].paper_columns".into(), "out_of_range".into()),
            ]
        );
        let ok = EventInput {
            ends_on: day(29),
            commission: CommissionRule::Percent { basis_points: 1000 },
            participants: vec![Participant {
                facility_id: 1,
                commission_override: None,
            }],
            registers: vec![
                RegisterInput {
                    code: "r1".into(),
                    name: "レジ1".into(),
                    printer_addr: Some(" 192.168.1.50:9101 ".into()),
                    paper_columns: 32,
                },
                RegisterInput {
                    code: "r2".into(),
                    name: "レジ2".into(),
                    printer_addr: Some("  ".into()),
                    paper_columns: 48,
                },
            ],
            ..ev.clone()
        };
        let rules = PrinterRules {
            ports: vec![9100, 9101],
            ..PrinterRules::default()
        };
        let refused = ok
            .validated(&PrinterRules::default())
            .expect_err("9101 is not allowed");
        assert_eq!(
            fields(refused),
            vec![("registers[0].printer_addr".into(), "port_not_allowed".into())]
        );
        let ok = ok.validated(&rules).expect("valid");
        assert_eq!(ok.code, "HB2026A");
        assert_eq!(ok.registers[0].code, "R1");
        assert_eq!(ok.registers[0].printer_addr.as_deref(), Some("192.168.1.50:9101"));
        assert_eq!(ok.registers[0].paper_columns, 32);
        assert_eq!(ok.registers[1].printer_addr, None, "blank: no printer");
    }

    #[test]
    fn a_standing_shop_has_no_last_day() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 4, d).expect("date");
        let shop = EventInput {
            code: "SHOP".into(),
            kind: EventKind::SelpShop,
            name: "ぐんまSELP SHOP".into(),
            venue: String::new(),
            starts_on: day(1),
            // Whatever the form held: a standing shop has no last day.
            ends_on: day(1) - chrono::TimeDelta::days(30),
            state: EventState::Open,
            commission: CommissionRule::Percent { basis_points: 1500 },
            participants: Vec::new(),
            registers: Vec::new(),
            eat_in: false,
            standing: true,
            active: true,
        };
        let valid = shop.validated(&PrinterRules::default()).expect("valid");
        assert_eq!(valid.ends_on, STANDING_LAST_DAY);
        let event = EventInput {
            standing: false,
            ..shop
        };
        assert!(
            event.validated(&PrinterRules::default()).is_err(),
            "an event ends"
        );
    }
}
