//! 共同購入: the council's purchase rounds — created, edited, closed (at the deadline or by
//! hand) or cancelled; the facilities' quantities until the deadline; one bill per facility
//! once closed (a qualified invoice from the council); payments, partial and retried by their
//! id; the unpaid list; each facility's invoice and monthly statement.
//!
//! The sibling of [`crate::usecases::orders`]: the same payments input and replay rule, the
//! same invoice arithmetic. Every change to a round holds its row first, so an order racing
//! the close, or two payments of one bill, never interleave.

use crate::db::purchases::{BillFilter, NewBill, RoundRow};
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::{allow, audit};
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::events::tokyo_date;
use selpos_domain::orders::PaymentInput;
use selpos_domain::purchases::{
    Bill, BillInput, CancelInput, Issuer, OrdersInput, PurchaseInvoice, Round, RoundInput, RoundStatus,
    Totals, UnpaidList, bill_figures, bill_number, tokyo_label,
};
use selpos_domain::validation::FieldErrors;
use std::collections::BTreeSet;

/// The council runs the rounds.
fn council(actor: &Principal) -> Result<()> {
    allow(actor.may_manage_council_data())
}

/// The council, or facility staff (their own facility's part).
fn council_or_facility(actor: &Principal) -> Result<()> {
    allow(actor.is_council() || actor.facility_scope().is_some_and(|f| f > 0))
}

fn round_closed(status: RoundStatus) -> Error {
    Error::Refused {
        code: "round_closed",
        message: format!(
            "この共同購入は{}です。注文の受付は締め切られています",
            status.label_ja()
        ),
    }
}

fn wrong_status(status: RoundStatus, what: &str) -> Error {
    Error::Refused {
        code: "round_status",
        message: format!("{}の共同購入では{what}できません", status.label_ja()),
    }
}

