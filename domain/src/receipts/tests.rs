//! Golden and property tests of the receipt: its data from a recorded sale and its paper.

use super::paper::*;
use super::*;
use crate::printers::{COLUMNS_58MM, COLUMNS_80MM};

fn texts(lines: &[PrintLine]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| match l {
            PrintLine::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn position(haystack: &[&str], needle: &str) -> usize {
    haystack
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}"))
}

#[test]
fn widths_count_full_width_as_two() {
    assert_eq!(display_width("abc 123"), 7);
    assert_eq!(display_width("¥1,234"), 6);
    assert_eq!(display_width("ｸｯｷｰ"), 4);
    assert_eq!(display_width("クッキー"), 8);
    assert_eq!(display_width("※8%対象"), 2 + 2 + 4);
    assert_eq!(display_width("（）　"), 6);
    assert_eq!(display_width("😀"), 2);
    assert_eq!(display_width("a\nb"), 2);
}

#[test]
fn wrap_never_splits_a_character() {
    assert_eq!(wrap("あいうえお", 4), ["あい", "うえ", "お"]);
    // A full-width character that would straddle the edge moves to the next line.
    assert_eq!(wrap("aあいう", 4), ["aあ", "いう"]);
    assert_eq!(wrap("abcあ", 4), ["abc", "あ"]);
    assert_eq!(wrap("ｸｯｷｰｸｯｷｰ", 5), ["ｸｯｷｰｸ", "ｯｷｰ"]);
    assert_eq!(wrap("", 10), [""]);
    assert_eq!(wrap("あ", 1), ["あ"]);
    assert_eq!(wrap("Cookie box", 6), ["Cookie", "box"]);
    assert_eq!(wrap("Cookie box", 8), ["Cookie", "box"]);
}

#[test]
fn wrap_keeps_words_and_follows_kinsoku() {
    // Half-width words stay whole when they fit the next line.
    assert_eq!(wrap("ジャム150g", 8), ["ジャム", "150g"]);
    assert_eq!(wrap("1234567890", 4), ["1234", "5678", "90"]);
    // ー, 。 and small kana do not start a line: the previous character comes along.
    assert_eq!(wrap("センター協議会", 6), ["セン", "ター協", "議会"]);
    assert_eq!(wrap("ありがとう。", 10), ["ありがと", "う。"]);
    assert_eq!(wrap("チョコ", 4), ["チョ", "コ"]);
    assert_eq!(wrap("ショコラ", 2), ["シ", "ョ", "コ", "ラ"], "nothing to carry");
    for line in wrap("あおぞら農園の手作りいちごジャム（国産いちご使用）150g", 11) {
        assert!(display_width(&line) <= 11, "{line}");
    }
}

#[test]
fn example_totals_round_once_per_rate() {
    let r = Receipt::example();
    // 8%: 240 + 400 = 640 → 47 (per line 17 + 29 = 46). 10%: 780 + 320 = 1,100 → 100 (70 + 29 = 99).
    let rate = |rate| r.totals.rate(rate).map(|t| (t.total, t.tax));
    assert_eq!(rate(TaxRate::Reduced), Some((Yen(640), Yen(47))));
    assert_eq!(rate(TaxRate::Standard), Some((Yen(1100), Yen(100))));
    assert_eq!(r.totals.non_invoice_total, Yen(800));
    assert_eq!(r.totals.total, Yen(2540));
    assert_eq!(r.totals.item_count, 8);
    assert_eq!(r.change, Yen(460));
    assert_eq!(r.issuer_invoice_number.as_deref(), Some("T3700000000001"));
    assert_eq!(r.issued_at_local.to_string(), "2025-11-23 14:05:09");
}

#[test]
fn layout_has_every_invoice_element() {
    for columns in [COLUMNS_80MM, COLUMNS_58MM] {
        let lines = layout(&Receipt::example(), columns);
        let t = texts(&lines);
        position(&t, "群馬県社会就労");
        position(&t, "登録番号 T3700000000001");
        position(&t, "2025年11月23日(日) 14:05");
        position(&t, "No.0001-0042");
        position(&t, "※手作りクッキー");
        position(&t, REDUCED_LEGEND);
        let standard = t[position(&t, "10%対象")..].join("");
        assert!(
            standard.contains("¥1,100 (内消費税 ¥100)"),
            "{columns}: {standard}"
        );
        let reduced = t[position(&t, "8%対象")..].join("");
        assert!(reduced.contains("¥640 (内消費税 ¥47)"), "{columns}: {reduced}");
        assert!(matches!(lines.last(), Some(PrintLine::Cut)));
        assert!(lines.contains(&PrintLine::Qr("0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b".into())));
    }
}

#[test]
fn no_text_is_wider_than_the_paper() {
    for columns in [COLUMNS_80MM, COLUMNS_58MM, 20] {
        for line in layout(&Receipt::example(), columns) {
            if let PrintLine::Text { text, double, .. } = &line {
                let limit = if *double { columns / 2 } else { columns };
                assert!(display_width(text) <= limit, "{columns}: {line:?}");
            }
        }
    }
}

#[test]
fn amounts_are_flush_right() {
    let lines = layout(&Receipt::example(), COLUMNS_80MM);
    let t = texts(&lines);
    for needle in [
        "※手作りクッキー(プレーン)",
        "値引",
        "対象外 計",
        "お釣り",
        "8%対象",
    ] {
        let line = t[position(&t, needle)];
        assert_eq!(display_width(line), COLUMNS_80MM, "{line:?}");
    }
    assert_eq!(
        t[position(&t, "  値引")].trim_start(),
        format!("値引{}-¥50", " ".repeat(38))
    );
    let total = lines
        .iter()
        .find(|l| matches!(l, PrintLine::Text { text, .. } if text.starts_with("合計")))
        .expect("should succeed");
    let PrintLine::Text {
        text, bold, double, ..
    } = total
    else {
        unreachable!()
    };
    assert!(*bold && *double);
    assert_eq!(text, &format!("合計{}¥2,540", " ".repeat(24 - 4 - 6)));
}

#[test]
fn unregistered_facilities_are_printed_apart() {
    let lines = layout(&Receipt::example(), COLUMNS_80MM);
    let t = texts(&lines);
    let note = position(&t, NON_INVOICE_NOTE);
    // Every invoice figure comes before the note, every non-invoice item after it.
    assert!(position(&t, "8%対象") < note);
    assert!(position(&t, "さをり織りポーチ") < note);
    assert!(position(&t, "【あおぞら工房】") > note);
    assert!(position(&t, "押し花しおり") > note);
    assert!(position(&t, "あおぞら農園") > note);
    assert!(t[position(&t, "対象外 計")].ends_with("¥800"));
    // The invoice totals leave the ¥800 out: ¥640 + ¥1,100 + ¥800 = ¥2,540.
    assert!(t[position(&t, "合計")].ends_with("¥2,540"));
}

#[test]
fn a_receipt_of_only_unregistered_facilities_shows_no_number() {
    let mut receipt = Receipt::example();
    receipt.lines.retain(|l| !l.invoice_eligible);
    receipt.totals.by_rate.clear();
    let t = layout(&receipt, COLUMNS_80MM);
    let t = texts(&t);
    assert!(
        !t.iter().any(|l| l.contains("登録番号") || l.contains("内消費税")),
        "{t:#?}"
    );
    position(&t, NON_INVOICE_NOTE);
}

#[test]
fn an_unregistered_council_claims_nothing() {
    let mut receipt = Receipt::example();
    receipt.issuer_invoice_number = None;
    let t = layout(&receipt, COLUMNS_80MM);
    let t = texts(&t);
    assert!(
        !t.iter()
            .any(|l| l.contains("登録番号") || l.contains("内消費税") || l.contains("適格"))
    );
    position(&t, "【あおぞら工房】");
    position(&t, "さをり織りポーチ");
}

#[test]
fn items_are_grouped_by_facility() {
    let lines = layout(&Receipt::example(), COLUMNS_80MM);
    let t = texts(&lines);
    let himawari = position(&t, "【ひまわり作業所】");
    let sakura = position(&t, "【さくらベーカリー】");
    // The coaster was rung up after the cake but belongs to the first facility.
    assert!(himawari < position(&t, "手織りコースター"));
    assert!(position(&t, "手織りコースター") < sakura);
    assert!(sakura < position(&t, "パウンドケーキ"));
}

#[test]
fn long_names_wrap_with_the_amount_on_the_last_line() {
    let lines = layout(&Receipt::example(), COLUMNS_58MM);
    let t = texts(&lines);
    let first = position(&t, "※あおぞら農園");
    assert!(!t[first].contains('¥'));
    let joined: String = t[first..first + 3].concat();
    assert!(joined.contains("150g"), "{joined}");
    let last = (first..t.len())
        .find(|&i| t[i].ends_with("¥500"))
        .expect("the amount line");
    assert!(last > first);
}

#[test]
fn the_tax_line_breaks_when_it_does_not_fit() {
    let mut receipt = Receipt::example();
    receipt.totals.by_rate[0].total = Yen(1_234_567);
    receipt.totals.by_rate[0].tax = Yen(112_233);
    let lines = layout(&receipt, COLUMNS_58MM);
    let t = texts(&lines);
    let label = position(&t, "10%対象");
    assert_eq!(t[label], "10%対象");
    assert_eq!(t[label + 1].trim_start(), "¥1,234,567 (内消費税 ¥112,233)");
    assert_eq!(display_width(t[label + 1]), COLUMNS_58MM);
}

#[test]
fn control_characters_do_not_reach_the_printer() {
    let mut receipt = Receipt::example();
    receipt.lines[0].name = "クッキー\x1b@\tﾃｽﾄ\n".into();
    let lines = layout(&receipt, COLUMNS_80MM);
    assert!(texts(&lines).iter().all(|t| !t.chars().any(char::is_control)));
}

#[test]
fn render_text_stretches_double_lines_and_centres() {
    let lines = [
        PrintLine::text("レシート", Align::Center).bold().double(),
        PrintLine::text("ab", Align::Right),
        PrintLine::Rule,
        PrintLine::Feed(1),
        PrintLine::Cut,
    ];
    let text = render_text(&lines, 20);
    let expected = [
        format!("{}レ  シ  ー  ト", " ".repeat(2)),
        format!("{}ab", " ".repeat(18)),
        "-".repeat(20),
        String::new(),
        "=".repeat(20),
    ];
    assert_eq!(text, format!("{}\n", expected.join("\n")));
}

#[test]
fn rendered_lines_fit_the_paper() {
    for columns in [COLUMNS_80MM, COLUMNS_58MM] {
        let text = render_text(&layout(&Receipt::example(), columns), columns);
        for line in text.lines() {
            assert!(display_width(line) <= columns, "{columns}: {line:?}");
        }
    }
}

#[test]
fn rendered_80mm_receipt() {
    let text = render_text(&layout(&Receipt::example(), COLUMNS_80MM), COLUMNS_80MM);
    let expected = r"
                レ  シ  ー  ト
    一般社団法人群馬県社会就労センター協議会
            登録番号 T3700000000001
2025年11月23日(日) 14:05
ハートバザール 秋
レジ: 1番レジ                       No.0001-0042
------------------------------------------------
【ひまわり作業所】
※手作りクッキー(プレーン)                  ¥240
  @¥120 × 2
さをり織りポーチ                            ¥780
手織りコースター                            ¥320
【さくらベーカリー】
※パウンドケーキ                            ¥450
  値引                                      -¥50
------------------------------------------------
10%対象                   ¥1,100 (内消費税 ¥100)
8%対象                       ¥640 (内消費税 ¥47)
------------------------------------------------
下記は適格請求書の対象外です
(適格請求書発行事業者でない事業所の商品)
【あおぞら工房】
押し花しおり                                ¥300
  @¥150 × 2
※あおぞら農園の手作りいちごジャム（国産い
ちご使用）150g                              ¥500
対象外 計                                   ¥800
※は軽減税率(8%)対象
------------------------------------------------
合  計                              ¥ 2 , 5 4 0
お買上点数                                   8点
現金                                      ¥3,000
お釣り                                      ¥460
------------------------------------------------
        お買い上げありがとうございます。
      売上は障害のある方の工賃になります。
   [QR: 0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b]
================================================
";
    assert_eq!(text, &expected[1..], "\n{text}");
}

/// The example as the server records it: a sale with its lines, tenders and rate totals,
/// each facility with an id of its own.
fn example_sale() -> (Sale, BTreeMap<i64, String>) {
    let r = Receipt::example();
    let mut names = BTreeMap::new();
    let lines = r
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let id = names
                .iter()
                .find(|(_, n)| **n == l.facility_name)
                .map(|(id, _)| *id)
                .unwrap_or(names.len() as i64 + 1);
            names.insert(id, l.facility_name.clone());
            crate::sales::SaleLine {
                line_no: i as i64 + 1,
                product_id: i as i64 + 1,
                facility_id: id,
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                tax_rate: l.tax_rate,
                discount: l.discount,
                net: l.amount,
                invoice_eligible: l.invoice_eligible,
            }
        })
        .collect();
    let at = chrono::DateTime::parse_from_rfc3339("2025-11-23T05:05:09Z")
        .expect("time")
        .to_utc();
    let sale = Sale {
        id: r.receipt_id.parse().expect("uuid"),
        kind: SaleKind::Sale,
        event_id: 1,
        register_id: 1,
        receipt_number: r.receipt_number.clone(),
        local_number: String::new(),
        cashier_login: "vol".into(),
        sold_at: at,
        recorded_at: at,
        original_sale_id: None,
        lines,
        tenders: r.tenders.clone(),
        by_rate: r.totals.by_rate.clone(),
        non_invoice_total: r.totals.non_invoice_total,
        total: r.totals.total,
        change: r.change,
        voucher_surplus: Yen::ZERO,
        late: false,
        voided: false,
        reason: String::new(),
    };
    (sale, names)
}

