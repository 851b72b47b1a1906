use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0)
        .single()
        .expect("a time")
}

fn round_input() -> RoundInput {
    RoundInput {
        title: " 消毒用アルコール共同購入 ".into(),
        item_name: "消毒用アルコール 5L".into(),
        unit: "本".into(),
        unit_price: Yen(3296),
        tax_rate: TaxRate::Standard,
        // 2026-12-10 17:00 in Tokyo.
        deadline: Utc
            .with_ymd_and_hms(2026, 12, 10, 8, 0, 0)
            .single()
            .expect("a time"),
        supplier: "ぐんま薬品".into(),
        note: String::new(),
    }
}

fn bill(facility: i64, amount: i64, paid: &[i64]) -> Bill {
    let mut b = Bill {
        id: facility,
        number: bill_number(1, facility),
        round_id: 1,
        round_title: "R".into(),
        facility_id: facility,
        facility_number: facility,
        facility_name: format!("F{facility}"),
        item_name: "消毒用アルコール 5L".into(),
        unit: "本".into(),
        quantity: 1,
        unit_price: Yen(amount),
        tax_rate: TaxRate::Standard,
        amount: Yen(amount),
        tax: Yen(0),
        issued_on: NaiveDate::from_ymd_opt(2026, 12, 11).expect("a day"),
        payments: paid
            .iter()
            .enumerate()
            .map(|(i, &a)| Payment {
                id: format!("p{i}"),
                received_on: NaiveDate::from_ymd_opt(2026, 12, 20).expect("a day"),
                amount: Yen(a),
                note: String::new(),
                at: now(),
                by: "admin".into(),
            })
            .collect(),
        paid: Yen(0),
        balance: Yen(0),
    };
    settle(&mut b);
    b
}

#[test]
fn a_round_is_trimmed_and_checked_at_once() {
    let ok = round_input().validated(now()).expect("valid");
    assert_eq!(ok.title, "消毒用アルコール共同購入");
    let bad = RoundInput {
        title: " ".into(),
        unit: "本\n".into(),
        unit_price: Yen(0),
        deadline: now(),
        ..round_input()
    };
    let errors = bad.validated(now()).expect_err("invalid");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "unit", "unit_price", "deadline"]);
    let far = RoundInput {
        deadline: now() + chrono::TimeDelta::days(400),
        unit_price: Yen(MAX_UNIT_PRICE.0 + 1),
        ..round_input()
    };
    let errors = far.validated(now()).expect_err("invalid");
    assert_eq!(errors.0.len(), 2);
}

#[test]
fn an_open_round_reads_closed_from_its_deadline() {
    let deadline = round_input().deadline;
    assert_eq!(RoundStatus::Open.at(deadline, now()), RoundStatus::Open);
    assert_eq!(RoundStatus::Open.at(deadline, deadline), RoundStatus::Closed);
    assert_eq!(RoundStatus::Billed.at(deadline, deadline), RoundStatus::Billed);
    for s in RoundStatus::ALL {
        assert_eq!(RoundStatus::from_code(s.code()), Some(s));
    }
    assert_eq!(tokyo_label(deadline), "2026年12月10日 17:00");
}

#[test]
fn orders_refuse_duplicates_negatives_and_empty_lists() {
    let ok = OrdersInput {
        orders: vec![
            OrderLineInput {
                facility_id: 1,
                quantity: 3,
            },
            OrderLineInput {
                facility_id: 2,
                quantity: 0,
            },
        ],
    };
    assert!(ok.validated().is_ok());
    let bad = OrdersInput {
        orders: vec![
            OrderLineInput {
                facility_id: 1,
                quantity: -1,
            },
            OrderLineInput {
                facility_id: 1,
                quantity: MAX_QUANTITY + 1,
            },
            OrderLineInput {
                facility_id: 0,
                quantity: 1,
            },
        ],
    };
    let fields: Vec<String> = bad
        .validated()
        .expect_err("invalid")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "orders[0].quantity",
            "orders[1].facility_id",
            "orders[1].quantity",
            "orders[2].facility_id"
        ]
    );
    assert!(OrdersInput { orders: vec![] }.validated().is_err());
    assert!(CancelInput { reason: "  ".into() }.validated().is_err());
}

