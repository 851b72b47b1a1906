//! Demo data: the prefecture's 114 facilities (from its published wage table), products for a
//! dozen of them, an open ハートバザール and the SELP SHOP channel. Loaded through the same use
//! cases as user input, so it obeys the same rules.

use crate::db::Db;
use crate::error::Error;
use crate::usecases::users;
use crate::usecases::{council, events, facilities, products};
use chrono::{Days, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::{Principal, Role};
use selpos_domain::codes::{Gtin, InvoiceRegistrationNumber};
use selpos_domain::council::CouncilInput;
use selpos_domain::events::{CommissionRule, EventInput, EventKind, EventState, Participant, RegisterInput};
use selpos_domain::facilities::FacilityInput;
use selpos_domain::printers::DEFAULT_PAPER_COLUMNS;
use selpos_domain::products::ProductInput;
use selpos_domain::users::UserInput;
use selpos_domain::{RoundingMode, TaxRate, Yen};
use std::collections::BTreeMap;
use std::fmt;

/// The prefecture's reference table (FY2015/FY2016), as published.
const WAGE_TABLE: &str = include_str!("../data/gunma-wage-h27-h28.csv");

pub const BAZAAR_CODE: &str = "HB-DEMO";
pub const SHOP_CODE: &str = "SHOP-DEMO";

#[derive(Debug, Default)]
pub struct Report {
    pub facilities_added: usize,
    pub products_added: usize,
    pub events_added: usize,
    pub users_added: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo data: {} facilities, {} products, {} events, {} users added",
            self.facilities_added, self.products_added, self.events_added, self.users_added
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the bundled facility table is unreadable: {0}")]
    Table(#[from] csv::Error),
    #[error("demo data was refused: {0:?}")]
    Refused(Error),
    /// The database is a real one: demo users with published passwords must never join it.
    #[error(
        "this database holds data that is not the demo's ({0}): --demo would add users with published passwords to it. Use a new database for the demo"
    )]
    NotDemo(String),
}

impl From<Error> for DemoError {
    fn from(err: Error) -> Self {
        DemoError::Refused(err)
    }
}

/// A facility's row of the table: number, name, corporation type, capacity (latest year).
fn facilities_from_table() -> Result<Vec<(i64, String, i64, i64)>, csv::Error> {
    let mut by_number: BTreeMap<i64, (String, i64, i64)> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(WAGE_TABLE.as_bytes());
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("").replace(',', "");
        let number: i64 = field(0).parse().unwrap_or(0);
        let capacity: i64 = field(4).parse().unwrap_or(0);
        let entry = by_number
            .entry(number)
            .or_insert((field(1), field(2).parse().unwrap_or(6), 0));
        // The later year's capacity wins when it is known.
        if capacity > 0 {
            entry.2 = capacity;
        }
    }
    Ok(by_number
        .into_iter()
        .map(|(n, (name, corp, cap))| (n, name, corp, cap))
        .collect())
}