fn example_header(original: Option<&str>) -> ReceiptHeader {
    let r = Receipt::example();
    ReceiptHeader {
        issuer_name: r.issuer_name,
        issuer_invoice_number: r.issuer_invoice_number,
        event_name: r.event_name,
        register_name: r.register_name,
        issued_at_local: r.issued_at_local,
        footer: r.footer,
        original_receipt_number: original.map(String::from),
        original_sold_at_local: original.map(|_| r.issued_at_local),
        reprint: false,
    }
}

/// The void of the example sale, as `sales::void` records it.
fn example_void() -> Receipt {
    let (mut sale, names) = example_sale();
    sale.kind = SaleKind::Void;
    sale.receipt_number = "0001-0043".into();
    for line in &mut sale.lines {
        line.quantity = -line.quantity;
        line.discount = Yen(-line.discount.0);
        line.net = Yen(-line.net.0);
    }
    for rate in &mut sale.by_rate {
        rate.total = Yen(-rate.total.0);
        rate.tax = rate.rate.included_tax(rate.total, RoundingMode::Down);
    }
    sale.non_invoice_total = Yen(-sale.non_invoice_total.0);
    sale.total = Yen(-sale.total.0);
    // ¥3,000 handed over, ¥460 change: ¥2,540 goes back in cash.
    sale.tenders = vec![Tender {
        kind: TenderKind::Cash,
        amount: Yen(-2540),
    }];
    sale.change = Yen::ZERO;
    Receipt::of_sale(&sale, example_header(Some("0001-0042")), &names)
}

