use super::import::plan;
use super::*;
use crate::sales::payment::TenderKind;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn ham() -> GiftItem {
    GiftItem {
        code: "NH-50".into(),
        name: "本格派ハム詰合せ".into(),
        price: Yen(5_400),
        tax_rate: TaxRate::Reduced,
        deliver_from: date(2026, 12, 1),
        deliver_until: date(2026, 12, 25),
    }
}

fn party(name: &str) -> GiftParty {
    GiftParty {
        name: name.into(),
        postal_code: "371-0026".into(),
        address: "前橋市大手町1-1-1".into(),
        phone: "027-123-4567".into(),
    }
}

fn recipient(name: &str, quantity: i64) -> GiftRecipientInput {
    GiftRecipientInput {
        name: name.into(),
        postal_code: "371-0026".into(),
        address: "前橋市大手町1-1-1".into(),
        phone: "027-123-4567".into(),
        item_code: "NH-50".into(),
        quantity,
        noshi: Noshi {
            omotegaki: "御歳暮".into(),
            name: "山田".into(),
        },
        delivery_date: Some(date(2026, 12, 20)),
    }
}

fn order() -> GiftOrderInput {
    GiftOrderInput {
        id: uuid::Uuid::nil(),
        season_id: 1,
        taker_facility_id: Some(3),
        customer: party("山田太郎"),
        recipients: vec![recipient("佐藤", 1), recipient("鈴木", 2)],
        payment: GiftPaymentInput::Till {
            register_id: 1,
            sold_at: DateTime::UNIX_EPOCH,
            tenders: vec![Tender {
                kind: TenderKind::Cash,
                amount: Yen(16_200),
            }],
        },
    }
}

#[test]
fn postal_codes_are_nnn_nnnn() {
    assert_eq!(postal_code("371-0026").as_deref(), Some("371-0026"));
    assert_eq!(postal_code("３７１－００２６").as_deref(), Some("371-0026"));
    assert_eq!(postal_code("3710026").as_deref(), Some("371-0026"));
    assert_eq!(postal_code("〒371-0026").as_deref(), Some("371-0026"));
    for wrong in [
        "",
        "371-002",
        "37-10026",
        "371--026",
        "abc-defg",
        "371-00266",
        "３７１",
    ] {
        assert_eq!(postal_code(wrong), None, "{wrong}");
    }
}

#[test]
fn an_order_is_checked_against_the_catalogue() {
    let valid = order().validated(&[ham()]).expect("valid");
    assert_eq!(valid.total, Yen(16_200));
    assert_eq!(valid.recipients[1].amount, Yen(10_800));
    assert_eq!(valid.recipients[0].item.name, "本格派ハム詰合せ");

    let mut wrong = order();
    wrong.customer.phone = "12345".into();
    wrong.recipients[0].postal_code = "3710".into();
    wrong.recipients[0].quantity = 0;
    wrong.recipients[1].item_code = "XX-1".into();
    wrong.recipients.push(GiftRecipientInput {
        delivery_date: Some(date(2026, 11, 30)),
        noshi: Noshi {
            omotegaki: String::new(),
            name: "山田".into(),
        },
        ..recipient("高橋", 1)
    });
    let fields: Vec<String> = wrong
        .validated(&[ham()])
        .expect_err("wrong")
        .0
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(
        fields,
        [
            "customer.phone",
            "recipients[0].postal_code",
            "recipients[0].quantity",
            "recipients[1].item_code",
            "recipients[2].noshi.omotegaki",
            "recipients[2].delivery_date",
        ]
    );
    // No recipients, a name past its length, an empty tender list.
    let mut empty = order();
    empty.recipients.clear();
    empty.customer.name = "あ".repeat(51);
    empty.payment = GiftPaymentInput::Till {
        register_id: 1,
        sold_at: DateTime::UNIX_EPOCH,
        tenders: vec![],
    };
    let fields: Vec<String> = empty
        .validated(&[ham()])
        .expect_err("wrong")
        .0
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["customer.name", "recipients", "payment.tenders"]);
    // A recipient without a phone is fine; the customer needs one.
    let mut no_phone = order();
    no_phone.recipients[0].phone = String::new();
    no_phone.payment = GiftPaymentInput::Invoice;
    assert!(no_phone.validated(&[ham()]).is_ok());
}

fn recorded(number: i64, taker: Option<i64>, name: &str, amounts: &[(i64, bool)]) -> GiftOrder {
    GiftOrder {
        id: uuid::Uuid::nil(),
        season_id: 1,
        number,
        taker_facility_id: taker,
        taker_name: name.into(),
        customer: party("山田太郎"),
        payment: GiftPayment::Invoice,
        sale_id: None,
        receipt_number: None,
        register_id: None,
        total: Yen(0),
        recipients: amounts
            .iter()
            .enumerate()
            .map(|(i, (amount, cancelled))| GiftRecipient {
                no: i as i64 + 1,
                party: party("佐藤"),
                item_code: "NH-50".into(),
                item_name: "ハム".into(),
                unit_price: Yen(*amount),
                tax_rate: TaxRate::Reduced,
                quantity: 1,
                amount: Yen(*amount),
                noshi: Noshi::default(),
                delivery_date: None,
                cancelled_at: cancelled.then_some(DateTime::UNIX_EPOCH),
                cancel_reason: String::new(),
            })
            .collect(),
        ordered_at: DateTime::UNIX_EPOCH,
    }
}