/// The round as it reads now, from its row, orders and bills.
async fn assemble(tx: &mut Tx, row: RoundRow, now: DateTime<Utc>) -> Result<Round> {
    let status = row.stored_status()?.at(row.deadline, now);
    let tax_rate = row.rate()?;
    let orders = db::purchases::orders(tx, row.id, Yen(row.unit_price)).await?;
    let bills = db::purchases::bills(
        tx,
        BillFilter {
            round: Some(row.id),
            ..BillFilter::default()
        },
    )
    .await?;
    let totals = Totals::of(&orders);
    let unpaid = UnpaidList::of(bills.clone());
    Ok(Round {
        id: row.id,
        deadline_ja: tokyo_label(row.deadline),
        title: row.title,
        item_name: row.item_name,
        unit: row.unit,
        unit_price: Yen(row.unit_price),
        tax_rate,
        deadline: row.deadline,
        supplier: row.supplier,
        note: row.note,
        status,
        status_reason: row.status_reason,
        closed_at: row.closed_at,
        billed_on: row.billed_on,
        orders,
        total_quantity: totals.quantity,
        total_amount: totals.amount,
        bills,
        billed: unpaid.billed,
        paid: unpaid.paid,
        balance: unpaid.balance,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn load(tx: &mut Tx, id: i64) -> Result<Round> {
    let row = db::purchases::round(tx, id)
        .await?
        .ok_or(Error::NotFound("共同購入"))?;
    assemble(tx, row, Utc::now()).await
}

async fn hold(tx: &mut Tx, id: i64) -> Result<RoundRow> {
    db::purchases::hold(tx, id)
        .await?
        .ok_or(Error::NotFound("共同購入"))
}

/// What `actor` sees of a round: all of it (the council), or a facility's own part of an open
/// round or of one it ordered in — any other is not found for them.
fn as_seen_by(actor: &Principal, round: Round) -> Result<Round> {
    match actor.facility_scope() {
        None => Ok(round),
        Some(facility) => {
            let seen = round.as_seen_by_facility(facility);
            if seen.status == RoundStatus::Open || !seen.orders.is_empty() || !seen.bills.is_empty() {
                Ok(seen)
            } else {
                Err(Error::NotFound("共同購入"))
            }
        }
    }
}

pub async fn list(db: &Db, actor: &Principal) -> Result<Vec<Round>> {
    council_or_facility(actor)?;
    let mut tx = db.read().await?;
    let now = Utc::now();
    let mut out = Vec::new();
    for row in db::purchases::rounds(&mut tx, false).await? {
        let round = assemble(&mut tx, row, now).await?;
        if let Ok(seen) = as_seen_by(actor, round) {
            out.push(seen);
        }
    }
    Ok(out)
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<Round> {
    council_or_facility(actor)?;
    let mut tx = db.read().await?;
    as_seen_by(actor, load(&mut tx, id).await?)
}

pub async fn create(db: &Db, actor: &Principal, input: &RoundInput) -> Result<Round> {
    council(actor)?;
    let now = Utc::now();
    let input = input.validated(now).map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let id = db::purchases::insert_round(&mut tx, &input, now).await?;
    let round = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "purchase.round_create",
        "purchase_round",
        id,
        None::<&()>,
        round,
    )
    .await
}

/// Changes an open round (a later deadline reopens ordering until then).
pub async fn update(db: &Db, actor: &Principal, id: i64, input: &RoundInput) -> Result<Round> {
    council(actor)?;
    let now = Utc::now();
    let input = input.validated(now).map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let row = hold(&mut tx, id).await?;
    let stored = row.stored_status()?;
    if stored != RoundStatus::Open {
        return Err(wrong_status(stored, "変更"));
    }
    let before = assemble(&mut tx, row, now).await?;
    db::purchases::update_round(&mut tx, id, &input, now).await?;
    let after = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "purchase.round_update",
        "purchase_round",
        id,
        Some(&before),
        after,
    )
    .await
}

/// Sets facilities' quantities (0 withdraws) while the round takes orders; facility staff
/// only their own facility's.
pub async fn put_orders(db: &Db, actor: &Principal, id: i64, input: &OrdersInput) -> Result<Round> {
    council_or_facility(actor)?;
    if let Some(own) = actor.facility_scope() {
        allow(input.orders.iter().all(|o| o.facility_id == own))?;
    }
    input.validated().map_err(Error::Validation)?;
    let now = Utc::now();
    let mut tx = db.write().await?;
    let row = hold(&mut tx, id).await?;
    let status = row.stored_status()?.at(row.deadline, now);
    if status != RoundStatus::Open {
        return Err(round_closed(status));
    }
    let mut e = FieldErrors::default();
    for (i, o) in input.orders.iter().enumerate() {
        if db::facilities::get(&mut tx, o.facility_id).await?.is_none() {
            e.add(
                format!("orders[{i}].facility_id"),
                "unknown",
                "事業所が見つかりません",
            );
        }
    }
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let before = assemble(&mut tx, row, now).await?;
    for o in &input.orders {
        db::purchases::put_order(&mut tx, id, o.facility_id, o.quantity, now).await?;
    }
    let after = load(&mut tx, id).await?;
    let touched: BTreeSet<i64> = input.orders.iter().map(|o| o.facility_id).collect();
    let part = |r: &Round| -> Vec<_> {
        r.orders
            .iter()
            .filter(|o| touched.contains(&o.facility_id))
            .map(|o| (o.facility_id, o.quantity))
            .collect()
    };
    audit::record(
        &mut tx,
        actor,
        "purchase.order",
        "purchase_round",
        id,
        Some(&part(&before)),
        Some(&part(&after)),
    )
    .await?;
    tx.commit().await?;
    as_seen_by(actor, after)
}

/// 締切 by hand (a round past its deadline is closed already; this records it).
pub async fn close(db: &Db, actor: &Principal, id: i64) -> Result<Round> {
    council(actor)?;
    let now = Utc::now();
    let mut tx = db.write().await?;
    let row = hold(&mut tx, id).await?;
    match row.stored_status()? {
        RoundStatus::Open => {}
        RoundStatus::Closed => {
            let round = assemble(&mut tx, row, now).await?;
            tx.rollback().await?;
            return Ok(round);
        }
        other => return Err(wrong_status(other, "締め切り")),
    }
    let closed_at = now.min(row.deadline);
    let before = assemble(&mut tx, row, now).await?;
    db::purchases::set_status(&mut tx, id, RoundStatus::Closed, "", Some(closed_at), None, now).await?;
    let after = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "purchase.close",
        "purchase_round",
        id,
        Some(&before),
        after,
    )
    .await
}

/// 中止, with a reason, before any bill.
pub async fn cancel(db: &Db, actor: &Principal, id: i64, input: &CancelInput) -> Result<Round> {
    council(actor)?;
    let reason = input.validated().map_err(Error::Validation)?;
    let now = Utc::now();
    let mut tx = db.write().await?;
    let row = hold(&mut tx, id).await?;
    let stored = row.stored_status()?;
    if !matches!(stored, RoundStatus::Open | RoundStatus::Closed) {
        return Err(wrong_status(stored, "中止"));
    }
    let before = assemble(&mut tx, row, now).await?;
    db::purchases::set_status(&mut tx, id, RoundStatus::Cancelled, &reason, None, None, now).await?;
    let after = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "purchase.cancel",
        "purchase_round",
        id,
        Some(&before),
        after,
    )
    .await
}

async fn issuer(tx: &mut Tx) -> Result<Issuer> {
    Ok(db::council::get(tx)
        .await?
        .map(|c| Issuer {
            name: c.name,
            address: c.address,
            phone: c.phone,
            bank_account: c.bank_account,
            registration_number: c.invoice_number,
            rounding: c.tax_rounding,
        })
        .unwrap_or_default())
}