/// Products of the facilities at the demo bazaar: (facility number, [(name, kana, price, rate, category)]).
type DemoProduct = (&'static str, &'static str, i64, TaxRate, &'static str);
const PRODUCTS: &[(i64, &[DemoProduct])] = &[
    (
        1,
        &[
            (
                "手作りクッキー",
                "てづくりくっきー",
                300,
                TaxRate::Reduced,
                "焼き菓子",
            ),
            (
                "パウンドケーキ",
                "ぱうんどけーき",
                600,
                TaxRate::Reduced,
                "焼き菓子",
            ),
            (
                "さをり織りコースター",
                "さをりおりこーすたー",
                400,
                TaxRate::Standard,
                "手芸",
            ),
        ],
    ),
    (
        2,
        &[
            ("日替わり弁当", "ひがわりべんとう", 500, TaxRate::Reduced, "弁当"),
            ("おにぎりセット", "おにぎりせっと", 350, TaxRate::Reduced, "弁当"),
            ("麦茶 500ml", "むぎちゃ", 120, TaxRate::Reduced, "飲料"),
        ],
    ),
    (
        3,
        &[
            (
                "天然水「極」500ml",
                "てんねんすいきわみ",
                100,
                TaxRate::Reduced,
                "飲料",
            ),
            (
                "天然水「極」2L",
                "てんねんすいきわみ",
                200,
                TaxRate::Reduced,
                "飲料",
            ),
        ],
    ),
    (
        5,
        &[
            (
                "季節の野菜セット",
                "きせつのやさいせっと",
                500,
                TaxRate::Reduced,
                "野菜",
            ),
            ("下仁田ねぎ 3本", "しもにたねぎ", 300, TaxRate::Reduced, "野菜"),
            ("こんにゃく", "こんにゃく", 250, TaxRate::Reduced, "加工品"),
        ],
    ),
    (
        13,
        &[
            ("ラスク", "らすく", 250, TaxRate::Reduced, "焼き菓子"),
            ("メロンパン", "めろんぱん", 180, TaxRate::Reduced, "パン"),
            ("あんぱん", "あんぱん", 150, TaxRate::Reduced, "パン"),
        ],
    ),
    (
        14,
        &[
            (
                "木のおもちゃ 汽車",
                "きのおもちゃきしゃ",
                1500,
                TaxRate::Standard,
                "木工",
            ),
            ("木製スプーン", "もくせいすぷーん", 800, TaxRate::Standard, "木工"),
        ],
    ),
    (
        18,
        &[
            (
                "ブルーベリージャム",
                "ぶるーべりーじゃむ",
                550,
                TaxRate::Reduced,
                "ジャム",
            ),
            ("いちごジャム", "いちごじゃむ", 550, TaxRate::Reduced, "ジャム"),
        ],
    ),
    (
        25,
        &[
            ("手作り石けん", "てづくりせっけん", 450, TaxRate::Standard, "雑貨"),
            ("布ぞうり", "ぬのぞうり", 1200, TaxRate::Standard, "手芸"),
            ("エコバッグ", "えこばっぐ", 900, TaxRate::Standard, "手芸"),
        ],
    ),
    (
        41,
        &[
            (
                "焼きまんじゅう",
                "やきまんじゅう",
                300,
                TaxRate::Reduced,
                "和菓子",
            ),
            ("花の苗 ポット", "はなのなえ", 150, TaxRate::Standard, "園芸"),
        ],
    ),
    (
        48,
        &[
            (
                "シフォンケーキ",
                "しふぉんけーき",
                400,
                TaxRate::Reduced,
                "焼き菓子",
            ),
            (
                "マドレーヌ 5個入",
                "まどれーぬ",
                650,
                TaxRate::Reduced,
                "焼き菓子",
            ),
        ],
    ),
    (
        80,
        &[
            ("からあげ弁当", "からあげべんとう", 550, TaxRate::Reduced, "弁当"),
            ("カレーライス", "かれーらいす", 500, TaxRate::Reduced, "弁当"),
        ],
    ),
    (
        82,
        &[
            ("ドライフラワー", "どらいふらわー", 700, TaxRate::Standard, "園芸"),
            ("ハーブティー", "はーぶてぃー", 480, TaxRate::Reduced, "飲料"),
        ],
    ),
];

/// Facilities at the demo bazaar that are not registered invoice issuers (免税事業者), so the
/// receipts have both kinds.
const TAX_EXEMPT: [i64; 2] = [5, 82];

fn demo_invoice_number(seed: i64) -> Option<String> {
    InvoiceRegistrationNumber::with_check_digit(&format!("{:012}", 700_000_000_000 + seed))
        .ok()
        .map(String::from)
}

/// The demo council's name, which marks a database's settings as the demo's.
const DEMO_COUNCIL_NAME: &str = "一般社団法人群馬県社会就労センター協議会";

/// Refuses a database that holds anything but demo data: a user who is not a demo user, or a
/// council that saved its own settings.
async fn only_demo_data(db: &Db) -> Result<(), DemoError> {
    let mut tx = db.read().await.map_err(Error::from)?;
    let users = crate::db::users::list(&mut tx).await.map_err(Error::from)?;
    if let Some(user) = users
        .iter()
        .find(|u| !DEMO_USERS.iter().any(|(login, ..)| *login == u.login))
    {
        return Err(DemoError::NotDemo(format!("user {:?}", user.login)));
    }
    if let Some(c) = crate::db::council::get(&mut tx).await.map_err(Error::from)?
        && c.invoice_number.is_some()
        && c.name != DEMO_COUNCIL_NAME
    {
        return Err(DemoError::NotDemo(format!("council {:?}", c.name)));
    }
    Ok(())
}

/// Loads what is missing of the demo data into an empty or demo database; running it twice
/// adds nothing the second time. A database with other data is refused ([`DemoError::NotDemo`]).
pub async fn load(db: &Db) -> Result<Report, DemoError> {
    only_demo_data(db).await?;
    let op = Principal {
        login: "(demo)".into(),
        ..users::cli_operator()
    };
    let mut report = Report::default();
    let council = council::get(db).await?;
    if council.invoice_number.is_none() {
        council::update(
            db,
            &op,
            &CouncilInput {
                name: DEMO_COUNCIL_NAME.into(),
                invoice_number: demo_invoice_number(1),
                address: "群馬県前橋市(デモ)".into(),
                phone: "027-000-0000".into(),
                receipt_footer: "お買い上げありがとうございます。売上は障害のある方の工賃になります。".into(),
                tax_rounding: RoundingMode::Down,
                voucher_gives_change: false,
                payout_approval_limit: selpos_domain::council::DEFAULT_PAYOUT_APPROVAL_LIMIT,
                printer_ports: selpos_domain::council::default_printer_ports(),
                allow_link_local_printers: false,
                bank_account: "群馬銀行 県庁支店 普通 0000000 ｼﾔｶｲｼﾕｳﾛｳｾﾝﾀｰｷﾖｳｷﾞｶｲ(デモ)".into(),
            },
        )
        .await?;
    }

    let existing = facilities::list(db, &op, &Default::default()).await?;
    let selling: Vec<i64> = PRODUCTS.iter().map(|(n, _)| *n).collect();
    for (number, name, corporation_type, capacity) in facilities_from_table()? {
        if existing.iter().any(|f| f.number == number) {
            continue;
        }
        let issuer = selling.contains(&number) && !TAX_EXEMPT.contains(&number);
        let kana_only = name
            .chars()
            .all(|c| matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー'));
        facilities::create(
            db,
            &op,
            &FacilityInput {
                number,
                kana: if kana_only { name.clone() } else { String::new() },
                name,
                corporation_type,
                capacity,
                invoice_number: if issuer {
                    demo_invoice_number(1000 + number)
                } else {
                    None
                },
                invoice_issuer: issuer,
                contact: String::new(),
                active: true,
            },
        )
        .await?;
        report.facilities_added += 1;
    }

    let facilities = facilities::list(db, &op, &Default::default()).await?;
    let id_of = |number: i64| facilities.iter().find(|f| f.number == number).map(|f| f.id);
    let products = products::list(db, &op, &Default::default()).await?;
    for (number, items) in PRODUCTS {
        let Some(facility_id) = id_of(*number) else {
            continue;
        };
        for (seq, (name, kana, price, tax_rate, category)) in items.iter().enumerate() {
            let jan = Gtin::with_check_digit(&format!("4999{number:03}{seq:05}"))
                .ok()
                .map(String::from);
            if products.iter().any(|p| p.jan == jan) {
                continue;
            }
            products::create(
                db,
                &op,
                &ProductInput {
                    facility_id,
                    name: (*name).into(),
                    kana: (*kana).into(),
                    price: Yen(*price),
                    tax_rate: *tax_rate,
                    jan,
                    category: (*category).into(),
                    low_stock_threshold: 3,
                    active: true,
                },
            )
            .await?;
            report.products_added += 1;
        }
    }

    let events = events::list(db, &op).await?;
    let today = Utc::now().with_timezone(&Tokyo).date_naive();
    let participants: Vec<Participant> = selling
        .iter()
        .filter_map(|n| id_of(*n))
        .enumerate()
        .map(|(i, facility_id)| Participant {
            facility_id,
            // One facility pays a fixed fee instead of the percentage, as some councils agree.
            commission_override: (i == 3).then_some(CommissionRule::Fixed { yen: Yen(3000) }),
        })
        .collect();
    let demo_events = [
        EventInput {
            code: BAZAAR_CODE.into(),
            kind: EventKind::Bazaar,
            name: "ハートバザール(デモ)".into(),
            venue: "けやきウォーク前橋 1階 光の広場".into(),
            starts_on: today,
            ends_on: today.checked_add_days(Days::new(1)).unwrap_or(today),
            state: EventState::Open,
            commission: CommissionRule::Percent { basis_points: 1000 },
            participants: participants.clone(),
            registers: (1..=3)
                .map(|i| RegisterInput {
                    code: format!("R{i}"),
                    name: format!("レジ{i}"),
                    printer_addr: None,
                    paper_columns: DEFAULT_PAPER_COLUMNS,
                })
                .collect(),
            eat_in: false,
            standing: false,
            active: true,
        },
        EventInput {
            code: SHOP_CODE.into(),
            kind: EventKind::SelpShop,
            name: "ぐんまSELP SHOP 県庁店".into(),
            venue: "群馬県庁 1階県民ホール".into(),
            starts_on: today,
            ends_on: today.checked_add_days(Days::new(180)).unwrap_or(today),
            state: EventState::Open,
            commission: CommissionRule::Percent { basis_points: 1500 },
            participants,
            registers: vec![RegisterInput {
                code: "R1".into(),
                name: "SHOPレジ".into(),
                printer_addr: None,
                paper_columns: DEFAULT_PAPER_COLUMNS,
            }],
            eat_in: false,
            standing: true,
            active: true,
        },
    ];
    for event in demo_events {
        if events.iter().any(|e| e.code == event.code) {
            continue;
        }
        events::create(db, &op, &event, false).await?;
        report.events_added += 1;
    }
    report.users_added = demo_users(db, &op, id_of(1)).await?;
    Ok(report)
}

/// Demo users of every role: (login, display name, role, password, PIN).
pub const DEMO_USERS: [(&str, &str, Role, &str, &str); 5] = [
    (
        "admin",
        "管理者(デモ)",
        Role::CouncilAdmin,
        "selpos-admin-demo",
        "9999",
    ),
    (
        "staff",
        "協議会職員(デモ)",
        Role::CouncilStaff,
        "selpos-staff-demo",
        "8888",
    ),
    (
        "facility1",
        "わーくはうす職員(デモ)",
        Role::FacilityStaff,
        "selpos-facility-demo",
        "",
    ),
    ("cashier1", "ボランティア(デモ)", Role::Cashier, "", "1234"),
    (
        EASY_TILL_DEMO_CASHIER,
        "さくら(やさしいレジ・デモ)",
        Role::Cashier,
        "",
        "2345",
    ),
];

/// The demo cashier whose till opens as the やさしいレジ.
pub const EASY_TILL_DEMO_CASHIER: &str = "worker1";

async fn demo_users(db: &Db, op: &Principal, facility_1: Option<i64>) -> Result<usize, DemoError> {
    let existing = users::list(db, op).await?;
    let mut added = 0;
    for (login, name, role, password, pin) in DEMO_USERS {
        if existing.iter().any(|u| u.login == login) {
            continue;
        }
        let input = UserInput {
            login: login.into(),
            display_name: name.into(),
            role,
            facility_id: (role == Role::FacilityStaff).then_some(facility_1).flatten(),
            password: (!password.is_empty()).then(|| password.into()),
            pin: (!pin.is_empty()).then(|| pin.into()),
            active: true,
            easy_till: login == EASY_TILL_DEMO_CASHIER,
        };
        users::create(db, op, &input).await?;
        added += 1;
    }
    Ok(added)
}

/// The demo sign-ins, for the console.
pub fn credentials() -> String {
    let mut out = String::from("demo users (login / password / PIN):\n");
    for (login, _, role, password, pin) in DEMO_USERS {
        let password = if password.is_empty() { "-" } else { password };
        let pin = if pin.is_empty() { "-" } else { pin };
        out.push_str(&format!(
            "  {:<10} {:<22} {:<5} {}\n",
            login,
            password,
            pin,
            role.label_ja()
        ));
    }
    out.push_str("  (cashiers sign in with their PIN on a tablet registered to a register; council PINs approve voids)");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_114_facilities() {
        let facilities = facilities_from_table().expect("table");
        assert_eq!(facilities.len(), 114);
        assert_eq!(facilities[0], (1, "わーくはうすてっぶ".to_string(), 2, 20));
        assert!(facilities.iter().all(|(_, _, corp, _)| (1..=6).contains(corp)));
    }
}
