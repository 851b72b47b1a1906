//! 精算: an event's proceeds per facility less commission, the statements (page, CSV, JSON),
//! the lock that settling puts on the event, corrections after it, and the event dashboard.

use crate::db::settlement::Scope;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::register_sessions;
use crate::usecases::{allow, audit};
use chrono::{NaiveDate, Timelike, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::Principal;
use selpos_domain::dashboard::{EventDashboard, FacilityAmount, HourSales, days_and_months};
use selpos_domain::events::{CommissionRule, EventState, tokyo_date};
use selpos_domain::sales::cart::RateTotal;
use selpos_domain::settlement::{
    AdjustmentInput, COMMISSION_ROUNDING_JA, EventSettlement, FacilitySettlement, FacilityStatement,
    FacilityTakings, GIFT_ACCOUNT_RULE, ReceiptShare, RegisterCashLine, SettlementTotals,
    TAX_ON_STATEMENTS_JA, allocate_receipt_taxes, mark_gift_accounts, settle_event,
};
use selpos_domain::{TaxRate, Yen};
use std::collections::BTreeMap;

fn council_only(actor: &Principal) -> Result<()> {
    allow(actor.may_settle())
}

/// Reads the journal and settles every facility: the figures of the statements.
pub(crate) async fn compute(tx: &mut Tx, event_id: i64) -> Result<EventSettlement> {
    compute_scoped(tx, Scope::Event(event_id), None).await
}

/// The settlement of the records of `scope`. `days` (a standing shop's period: its first and
/// last day) picks the register sessions opened on them and dates the statements.
pub(crate) async fn compute_scoped(
    tx: &mut Tx,
    scope: Scope,
    days: Option<(NaiveDate, NaiveDate)>,
) -> Result<EventSettlement> {
    let event_id = scope.event_id();
    let event = db::events::get(tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    let council = db::council::get(tx).await?;
    let rounding = council.as_ref().map(|c| c.tax_rounding).unwrap_or_default();
    let rate_of = |code: &str| {
        TaxRate::from_code(code)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown tax rate {code:?}").into()))
    };

    let mut takings: BTreeMap<i64, FacilityTakings> = BTreeMap::new();
    for (facility_id, facility_number, facility_name) in db::settlement::participants(tx, event_id).await? {
        takings.insert(
            facility_id,
            FacilityTakings {
                facility_id,
                facility_number,
                facility_name,
                ..Default::default()
            },
        );
    }
    for row in db::settlement::line_sums(tx, scope).await? {
        let rate = rate_of(&row.tax_rate)?;
        let t = takings.entry(row.facility_id).or_insert_with(|| FacilityTakings {
            facility_id: row.facility_id,
            facility_number: row.facility_number,
            facility_name: row.facility_name.clone(),
            ..Default::default()
        });
        let sums = t.rate_mut(rate);
        if row.kind == "sale" {
            sums.sales.0 += row.net;
        } else {
            sums.returns.0 -= row.net;
        }
        sums.discounts.0 += row.discount;
        sums.quantity += row.quantity;
        sums.non_invoice.0 += row.non_invoice;
    }
    // The tax on the statements: each receipt's stated tax per rate, allocated to its facilities.
    let shares = db::settlement::receipt_shares(tx, scope)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, row)| {
            let share = ReceiptShare {
                facility_id: row.facility_id,
                rate: rate_of(&row.tax_rate)?,
                amount: Yen(row.amount),
                receipt_tax: Yen(row.receipt_tax),
            };
            // A summed row of lone facilities is a receipt of its own (its whole tax).
            let receipt = match row.sale_id {
                Some(id) => (Some(id), 0),
                None => (None, n),
            };
            Ok((receipt, share))
        })
        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
    for ((facility_id, rate), tax) in allocate_receipt_taxes(shares) {
        // Every facility with lines has a row from `line_sums` above.
        if let Some(t) = takings.get_mut(&facility_id) {
            t.rate_mut(rate).tax = tax;
        }
    }
    let receipts_by_rate = db::settlement::receipt_rate_totals(tx, scope)
        .await?
        .into_iter()
        .map(|(code, total, tax)| {
            Ok(RateTotal {
                rate: rate_of(&code)?,
                total: Yen(total),
                tax: Yen(tax),
            })
        })
        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
    for adjustment in db::settlement::adjustments(tx, scope).await? {
        if let Some(t) = takings.get_mut(&adjustment.facility_id) {
            t.adjustments.push(adjustment);
        }
    }
    for taken_here in [true, false] {
        for (facility_id, r) in db::settlement::cross_event_returns(tx, scope, taken_here).await? {
            // Taken here: the facility has the refund's lines, hence a row from `line_sums`.
            // Sold here: it sold here, hence one too.
            if let Some(t) = takings.get_mut(&facility_id) {
                if taken_here {
                    t.returns_of_other_events.push(r);
                } else {
                    t.returned_elsewhere.push(r);
                }
            }
        }
    }
    let gift_accounts = db::gifts::account_facilities(tx).await?;
    let rule_of = |facility_id: i64| -> CommissionRule {
        if gift_accounts.contains(&facility_id) {
            return GIFT_ACCOUNT_RULE;
        }
        event
            .participants
            .iter()
            .find(|p| p.facility_id == facility_id)
            .and_then(|p| p.commission_override)
            .unwrap_or(event.commission)
    };
    let all: Vec<FacilityTakings> = takings.into_values().collect();
    let (mut facilities, totals) = settle_event(&all, rule_of, rounding);
    mark_gift_accounts(&mut facilities, &gift_accounts);

    let journal = register_sessions::event_journal(tx, event_id).await?;
    let (kinds, tender_sums) = match scope {
        Scope::Event(_) => (journal.kinds, journal.tenders),
        _ => register_sessions::scope_sums(tx, scope).await?,
    };
    let journal_total = Yen(kinds.iter().map(|k| k.total).sum());
    let voucher_surplus = Yen(kinds.iter().map(|k| k.voucher_surplus).sum());
    let tenders = db::register_sessions::tender_totals(&tender_sums, &kinds, |_, _| true)?;
    let mut registers = Vec::new();
    let mut open_registers = Vec::new();
    let opened_in_days = |at| days.is_none_or(|(from, to)| (from..=to).contains(&tokyo_date(at)));
    for report in (journal.reports.into_iter()).filter(|r| opened_in_days(r.session.opened_at)) {
        if report.session.is_open() {
            open_registers.push(format!(
                "{} {}",
                report.session.register_code, report.session.register_name
            ));
        }
        registers.push(RegisterCashLine {
            register_code: report.session.register_code.clone(),
            register_name: report.session.register_name.clone(),
            session_id: report.session.id.clone(),
            opened_at: report.session.opened_at,
            closed_at: report.session.closed_at,
            cash: report.cash,
            late_cash: report.late.cash,
            voucher_surplus: report.voucher_surplus,
            note: report.session.note.clone(),
        });
    }
    let cash_over_short = Yen(registers
        .iter()
        .filter_map(|r| r.cash.difference)
        .map(|d| d.0)
        .sum());
    let settled = match scope {
        Scope::Event(_) => db::settlement::settled(tx, event_id).await?,
        Scope::Period { period_id, .. } => db::shop_periods::get(tx, event_id, period_id)
            .await?
            .map(|p| (p.settled_at, p.settled_by)),
        Scope::Open { .. } => None,
    };
    let state = match scope {
        Scope::Event(_) => event.state,
        Scope::Period { .. } => EventState::Settled,
        Scope::Open { .. } => EventState::Open,
    };
    let (starts_on, ends_on) = days.unwrap_or((event.starts_on, event.ends_on));
    let generated_at = Utc::now();
    let fee_invoice_date = settled
        .as_ref()
        .map_or(generated_at, |(at, _)| *at)
        .with_timezone(&Tokyo)
        .date_naive();
    Ok(EventSettlement {
        event_id,
        event_code: event.code,
        event_name: event.name,
        starts_on,
        ends_on,
        state,
        settled_at: settled.as_ref().map(|(at, _)| *at),
        settled_by: settled.map(|(_, by)| by),
        council_name: council.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        council_invoice_number: council.and_then(|c| c.invoice_number),
        tax_rounding: rounding,
        commission_rounding: COMMISSION_ROUNDING_JA.to_string(),
        tax_note: TAX_ON_STATEMENTS_JA.to_string(),
        facilities,
        totals,
        journal_total,
        receipts_by_rate,
        fee_invoice_date,
        tenders,
        voucher_surplus,
        registers,
        cash_over_short,
        open_registers,
        generated_at,
    })
}

