use super::*;

fn share(id: i64, item_id: i64, facility_id: i64, quantity: i64, status: ShareStatus) -> Share {
    Share {
        id,
        item_id,
        facility_id,
        facility_number: facility_id,
        facility_name: format!("F{facility_id}"),
        quantity,
        status,
        reason: String::new(),
        amount: Yen(quantity * 100),
    }
}

fn item(id: i64, quantity: i64, shares: Vec<Share>) -> Item {
    Item {
        id,
        product_id: None,
        description: format!("品目{id}"),
        unit: "個".into(),
        quantity,
        unit_price: Yen(100),
        tax_rate: TaxRate::Reduced,
        amount: Yen(quantity * 100),
        shares,
    }
}

#[test]
fn statuses_move_only_forward_and_end_with_a_reason() {
    use OrderStatus::*;
    assert!(Enquiry.may_become(Quoted));
    assert!(Quoted.may_become(Ordered));
    assert!(Ordered.may_become(Delivered));
    assert!(Delivered.may_become(Invoiced));
    // 入金済 and 支払済 follow payments and the payout, never a bare change.
    assert!(!Invoiced.may_become(Paid));
    assert!(!Paid.may_become(PaidOut));
    assert!(
        !Ordered.may_become(Lost),
        "an order received is cancelled, not lost"
    );
    assert!(Ordered.may_become(Cancelled));
    assert!(!Invoiced.may_become(Cancelled));
    for s in OrderStatus::ALL {
        assert!(!PaidOut.may_become(s));
        assert!(!Lost.may_become(s));
        assert_eq!(OrderStatus::from_code(s.code()), Some(s));
    }
    let no_reason = StatusInput {
        status: Lost,
        reason: "  ".into(),
        on: None,
    };
    assert_eq!(no_reason.validated().expect_err("refused").0[0].field, "reason");
    assert!(
        StatusInput {
            status: Quoted,
            reason: String::new(),
            on: None
        }
        .validated()
        .is_ok()
    );
}

#[test]
fn allocation_must_add_up_and_have_no_declined_share() {
    let ok = item(
        1,
        10,
        vec![
            share(1, 1, 1, 6, ShareStatus::Proposed),
            share(2, 1, 2, 4, ShareStatus::Confirmed),
        ],
    );
    assert!(allocation_problems(std::slice::from_ref(&ok)).is_empty());
    let short = item(2, 10, vec![share(3, 2, 1, 6, ShareStatus::Confirmed)]);
    let declined = item(
        3,
        10,
        vec![
            share(4, 3, 1, 6, ShareStatus::Confirmed),
            share(5, 3, 2, 4, ShareStatus::Declined),
        ],
    );
    let over = item(4, 5, vec![share(6, 4, 1, 6, ShareStatus::Confirmed)]);
    let codes: Vec<(i64, String)> = allocation_problems(&[ok, short, declined, over])
        .into_iter()
        .map(|p| (p.item_id, p.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (2, "short".to_string()),
            (3, "declined".to_string()),
            (3, "short".to_string()),
            (4, "over".to_string())
        ]
    );
}

#[test]
fn duplicate_share_rows_are_refused() {
    let input = AllocationInput {
        shares: vec![
            ShareInput {
                item_id: 1,
                facility_id: 2,
                quantity: 3,
            },
            ShareInput {
                item_id: 1,
                facility_id: 2,
                quantity: 4,
            },
            ShareInput {
                item_id: 1,
                facility_id: 3,
                quantity: 0,
            },
        ],
    };
    let fields: Vec<String> = input
        .validated()
        .expect_err("refused")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, vec!["shares[1].facility_id", "shares[2].quantity"]);
}

fn candidate(id: i64, capacity: Option<i64>, past: i64) -> Candidate {
    Candidate {
        facility_id: id,
        facility_name: format!("F{id}"),
        capacity,
        past_quantity: past,
    }
}