/// 請求: one bill per facility that ordered, once the round is closed. Again answers the round.
pub async fn bill(db: &Db, actor: &Principal, id: i64, input: &BillInput) -> Result<Round> {
    council(actor)?;
    let now = Utc::now();
    let today = tokyo_date(now);
    let mut tx = db.write().await?;
    let row = hold(&mut tx, id).await?;
    let status = row.stored_status()?.at(row.deadline, now);
    match status {
        RoundStatus::Closed => {}
        RoundStatus::Billed | RoundStatus::Done => {
            let round = assemble(&mut tx, row, now).await?;
            tx.rollback().await?;
            return Ok(round);
        }
        other => return Err(wrong_status(other, "請求")),
    }
    let issued_on = input.issued_on.unwrap_or(today);
    let earliest = tokyo_date(row.created_at);
    if issued_on < earliest || issued_on > today + chrono::TimeDelta::days(31) {
        return Err(Error::field(
            "issued_on",
            "out_of_range",
            "請求日は共同購入の作成日から今日の31日後までで入力してください",
        ));
    }
    let before = assemble(&mut tx, row.clone(), now).await?;
    if before.orders.is_empty() {
        return Err(Error::Refused {
            code: "round_empty",
            message: "注文がないため請求できません。中止してください".into(),
        });
    }
    let issuer = issuer(&mut tx).await?;
    for o in &before.orders {
        let (amount, tax) = bill_figures(o.quantity, before.unit_price, before.tax_rate, issuer.rounding);
        let number = bill_number(id, o.facility_number);
        db::purchases::insert_bill(
            &mut tx,
            &NewBill {
                round_id: id,
                facility_id: o.facility_id,
                number: &number,
                quantity: o.quantity,
                unit_price: before.unit_price,
                tax_rate: before.tax_rate,
                amount,
                tax,
                issued_on,
            },
            now,
        )
        .await?;
    }
    let closed_at = row.closed_at.or(Some(row.deadline.min(now)));
    db::purchases::set_status(
        &mut tx,
        id,
        RoundStatus::Billed,
        "",
        closed_at,
        Some(issued_on),
        now,
    )
    .await?;
    let after = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "purchase.bill",
        "purchase_round",
        id,
        Some(&before),
        after,
    )
    .await
}

fn reused_payment_id() -> Error {
    Error::Refused {
        code: "payment_id_reused",
        message: "この入金IDは別の入金に使われています".into(),
    }
}

async fn one_bill(tx: &mut Tx, id: i64) -> Result<Bill> {
    db::purchases::bills(
        tx,
        BillFilter {
            bill: Some(id),
            ..BillFilter::default()
        },
    )
    .await?
    .pop()
    .ok_or(Error::NotFound("請求"))
}