/// The event's settlement (a preview until it is settled).
pub async fn event_settlement(db: &Db, actor: &Principal, event_id: i64) -> Result<EventSettlement> {
    council_only(actor)?;
    compute(&mut *db.report().await?, event_id).await
}

/// One facility's statement: the council, or that facility's own staff.
pub async fn facility_statement(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    facility_id: i64,
) -> Result<FacilityStatement> {
    allow(actor.may_see_facility_accounts(facility_id))?;
    compute(&mut *db.report().await?, event_id)
        .await?
        .statement(facility_id)
        .ok_or(Error::NotFound("事業所の精算"))
}

/// Settles a closed event: checks that every register is closed and the figures balance, then
/// locks it. Settling a settled event again answers its settlement.
pub async fn settle(db: &Db, actor: &Principal, event_id: i64) -> Result<EventSettlement> {
    council_only(actor)?;
    let mut tx = db.write().await?;
    // The event's row first: writes under way finish before the figures are read, and new
    // ones wait and then find the event settled, so none slips between figures and lock.
    db::events::hold(&mut tx, event_id, db::events::EventHold::Settle)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    if db::events::get(&mut tx, event_id)
        .await?
        .is_some_and(|e| e.standing)
    {
        return Err(Error::Conflict(
            "常設の販売所は期間ごとに精算します(期間精算の画面から)".into(),
        ));
    }
    let settlement = compute(&mut tx, event_id).await?;
    match settlement.state {
        EventState::Settled => {
            // A settlement settled earlier in this write group is answered once it is durable.
            tx.rollback().await?;
            return Ok(settlement);
        }
        EventState::Closed => {}
        _ => {
            return Err(Error::Conflict(
                "精算するには、先にイベントを終了(締め)してください".into(),
            ));
        }
    }
    ready_to_settle(&settlement)?;
    let now = Utc::now();
    if !db::settlement::mark_settled(&mut tx, event_id, actor.user_id, now).await? {
        return Err(Error::Conflict(
            "イベントの状態が変わりました。画面を更新してください".into(),
        ));
    }
    db::wages::record_settled_months(&mut tx, Scope::Event(event_id)).await?;
    // The figures were read in this transaction and nothing can change them now: only the
    // state moves (no second pass over the journal).
    let mut settled = settlement;
    settled.state = EventState::Settled;
    settled.settled_at = Some(now);
    settled.settled_by = Some(actor.login.clone());
    audit::commit(
        tx,
        actor,
        "event.settle",
        "event",
        event_id,
        None::<&()>,
        &settled.totals,
    )
    .await?;
    Ok(settled)
}