#[test]
fn suggestion_follows_capacity_and_breaks_ties_by_past_share() {
    // 500 bento, capacities 300/200/100 → 250/166.7/83.3 → 250/167/83 (remainders).
    let s = suggest(
        1,
        "弁当",
        "個",
        500,
        &[
            candidate(1, Some(300), 0),
            candidate(2, Some(200), 40),
            candidate(3, Some(100), 10),
        ],
    );
    let q: Vec<(i64, i64)> = s.shares.iter().map(|s| (s.facility_id, s.quantity)).collect();
    assert_eq!(q, vec![(1, 250), (2, 167), (3, 83)]);
    assert_eq!(s.unallocated, 0);
    assert!(s.explanation.contains("申告能力"), "{}", s.explanation);
    assert!(s.explanation.contains("シェア80.0%"), "{}", s.explanation);
    // Capacity short: never above it, the rest left to the desk.
    let short = suggest(
        1,
        "弁当",
        "個",
        500,
        &[candidate(1, Some(100), 0), candidate(2, Some(150), 0)],
    );
    assert_eq!(short.shares.iter().map(|s| s.quantity).sum::<i64>(), 250);
    assert_eq!(short.unallocated, 250);
    assert!(
        short.explanation.contains("250個が未割り振り"),
        "{}",
        short.explanation
    );
    // No declaration: past shares; nothing at all: no suggestion.
    let past = suggest(
        1,
        "印刷",
        "件",
        10,
        &[candidate(1, None, 3), candidate(2, None, 1)],
    );
    let q: Vec<(i64, i64)> = past.shares.iter().map(|s| (s.facility_id, s.quantity)).collect();
    assert_eq!(q, vec![(1, 8), (2, 2)]);
    let none = suggest(1, "清掃", "時間", 10, &[candidate(1, None, 0)]);
    assert!(none.shares.is_empty());
    assert_eq!(none.unallocated, 10);
    // An equal split's odd unit goes to the larger past share.
    let tie = suggest(
        1,
        "箱",
        "箱",
        3,
        &[candidate(1, Some(10), 1), candidate(2, Some(10), 5)],
    );
    let q: Vec<(i64, i64)> = tie.shares.iter().map(|s| (s.facility_id, s.quantity)).collect();
    assert_eq!(q, vec![(2, 2), (1, 1)]);
}

fn line(facility_id: i64, qualified: bool, rate: TaxRate, amount: i64) -> InvoiceLine {
    InvoiceLine {
        item_id: 1,
        description: "x".into(),
        unit: "個".into(),
        quantity: 1,
        unit_price: Yen(amount),
        tax_rate: rate,
        reduced_mark: rate == TaxRate::Reduced,
        amount: Yen(amount),
        facility_id,
        facility_name: format!("F{facility_id}"),
        qualified,
    }
}

#[test]
fn invoice_tax_is_rounded_once_per_rate_and_non_issuers_stand_apart() {
    // Two facilities' ¥120 lines at 8%: per line 8 + 8 = 16, per invoice 240×8/108 = 17.
    let lines = vec![
        line(1, true, TaxRate::Reduced, 120),
        line(2, true, TaxRate::Reduced, 120),
        line(1, true, TaxRate::Standard, 1000),
        line(3, false, TaxRate::Reduced, 500),
    ];
    let per_line: i64 = lines
        .iter()
        .filter(|l| l.qualified && l.tax_rate == TaxRate::Reduced)
        .map(|l| l.tax_rate.included_tax(l.amount, RoundingMode::Down).0)
        .sum();
    let f = invoice_figures(lines, RoundingMode::Down);
    assert_eq!(per_line, 16);
    assert_eq!(f.by_rate[0].rate, TaxRate::Standard);
    assert_eq!((f.by_rate[0].total, f.by_rate[0].tax), (Yen(1000), Yen(90)));
    assert_eq!((f.by_rate[1].total, f.by_rate[1].tax), (Yen(240), Yen(17)));
    assert_eq!(f.qualified_tax, Yen(107));
    assert_eq!(f.non_qualified.len(), 1);
    assert_eq!(f.non_qualified[0].facility_id, 3);
    assert_eq!(f.non_qualified_total, Yen(500));
    assert_eq!(f.total, Yen(1740));
}

#[test]
fn fee_is_rounded_down_and_overrides_apply() {
    // 12.5% of ¥33,333 = 4,166.625 → 4,166 (in the facility's favour); tax 4,166×10/110 = 378.7 → 378.
    let p = facility_payable(
        1,
        1,
        "A",
        Yen(33_333),
        CommissionRule::Percent { basis_points: 1250 },
        vec![],
        RoundingMode::Down,
    );
    assert_eq!((p.fee, p.fee_tax, p.payable), (Yen(4166), Yen(378), Yen(29_167)));
    let fixed = facility_payable(
        2,
        2,
        "B",
        Yen(1000),
        CommissionRule::Fixed { yen: Yen(3000) },
        vec![],
        RoundingMode::Down,
    );
    assert_eq!(fixed.payable, Yen(-2000), "a fixed fee is due regardless");
}