/// 入金 on a bill: partial payments add up, never above the balance; a retried request (same
/// `id`) is the same payment. The round is 完了 once every bill is paid.
pub async fn add_payment(db: &Db, actor: &Principal, bill_id: i64, input: &PaymentInput) -> Result<Bill> {
    council(actor)?;
    input.validated()?;
    let key = input.id.to_string();
    let now = Utc::now();
    let mut tx = db.write().await?;
    let round_id = db::purchases::round_of_bill(&mut tx, bill_id)
        .await?
        .ok_or(Error::NotFound("請求"))?;
    hold(&mut tx, round_id).await?;
    if let Some((stored_bill, received_on, amount)) = db::purchases::payment(&mut tx, &key).await? {
        if stored_bill != bill_id || received_on != input.received_on || amount != input.amount.0 {
            return Err(reused_payment_id());
        }
        let bill = one_bill(&mut tx, bill_id).await?;
        tx.rollback().await?;
        return Ok(bill);
    }
    let before = one_bill(&mut tx, bill_id).await?;
    if before.balance.0 <= 0 {
        return Err(Error::Refused {
            code: "bill_paid",
            message: "この請求は入金済みです".into(),
        });
    }
    if input.amount.0 > before.balance.0 {
        return Err(Error::field(
            "amount",
            "over_balance",
            format!("入金額が請求残高({})を超えています", before.balance),
        ));
    }
    if input.received_on < before.issued_on
        || input.received_on > tokyo_date(now) + chrono::TimeDelta::days(1)
    {
        return Err(Error::field(
            "received_on",
            "out_of_range",
            "入金日は請求日から今日までで入力してください",
        ));
    }
    let inserted = db::purchases::insert_payment(
        &mut tx,
        &key,
        bill_id,
        input.received_on,
        input.amount,
        input.note.trim(),
        actor.user_id,
        now,
    )
    .await?;
    if !inserted {
        return Err(reused_payment_id());
    }
    let after = one_bill(&mut tx, bill_id).await?;
    let round_bills = db::purchases::bills(
        &mut tx,
        BillFilter {
            round: Some(round_id),
            ..BillFilter::default()
        },
    )
    .await?;
    if round_bills.iter().all(|b| b.balance.0 <= 0) {
        db::purchases::set_status(&mut tx, round_id, RoundStatus::Done, "", None, None, now).await?;
    }
    let recorded = after.payments.iter().find(|p| p.id == key).cloned();
    audit::record(
        &mut tx,
        actor,
        "purchase.payment",
        "purchase_bill",
        bill_id,
        None::<&()>,
        recorded.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The facility a read is narrowed to: facility staff their own (asking for another: 403).
fn facility_filter(actor: &Principal, asked: Option<i64>) -> Result<Option<i64>> {
    council_or_facility(actor)?;
    match (actor.facility_scope(), asked) {
        (Some(own), Some(asked)) if own != asked => Err(Error::Forbidden),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

/// The bills (facility staff: their own), by issue day.
pub async fn bills(db: &Db, actor: &Principal, facility: Option<i64>) -> Result<Vec<Bill>> {
    let facility = facility_filter(actor, facility)?;
    Ok(db::purchases::bills(
        &mut db.read().await?,
        BillFilter {
            facility,
            ..BillFilter::default()
        },
    )
    .await?)
}

/// 未収一覧: who still owes what.
pub async fn unpaid(db: &Db, actor: &Principal, facility: Option<i64>) -> Result<UnpaidList> {
    Ok(UnpaidList::of(bills(db, actor, facility).await?))
}

/// The unpaid list as CSV (UTF-8 with BOM): one row per unpaid bill, a 合計 row.
pub fn unpaid_csv(list: &UnpaidList) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    out.row([
        "請求書番号",
        "共同購入",
        "事業所番号",
        "事業所",
        "請求日",
        "請求額(税込)",
        "入金済",
        "未収",
    ])?;
    for b in &list.bills {
        out.row([
            b.number.clone(),
            b.round_title.clone(),
            b.facility_number.to_string(),
            b.facility_name.clone(),
            b.issued_on.to_string(),
            b.amount.0.to_string(),
            b.paid.0.to_string(),
            b.balance.0.to_string(),
        ])?;
    }
    let billed: i64 = list.bills.iter().map(|b| b.amount.0).sum();
    let paid: i64 = list.bills.iter().map(|b| b.paid.0).sum();
    out.row([
        String::new(),
        "合計".into(),
        String::new(),
        String::new(),
        String::new(),
        billed.to_string(),
        paid.to_string(),
        list.balance.0.to_string(),
    ])?;
    out.finish()
}

/// 請求書: one round's bill to one facility.
pub async fn invoice(db: &Db, actor: &Principal, round_id: i64, facility_id: i64) -> Result<PurchaseInvoice> {
    let facility = facility_filter(actor, Some(facility_id))?;
    let mut tx = db.read().await?;
    let bills = db::purchases::bills(
        &mut tx,
        BillFilter {
            round: Some(round_id),
            facility,
            ..BillFilter::default()
        },
    )
    .await?;
    let issuer = issuer(&mut tx).await?;
    let first = bills.first().ok_or(Error::NotFound("請求"))?;
    PurchaseInvoice::of(
        first.number.clone(),
        first.round_title.clone(),
        first.issued_on,
        &issuer,
        &bills,
    )
    .ok_or(Error::NotFound("請求"))
}

/// 月次請求書: every bill issued to a facility in a month, as one invoice (tax once per rate).
pub async fn statement(db: &Db, actor: &Principal, facility_id: i64, month: &str) -> Result<PurchaseInvoice> {
    let facility = facility_filter(actor, Some(facility_id))?;
    let (year, m) = crate::usecases::orders::parse_month(month)?;
    let first = NaiveDate::from_ymd_opt(year, m, 1).ok_or(Error::NotFound("月"))?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or(Error::NotFound("月"))?;
    let mut tx = db.read().await?;
    let bills = db::purchases::bills(
        &mut tx,
        BillFilter {
            facility,
            issued: Some((first, last)),
            ..BillFilter::default()
        },
    )
    .await?;
    let issuer = issuer(&mut tx).await?;
    let number = format!(
        "GP-{}-{year}{m:02}",
        bills.first().map(|b| b.facility_number).unwrap_or_default()
    );
    let issued_on = bills.iter().map(|b| b.issued_on).max().unwrap_or(last);
    PurchaseInvoice::of(
        number,
        format!("{year}年{m}月分 共同購入"),
        issued_on,
        &issuer,
        &bills,
    )
    .ok_or(Error::NotFound("請求"))
}