/// What settling needs of the figures, for an event or a standing shop's period: every
/// register of it closed, the receipts' tax allocated to the yen, the journal and the tenders
/// tying out with the facilities' lines.
pub(crate) fn ready_to_settle(settlement: &EventSettlement) -> Result<()> {
    if !settlement.open_registers.is_empty() {
        return Err(Error::Conflict(format!(
            "締めていないレジがあります: {}。レジ締めをしてから精算してください",
            settlement.open_registers.join("、")
        )));
    }
    if !settlement.tax_ties_out() {
        return Err(Error::Conflict(
            "レシートの消費税額の合計と事業所別の消費税額の合計が一致しません。管理者に連絡してください"
                .into(),
        ));
    }
    if !settlement.balanced() {
        return Err(Error::Conflict(format!(
            "売上記録の合計({})と事業所別の合計({})が一致しません。管理者に連絡してください",
            settlement.journal_total, settlement.totals.net
        )));
    }
    let unexplained = settlement.tenders_unexplained();
    if unexplained != Yen::ZERO {
        return Err(Error::Conflict(format!(
            "支払方法別の合計が、売上と商品券の釣銭なしの合計と{unexplained}合いません。管理者に連絡してください"
        )));
    }
    Ok(())
}

/// 精算後の調整: the one change a settled event takes, audited and shown on the statement.
pub async fn adjust(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    input: &AdjustmentInput,
) -> Result<FacilityStatement> {
    adjust_scoped(db, actor, Scope::Event(event_id), None, input).await
}