#[test]
fn a_recorded_sale_gives_the_same_receipt() {
    let (sale, names) = example_sale();
    let receipt = Receipt::of_sale(&sale, example_header(None), &names);
    assert_eq!(receipt, Receipt::example());
    assert!(receipt.moves_cash() && !receipt.is_reversal());
    let card = Receipt {
        tenders: vec![Tender {
            kind: TenderKind::CreditCard,
            amount: Yen(2540),
        }],
        ..receipt.clone()
    };
    assert!(!card.moves_cash(), "no drawer for a card sale");
    let reprint = Receipt {
        reprint: true,
        ..receipt
    };
    assert!(!reprint.moves_cash(), "no drawer for a reprint");
}

#[test]
fn a_void_prints_as_such_with_negative_amounts() {
    let void = example_void();
    assert!(void.is_reversal() && void.moves_cash());
    for columns in [COLUMNS_80MM, COLUMNS_58MM] {
        let lines = layout(&void, columns);
        let t = texts(&lines);
        assert_eq!(t[0], VOID_TITLE);
        let line = |needle: &str| t[position(&t, needle)];
        assert!(
            t.join(" ").contains("元の売上: 2025/11/23 14:05 0001-0042"),
            "{t:#?}"
        );
        assert!(line("※手作りクッキー").ends_with("-¥240"), "{t:#?}");
        // The discount comes back: it adds to the negative amount.
        assert!(line("値引").ends_with(" ¥50"), "{t:#?}");
        let standard = t[position(&t, "10%対象")..].join("");
        assert!(
            standard.contains("-¥1,100 (内消費税 -¥100)"),
            "{columns}: {standard}"
        );
        let reduced = t[position(&t, "8%対象")..].join("");
        assert!(reduced.contains("-¥640 (内消費税 -¥47)"), "{columns}: {reduced}");
        assert!(line("対象外 計").ends_with("-¥800"));
        assert!(line("合計").ends_with("-¥2,540"));
        assert!(line("取消点数").ends_with("8点"));
        assert!(line("ご返金(現金)").ends_with(" ¥2,540"));
        assert!(
            !t.iter().any(|l| l.contains("お釣り") || l.contains("¥-")),
            "{t:#?}"
        );
        for l in &lines {
            if let PrintLine::Text { text, double, .. } = l {
                let limit = if *double { columns / 2 } else { columns };
                assert!(display_width(text) <= limit, "{columns}: {l:?}");
            }
        }
    }
}