#[test]
fn payout_statement_sums_the_months_orders_and_taxes_the_fee_once() {
    let part = |net: i64| {
        facility_payable(
            1,
            1,
            "A",
            Yen(net),
            CommissionRule::Percent { basis_points: 1000 },
            vec![],
            RoundingMode::Down,
        )
    };
    let line = |id: i64, net: i64| PayoutLine {
        order_id: id,
        subject: "s".into(),
        buyer_name: "b".into(),
        paid_out_on: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        part: part(net),
    };
    // Fees 105 + 105 = 210: per order tax 9 + 9 = 18, once on the month 210×10/110 = 19.
    let s = PayoutStatement::of(
        1,
        1,
        "A",
        2026,
        11,
        "協議会",
        Some("T1234567890123"),
        vec![line(1, 1050), line(2, 1050)],
        RoundingMode::Down,
        Utc::now(),
    );
    assert_eq!(
        (s.net, s.fee, s.fee_tax, s.payable),
        (Yen(2100), Yen(210), Yen(19), Yen(1890))
    );
    assert_eq!(s.fee_by_rate[0].rate, TaxRate::Standard);
}

#[test]
fn order_input_is_checked_field_by_field() {
    let input = OrderInput {
        subject: " ".into(),
        buyer: Buyer {
            name: "県庁".into(),
            department: String::new(),
            contact: String::new(),
            kind: BuyerKind::Government,
            invoice_recipient: String::new(),
        },
        payment_terms: String::new(),
        deliveries: vec![],
        items: vec![ItemInput {
            id: None,
            product_id: None,
            description: "弁当".into(),
            unit: "個".into(),
            quantity: 0,
            unit_price: Yen(-1),
            tax_rate: TaxRate::Reduced,
        }],
        fee: CommissionRule::Percent { basis_points: 10_001 },
        fee_overrides: vec![],
        note: String::new(),
    };
    let fields: Vec<String> = input
        .validated()
        .expect_err("refused")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        vec!["subject", "items[0].quantity", "items[0].unit_price", "fee"]
    );
}

#[test]
fn facility_view_hides_other_facilities() {
    let o = Order {
        id: 1,
        subject: "s".into(),
        buyer: Buyer {
            name: "b".into(),
            department: String::new(),
            contact: String::new(),
            kind: BuyerKind::Company,
            invoice_recipient: String::new(),
        },
        payment_terms: String::new(),
        deliveries: vec![],
        items: vec![
            item(
                1,
                10,
                vec![
                    share(1, 1, 1, 6, ShareStatus::Proposed),
                    share(2, 1, 2, 4, ShareStatus::Proposed),
                ],
            ),
            item(2, 5, vec![share(3, 2, 2, 5, ShareStatus::Proposed)]),
        ],
        fee: CommissionRule::Percent { basis_points: 1000 },
        fee_overrides: vec![],
        note: String::new(),
        status: OrderStatus::Quoted,
        status_reason: String::new(),
        ordered_on: None,
        delivered_on: None,
        invoiced_on: None,
        paid_on: None,
        paid_out_on: None,
        total: Yen(1500),
        paid: Yen(100),
        payments: vec![],
        allocation_problems: vec![],
        payables: vec![],
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    let seen = o.as_seen_by_facility(1);
    assert_eq!(seen.items.len(), 1);
    assert_eq!(seen.items[0].shares.len(), 1);
    assert_eq!(
        (seen.items[0].quantity, seen.items[0].amount),
        (6, Yen(600)),
        "its own part only"
    );
    assert_eq!(seen.total, Yen(600));
    assert_eq!(seen.paid, Yen::ZERO);
}

#[test]
fn status_days_follow_each_other_and_fees_are_checked() {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    assert!(check_day(None, day(1), "on").is_ok());
    assert!(check_day(Some(day(10)), day(10), "on").is_ok());
    let refused = check_day(Some(day(10)), day(9), "on").expect_err("before");
    assert_eq!(
        (refused.0[0].field.as_str(), refused.0[0].code.as_str()),
        ("on", "out_of_range")
    );
    let fee = FeeInput {
        fee: CommissionRule::Fixed { yen: Yen(-1) },
        fee_overrides: vec![
            FeeOverride {
                facility_id: 1,
                fee: CommissionRule::Percent { basis_points: 500 },
            },
            FeeOverride {
                facility_id: 1,
                fee: CommissionRule::Percent { basis_points: 600 },
            },
        ],
    };
    let fields: Vec<String> = fee
        .validated()
        .expect_err("refused")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, vec!["fee", "fee_overrides[1].facility_id"]);
}