/// An adjustment to the settlement of `scope` (a settled event, or a standing shop's settled
/// period with its `days`). Its id makes a retry harmless; the same id for another correction
/// is refused, never taken as done.
pub(crate) async fn adjust_scoped(
    db: &Db,
    actor: &Principal,
    scope: Scope,
    days: Option<(NaiveDate, NaiveDate)>,
    input: &AdjustmentInput,
) -> Result<FacilityStatement> {
    council_only(actor)?;
    input.validated().map_err(Error::Validation)?;
    let event_id = scope.event_id();
    let mut tx = db.write().await?;
    let before = compute_scoped(&mut tx, scope, days).await?;
    if before.state != EventState::Settled {
        return Err(Error::Conflict(
            "精算前の訂正は、売上の取消・返品で行ってください(調整は精算後のみ)".into(),
        ));
    }
    let Some(statement_before) = before.statement(input.facility_id) else {
        let mut e = selpos_domain::validation::FieldErrors::default();
        e.add(
            "facility_id",
            "not_found",
            "この事業所はこのイベントの精算にありません",
        );
        return Err(Error::Validation(e));
    };
    let id = input.id.to_string();
    let new = db::settlement::NewAdjustment {
        id: &id,
        event_id,
        period_id: scope.period_id(),
        facility_id: input.facility_id,
        amount: input.amount,
        reason: input.reason.trim(),
        created_by: actor.user_id,
    };
    if db::settlement::insert_adjustment(&mut tx, &new, Utc::now()).await? {
        let after = compute_scoped(&mut tx, scope, days)
            .await?
            .statement(input.facility_id);
        audit::record(
            &mut tx,
            actor,
            "settlement.adjust",
            "event",
            event_id,
            Some(&statement_before.facility),
            after.as_ref().map(|s| &s.facility),
        )
        .await?;
    } else if !db::settlement::adjustment_is(&mut tx, &new).await? {
        return Err(Error::Refused {
            code: "adjustment_id_reused",
            message: "この調整のIDは別の調整に使われています。画面を更新してからやり直してください".into(),
        });
    }
    let after = compute_scoped(&mut tx, scope, days).await?;
    tx.commit().await?;
    after
        .statement(input.facility_id)
        .ok_or(Error::NotFound("事業所の精算"))
}

const CSV_HEADER: [&str; 16] = [
    "事業所番号",
    "事業所名",
    "総売上",
    "取消・返品",
    "純売上",
    "10%対象",
    "10%内消費税",
    "8%対象",
    "8%内消費税",
    "値引",
    "販売数",
    "手数料率・額",
    "手数料",
    "手数料内消費税(10%)",
    "調整額",
    "支払額",
];

fn csv_row(number: &str, name: &str, f: &SettlementTotals, rule: &str) -> Vec<String> {
    let rate = |r: TaxRate| {
        f.by_rate
            .iter()
            .find(|l| l.rate == r)
            .map(|l| (l.net.0, l.tax.0))
            .unwrap_or((0, 0))
    };
    let (standard, standard_tax) = rate(TaxRate::Standard);
    let (reduced, reduced_tax) = rate(TaxRate::Reduced);
    vec![
        number.to_string(),
        name.to_string(),
        f.gross.0.to_string(),
        f.returns.0.to_string(),
        f.net.0.to_string(),
        standard.to_string(),
        standard_tax.to_string(),
        reduced.to_string(),
        reduced_tax.to_string(),
        f.discounts.0.to_string(),
        f.quantity.to_string(),
        rule.to_string(),
        f.commission.0.to_string(),
        f.commission_tax.0.to_string(),
        f.adjustments_total.0.to_string(),
        f.payable.0.to_string(),
    ]
}

/// The notes under a CSV's figures: how the tax is found, and the fee's tax.
pub fn csv_notes() -> Vec<String> {
    vec![
        TAX_ON_STATEMENTS_JA.to_string(),
        selpos_domain::settlement::FEE_TAX_JA.to_string(),
    ]
}