#[test]
fn commission_is_split_per_taker() {
    let orders = [
        recorded(
            1,
            Some(3),
            "A工房",
            &[(5_400, false), (3_240, false), (5_400, true)],
        ),
        recorded(2, None, COUNCIL_TAKER_JA, &[(10_800, false)]),
        recorded(3, Some(3), "A工房", &[(3_333, false)]),
        recorded(4, Some(4), "B農園", &[(5_400, true)]),
    ];
    let percent = commission_by_taker(CommissionRule::Percent { basis_points: 1_000 }, &orders);
    let rows: Vec<(Option<i64>, i64, i64, Yen, Yen)> = percent
        .iter()
        .map(|t| (t.facility_id, t.orders, t.deliveries, t.sales, t.commission))
        .collect();
    // 10 % of ¥11,973 rounded down once; B's only order was cancelled.
    assert_eq!(
        rows,
        [
            (None, 1, 1, Yen(10_800), Yen(1_080)),
            (Some(3), 2, 3, Yen(11_973), Yen(1_197)),
        ]
    );
    let fixed = commission_by_taker(CommissionRule::Fixed { yen: Yen(300) }, &orders);
    assert_eq!(fixed[1].commission, Yen(900));
    assert_eq!(
        commission(CommissionRule::Percent { basis_points: 10_000 }, 0, Yen(i64::MAX)),
        Yen(i64::MAX)
    );
}

#[test]
fn the_export_lists_recipients_not_cancelled() {
    let orders = [
        recorded(2, None, COUNCIL_TAKER_JA, &[(10_800, false)]),
        recorded(
            1,
            Some(3),
            "A工房",
            &[(5_400, false), (3_240, true), (5_400, false)],
        ),
    ];
    let rows = export_rows(&orders, |t| t.date_naive());
    let numbers: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, ["1-1", "1-3", "2-1"]);
    assert_eq!(rows[0][2], "A工房");
    assert_eq!(rows[0][1], "1970/01/01");
    assert_eq!(rows[2][19], "請求書");
    assert_eq!(rows[0].len(), EXPORT_COLUMNS.len());
}

#[test]
fn a_recipient_is_cancelled_once_and_only_while_open() {
    let order = recorded(1, None, COUNCIL_TAKER_JA, &[(1, false), (1, true)]);
    assert_eq!(may_cancel(SeasonState::Open, &order.recipients[0]), Ok(()));
    assert_eq!(
        may_cancel(SeasonState::Open, &order.recipients[1]),
        Err(CancelError::AlreadyCancelled)
    );
    assert_eq!(
        may_cancel(SeasonState::Closed, &order.recipients[0]),
        Err(CancelError::SeasonClosed)
    );
    assert!(cancel_reason("  ").is_err());
    assert_eq!(cancel_reason(" 住所不明 ").as_deref(), Ok("住所不明"));
}

fn row(line: usize, cells: [&str; 6]) -> (usize, Vec<String>) {
    (line, cells.iter().map(|c| c.to_string()).collect())
}

#[test]
fn a_catalogue_import_is_all_rows_or_none() {
    let good = [
        row(
            2,
            [
                "NH-50",
                "本格派ハム詰合せ",
                "¥5,400",
                "8%",
                "2026/12/01",
                "2026/12/25",
            ],
        ),
        row(
            3,
            [
                "NH-30",
                "ハム・ソーセージ",
                "3240円",
                "軽減",
                "2026-12-01",
                "2026年12月20日",
            ],
        ),
        row(
            4,
            [
                "TW-10",
                "タオルセット",
                "３３００",
                "10",
                "2026/12/01",
                "2026/12/25",
            ],
        ),
    ];
    let items = plan(&good).expect("good rows");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].price, Yen(5_400));
    assert_eq!(items[1].deliver_until, date(2026, 12, 20));
    assert_eq!(items[2].tax_rate, TaxRate::Standard);
    assert_eq!(items[2].price, Yen(3_300));

    let mut bad = good.to_vec();
    bad.push(row(5, ["NH-50", "重複", "100", "8", "2026/12/01", "2026/12/02"]));
    bad.push(row(6, ["", "", "0", "5", "2026/13/01", "2026/11/01"]));
    bad.push(row(7, ["X-1", "逆", "100", "8", "2026/12/10", "2026/12/01"]));
    let errors = plan(&bad).expect_err("wrong rows").0;
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "rows[5].code",
            "rows[6].code",
            "rows[6].name",
            "rows[6].price",
            "rows[6].tax_rate",
            "rows[6].deliver_from",
            "rows[7].deliver_until",
        ]
    );
    assert!(errors[0].message.starts_with("5行目: ") && errors[0].message.contains("2行目にも"));
}

#[test]
fn a_season_is_checked() {
    let season = GiftSeasonInput {
        name: " 2026 お歳暮 ".into(),
        supplier: "ニッポンハム".into(),
        commission: CommissionRule::Percent { basis_points: 1_500 },
        account_facility_id: None,
    };
    assert_eq!(season.validated().map(|s| s.name), Ok("2026 お歳暮".into()));
    let wrong = GiftSeasonInput {
        name: String::new(),
        commission: CommissionRule::Fixed { yen: Yen(-1) },
        account_facility_id: Some(0),
        ..season
    };
    let fields: Vec<String> = wrong
        .validated()
        .expect_err("wrong")
        .0
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["name", "commission", "account_facility_id"]);
}