#[test]
fn a_bill_rounds_its_tax_once_not_per_unit() {
    // 3,296 yen × 3: the bill's tax is 9,888 × 10/110 = 898.9… → 898, where per unit it would
    // be 299 × 3 = 897.
    let (amount, tax) = bill_figures(3, Yen(3296), TaxRate::Standard, RoundingMode::Down);
    assert_eq!((amount, tax), (Yen(9888), Yen(898)));
    let (amount, tax) = bill_figures(2, Yen(1390), TaxRate::Reduced, RoundingMode::Down);
    assert_eq!((amount, tax), (Yen(2780), Yen(205)));
    assert_eq!(bill_number(3, 10), "GP-3-10");
}

#[test]
fn totals_add_up_every_order() {
    let order = |f: i64, q: i64| RoundOrder {
        facility_id: f,
        facility_number: f,
        facility_name: format!("F{f}"),
        quantity: q,
        amount: order_amount(q, Yen(3296)),
        updated_at: now(),
    };
    let t = Totals::of(&[order(1, 3), order(2, 5), order(3, 1)]);
    assert_eq!((t.quantity, t.amount), (9, Yen(29664)));
}

#[test]
fn the_unpaid_list_is_billed_less_paid_per_facility() {
    let list = UnpaidList::of(vec![
        bill(2, 1000, &[400]),
        bill(1, 500, &[500]),
        bill(3, 700, &[]),
        bill(2, 300, &[]),
    ]);
    let owing: Vec<(i64, i64)> = list
        .facilities
        .iter()
        .map(|f| (f.facility_id, f.balance.0))
        .collect();
    assert_eq!(owing, [(2, 900), (3, 700)]);
    assert_eq!(list.bills.len(), 3);
    assert_eq!(
        (list.billed, list.paid, list.balance),
        (Yen(2500), Yen(900), Yen(1600))
    );
}

#[test]
fn a_month_statement_rounds_tax_once_per_rate() {
    let mut a = bill(1, 0, &[]);
    (a.quantity, a.unit_price, a.amount) = (1, Yen(1008), Yen(1008));
    let mut b = a.clone();
    b.round_id = 2;
    b.number = bill_number(2, 1);
    let mut c = a.clone();
    (c.round_id, c.tax_rate, c.quantity, c.unit_price, c.amount) =
        (3, TaxRate::Reduced, 2, Yen(1390), Yen(2780));
    c.number = bill_number(3, 1);
    let issuer = Issuer {
        name: "協議会".into(),
        registration_number: Some("T3700000000001".into()),
        ..Issuer::default()
    };
    let day = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a day");
    let invoice = PurchaseInvoice::of("GP-1-202612".into(), "12月分".into(), day, &issuer, &[a, b, c])
        .expect("an invoice");
    // 10%: 2,016 × 10/110 = 183.27 → 183 (per line it would be 91 + 91 = 182); 8%: 205.
    let taxes: Vec<(TaxRate, i64, i64)> = invoice
        .figures
        .by_rate
        .iter()
        .map(|r| (r.rate, r.total.0, r.tax.0))
        .collect();
    assert_eq!(
        taxes,
        [(TaxRate::Standard, 2016, 183), (TaxRate::Reduced, 2780, 205)]
    );
    assert!(invoice.qualified);
    assert_eq!(invoice.figures.total, Yen(4796));
    assert_eq!(invoice.balance, Yen(4796));
    assert!(PurchaseInvoice::of("x".into(), "x".into(), day, &issuer, &[]).is_none());
}