/// The notes under one facility's CSV: the rules, then the council's invoice for its fee.
pub fn statement_csv_notes(statement: &FacilityStatement) -> Vec<String> {
    let invoice = &statement.fee_invoice;
    let mut notes = csv_notes();
    notes.push(format!(
        "{}: 発行者 {}{} ・ 宛先 {} ・ 取引日 {} ・ {} ・ {}対象 {}円(税込) うち消費税 {}円",
        if invoice.qualified {
            "手数料の適格請求書"
        } else {
            "手数料の請求書(協議会に登録番号がないため適格請求書ではありません)"
        },
        invoice.issuer_name,
        invoice
            .registration_number
            .as_deref()
            .map(|n| format!("(登録番号 {n})"))
            .unwrap_or_default(),
        invoice.recipient_name,
        invoice.issued_on,
        invoice.description,
        selpos_domain::settlement::FEE_TAX_RATE.label_ja(),
        invoice.total.0,
        invoice.tax.0,
    ));
    notes
}

/// Settlements as CSV for Excel: UTF-8 with a BOM, one row per facility, then (when given) a
/// 合計 row for the whole event, then one 注記 row per note. Amounts are plain integers (yen).
pub fn to_csv(
    facilities: &[FacilitySettlement],
    totals: Option<&SettlementTotals>,
    notes: &[String],
) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    out.row(CSV_HEADER)?;
    for f in facilities {
        let as_totals = SettlementTotals::of(std::slice::from_ref(f));
        out.row(csv_row(
            &f.facility_number.to_string(),
            &f.facility_name,
            &as_totals,
            &f.commission_rule.label_ja(),
        ))?;
    }
    if let Some(totals) = totals {
        out.row(csv_row("", "合計", totals, ""))?;
    }
    for note in notes {
        let mut row = vec![String::new(); CSV_HEADER.len()];
        row[0] = "注記".into();
        row[1] = note.clone();
        out.row(row)?;
    }
    out.finish()
}

/// Sales by hour, facility and tender, and the best sellers.
pub async fn dashboard(db: &Db, actor: &Principal, event_id: i64) -> Result<EventDashboard> {
    council_only(actor)?;
    let mut tx = db.report().await?;
    let settlement = compute(&mut tx, event_id).await?;
    let records = db::settlement::records(&mut tx, event_id).await?;
    let (days, months) = days_and_months(
        &(records.iter())
            .map(|(at, kind, total)| (*at, kind == "sale", Yen(*total)))
            .collect::<Vec<_>>(),
    );
    // A standing shop's hours are those of its latest day: its days and months tell the rest.
    let standing = db::events::get(&mut tx, event_id)
        .await?
        .is_some_and(|e| e.standing);
    let latest_day = days.last().map(|d| d.day);
    let mut hours: BTreeMap<chrono::DateTime<Utc>, HourSales> = BTreeMap::new();
    for (sold_at, kind, total) in records {
        if standing && Some(tokyo_date(sold_at)) != latest_day {
            continue;
        }
        let local = sold_at.with_timezone(&Tokyo);
        let Some(hour_start) = local
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
        else {
            continue;
        };
        let key = hour_start.with_timezone(&Utc);
        let bucket = hours.entry(key).or_insert_with(|| HourSales {
            label: local.format("%m/%d %H時").to_string(),
            starts_at: key,
            amount: Yen::ZERO,
            sales: 0,
        });
        bucket.amount.0 += total;
        bucket.sales += i64::from(kind == "sale");
    }
    let mut facilities: Vec<FacilityAmount> = settlement
        .facilities
        .iter()
        .map(|f| FacilityAmount {
            facility_id: f.facility_id,
            facility_name: f.facility_name.clone(),
            amount: f.net,
        })
        .collect();
    facilities.sort_by_key(|f| std::cmp::Reverse(f.amount));
    let sales = days.iter().map(|d| d.sales).sum();
    Ok(EventDashboard {
        event_id,
        event_name: settlement.event_name.clone(),
        state: settlement.state,
        standing,
        net: settlement.totals.net,
        sales,
        hours: hours.into_values().collect(),
        days,
        months,
        facilities,
        tenders: settlement.tenders.clone(),
        best_sellers: db::settlement::best_sellers(&mut tx, event_id, 10).await?,
        generated_at: Utc::now(),
    })
}