#[test]
fn a_refund_and_a_reprint_are_titled() {
    let mut refund = example_void();
    refund.kind = SaleKind::Refund;
    let t = layout(&refund, COLUMNS_80MM);
    let t = texts(&t);
    assert_eq!(t[0], REFUND_TITLE);
    position(&t, "返品点数");

    let reprint = Receipt {
        reprint: true,
        ..Receipt::example()
    };
    let t = layout(&reprint, COLUMNS_80MM);
    let t = texts(&t);
    assert_eq!(&t[..2], &[TITLE, REPRINT_MARK]);
}

#[test]
fn rendered_80mm_void() {
    let text = render_text(&layout(&example_void(), COLUMNS_80MM), COLUMNS_80MM);
    let expected = r"
            取  消  レ  シ  ー  ト
    一般社団法人群馬県社会就労センター協議会
            登録番号 T3700000000001
2025年11月23日(日) 14:05
ハートバザール 秋
レジ: 1番レジ                       No.0001-0043
元の売上: 2025/11/23 14:05 0001-0042
------------------------------------------------
【ひまわり作業所】
※手作りクッキー(プレーン)                 -¥240
  @¥120 × 2
さをり織りポーチ                           -¥780
手織りコースター                           -¥320
【さくらベーカリー】
※パウンドケーキ                           -¥450
  値引                                       ¥50
------------------------------------------------
10%対象                 -¥1,100 (内消費税 -¥100)
8%対象                     -¥640 (内消費税 -¥47)
------------------------------------------------
下記は適格請求書の対象外です
(適格請求書発行事業者でない事業所の商品)
【あおぞら工房】
押し花しおり                               -¥300
  @¥150 × 2
※あおぞら農園の手作りいちごジャム（国産い
ちご使用）150g                             -¥500
対象外 計                                  -¥800
※は軽減税率(8%)対象
------------------------------------------------
合  計                            - ¥ 2 , 5 4 0
取消点数                                     8点
ご返金(現金)                              ¥2,540
------------------------------------------------
        お買い上げありがとうございます。
      売上は障害のある方の工賃になります。
   [QR: 0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b]
================================================
";
    assert_eq!(text, &expected[1..], "\n{text}");
}

#[test]
fn a_void_of_a_voucher_that_gave_change_shows_the_change_handed_back() {
    let mut void = example_void();
    // ¥3,000 in vouchers for ¥2,540, ¥460 change in cash: the vouchers go back, the change
    // comes back into the drawer.
    void.tenders = vec![
        Tender {
            kind: TenderKind::GiftVoucher,
            amount: Yen(-3_000),
        },
        Tender {
            kind: TenderKind::Cash,
            amount: Yen(460),
        },
    ];
    let lines = layout(&void, COLUMNS_80MM);
    let t = texts(&lines);
    assert!(t[position(&t, "ご返金(商品券)")].ends_with(" ¥3,000"), "{t:#?}");
    assert!(
        t[position(&t, "お釣りのご返却(現金)")].ends_with(" ¥460"),
        "{t:#?}"
    );
    assert!(!t.iter().any(|l| l.contains("ご返金(現金)")), "{t:#?}");
}
