//! 共同受注窓口: joint orders from enquiry to payout — the desk's orders and allocation
//! (割り振り) with its suggestion, the facilities' answers, payments, the payout with the lock
//! it puts on the order and the adjustments after it, the invoice's data, each facility's
//! monthly payout statement, the prefecture's yearly report and the wage feed.
//!
//! The sibling of [`crate::usecases::settlement`]: the fee is the events' commission rule, its
//! tax the fee tax, a paid-out order is locked as a settled event is.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::{allow, audit};
use chrono::{NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::Principal;
use selpos_domain::orders::{
    AllocationInput, Answer, AnswerInput, Buyer, Candidate, Capacity, CapacityInput, FacilityPayable,
    FeeInput, INVOICE_TAX_JA, InvoiceDocument, InvoiceLine, Item, ItemSuggestion, Order, OrderInput,
    OrderStatus, PROCUREMENT_NOTE_JA, Payment, PaymentInput, PayoutInput, PayoutLine, PayoutStatement,
    ProcurementFigures, ProcurementReport, ProcurementRow, Share, ShareStatus, StatusInput,
    allocation_problems, check_day, facility_payable, invoice_figures, line_amount, suggest,
};
use selpos_domain::settlement::AdjustmentInput;
use selpos_domain::tax::RoundingMode;
use selpos_domain::validation::FieldErrors;
use selpos_domain::wages::FiscalYear;
use selpos_domain::{TaxRate, Yen};
use std::collections::{BTreeMap, BTreeSet};

/// The desk: council users.
fn desk(actor: &Principal) -> Result<()> {
    allow(actor.may_manage_council_data())
}

/// The council or facility staff (who see their own shares only).
fn desk_or_facility(actor: &Principal) -> Result<()> {
    allow(actor.is_council() || actor.facility_scope().is_some_and(|f| f > 0))
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&Tokyo).date_naive()
}

/// The refusal of any change to a paid-out order.
fn locked() -> Error {
    Error::Refused {
        code: "order_paid_out",
        message: "支払済みの注文は変更できません。訂正は支払後の調整で行ってください".into(),
    }
}

fn wrong_status(status: OrderStatus, what: &str) -> Error {
    if status == OrderStatus::PaidOut {
        return locked();
    }
    Error::Refused {
        code: "order_status",
        message: format!("{}の注文では{what}できません", status.label_ja()),
    }
}

async fn rounding(tx: &mut Tx) -> Result<RoundingMode> {
    Ok(db::council::get(tx)
        .await?
        .map(|c| c.tax_rounding)
        .unwrap_or_default())
}

/// The order as the council sees it, from what is stored.
fn assemble(stored: db::orders::Stored, rounding: RoundingMode) -> Result<Order> {
    let o = stored.order;
    let rate_of = |code: &str| {
        TaxRate::from_code(code).ok_or_else(|| Error::Internal(format!("unknown tax rate {code:?}")))
    };
    let mut items = Vec::new();
    for i in &stored.items {
        let unit_price = Yen(i.unit_price);
        let shares = stored
            .shares
            .iter()
            .filter(|s| s.item_id == i.id)
            .map(|s| {
                Ok(Share {
                    id: s.id,
                    item_id: s.item_id,
                    facility_id: s.facility_id,
                    facility_number: s.facility_number,
                    facility_name: s.facility_name.clone(),
                    quantity: s.quantity,
                    status: ShareStatus::from_code(&s.status)
                        .ok_or_else(|| Error::Internal(format!("unknown share status {:?}", s.status)))?,
                    reason: s.reason.clone(),
                    amount: line_amount(s.quantity, unit_price)
                        .ok_or_else(|| Error::Internal("amount".into()))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.push(Item {
            id: i.id,
            product_id: i.product_id,
            description: i.description.clone(),
            unit: i.unit.clone(),
            quantity: i.quantity,
            unit_price,
            tax_rate: rate_of(&i.tax_rate)?,
            amount: line_amount(i.quantity, unit_price).ok_or_else(|| Error::Internal("amount".into()))?,
            shares,
        });
    }
    // Each facility's part: its shares not declined.
    let mut parts: BTreeMap<(i64, i64), (String, i64)> = BTreeMap::new();
    for item in &items {
        for s in item.shares.iter().filter(|s| s.status != ShareStatus::Declined) {
            let part = parts
                .entry((s.facility_number, s.facility_id))
                .or_insert_with(|| (s.facility_name.clone(), 0));
            part.1 += s.amount.0;
        }
    }
    let payables = parts
        .into_iter()
        .map(|((number, facility_id), (name, net))| {
            let rule = o
                .fee_overrides
                .iter()
                .find(|f| f.facility_id == facility_id)
                .map_or(o.fee, |f| f.fee);
            let adjustments = stored
                .adjustments
                .iter()
                .filter(|a| a.facility_id == facility_id)
                .cloned()
                .collect();
            facility_payable(facility_id, number, &name, Yen(net), rule, adjustments, rounding)
        })
        .collect();
    let total = Yen(items.iter().map(|i| i.amount.0).sum());
    let paid = Yen(stored.payments.iter().map(|p| p.amount).sum());
    Ok(Order {
        id: o.id,
        subject: o.subject,
        buyer: Buyer {
            name: o.buyer_name,
            department: o.buyer_department,
            contact: o.buyer_contact,
            kind: o.buyer_kind,
            invoice_recipient: o.invoice_recipient,
        },
        payment_terms: o.payment_terms,
        deliveries: o.deliveries,
        allocation_problems: allocation_problems(&items),
        items,
        fee: o.fee,
        fee_overrides: o.fee_overrides,
        note: o.note,
        status: o.status,
        status_reason: o.status_reason,
        ordered_on: o.ordered_on,
        delivered_on: o.delivered_on,
        invoiced_on: o.invoiced_on,
        paid_on: o.paid_on,
        paid_out_on: o.paid_out_on,
        total,
        paid,
        payments: stored
            .payments
            .into_iter()
            .map(|p| Payment {
                id: p.id,
                received_on: p.received_on,
                amount: Yen(p.amount),
                note: p.note,
                at: p.created_at,
                by: p.login,
            })
            .collect(),
        payables,
        created_at: o.created_at,
        updated_at: o.updated_at,
    })
}

/// The order as the council sees it; `NotFound` when there is none.
/// Locks the order for this change (on PostgreSQL; SQLite's writer holds the file) and
/// answers its status.
async fn hold(tx: &mut Tx, id: i64) -> Result<OrderStatus> {
    db::orders::hold(tx, id).await?.ok_or(Error::NotFound("注文"))
}

async fn load(tx: &mut Tx, id: i64) -> Result<Order> {
    let stored = db::orders::get(tx, id).await?.ok_or(Error::NotFound("注文"))?;
    let rounding = rounding(tx).await?;
    assemble(stored, rounding)
}

/// What `actor` may see of `order`: all of it (the council), or a facility's own shares —
/// an order without any is not found for them.
fn as_seen_by(actor: &Principal, order: Order) -> Result<Order> {
    match actor.facility_scope() {
        None => Ok(order),
        Some(facility) => {
            if order
                .items
                .iter()
                .flat_map(|i| &i.shares)
                .any(|s| s.facility_id == facility)
            {
                Ok(order.as_seen_by_facility(facility))
            } else {
                Err(Error::NotFound("注文"))
            }
        }
    }
}

pub async fn list(db: &Db, actor: &Principal) -> Result<Vec<Order>> {
    desk_or_facility(actor)?;
    let mut tx = db.read().await?;
    let ids = db::orders::ids(&mut tx, actor.facility_scope()).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(as_seen_by(actor, load(&mut tx, id).await?)?);
    }
    Ok(out)
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<Order> {
    desk_or_facility(actor)?;
    let mut tx = db.read().await?;
    as_seen_by(actor, load(&mut tx, id).await?)
}

/// Checks what the domain cannot: products, facilities of fee overrides and item ids exist.
async fn check_references(tx: &mut Tx, input: &OrderInput, existing_items: &[i64]) -> Result<()> {
    let mut e = FieldErrors::default();
    for (i, item) in input.items.iter().enumerate() {
        if let Some(product_id) = item.product_id {
            match db::products::get(tx, product_id).await? {
                None => e.add(
                    format!("items[{i}].product_id"),
                    "not_found",
                    "商品が見つかりません",
                ),
                // Catalogue goods keep their rate: a bento is 8% whoever orders it.
                Some(p) if p.tax_rate != item.tax_rate => e.add(
                    format!("items[{i}].tax_rate"),
                    "mismatch",
                    format!("「{}」の税率は{}です", p.name, p.tax_rate.label_ja()),
                ),
                Some(_) => {}
            }
        }
        if let Some(id) = item.id
            && !existing_items.contains(&id)
        {
            e.add(
                format!("items[{i}].id"),
                "not_found",
                "この注文の品目ではありません",
            );
        }
    }
    for (i, o) in input.fee_overrides.iter().enumerate() {
        if db::facilities::get(tx, o.facility_id).await?.is_none() {
            e.add(
                format!("fee_overrides[{i}].facility_id"),
                "not_found",
                "事業所が見つかりません",
            );
        }
    }
    e.into_result(()).map_err(Error::Validation)
}

/// 引合い: a new order.
pub async fn create(db: &Db, actor: &Principal, input: &OrderInput) -> Result<Order> {
    desk(actor)?;
    let input = input.validated()?;
    let mut tx = db.write().await?;
    check_references(&mut tx, &input, &[]).await?;
    let id = db::orders::save(&mut tx, None, &input, Utc::now()).await?;
    db::orders::replace_items(&mut tx, id, &input.items).await?;
    let order = load(&mut tx, id).await?;
    audit::commit(tx, actor, "order.create", "order", id, None::<&()>, order).await
}

/// Changes an order's contents (before 受注 only).
pub async fn update(db: &Db, actor: &Principal, id: i64, input: &OrderInput) -> Result<Order> {
    desk(actor)?;
    let input = input.validated()?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    if !status.editable() {
        return Err(wrong_status(status, "内容を変更"));
    }
    let before = load(&mut tx, id).await?;
    let existing: Vec<i64> = before.items.iter().map(|i| i.id).collect();
    check_references(&mut tx, &input, &existing).await?;
    db::orders::save(&mut tx, Some(id), &input, Utc::now()).await?;
    db::orders::replace_items(&mut tx, id, &input.items).await?;
    let after = load(&mut tx, id).await?;
    audit::commit(tx, actor, "order.update", "order", id, Some(&before), after).await
}

/// Changes the council's fee (and the per-facility overrides) until the order is paid out.
pub async fn set_fee(db: &Db, actor: &Principal, id: i64, input: &FeeInput) -> Result<Order> {
    desk(actor)?;
    input.validated()?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    if matches!(
        status,
        OrderStatus::PaidOut | OrderStatus::Lost | OrderStatus::Cancelled
    ) {
        return Err(wrong_status(status, "手数料を変更"));
    }
    let mut e = FieldErrors::default();
    for (i, o) in input.fee_overrides.iter().enumerate() {
        if db::facilities::get(&mut tx, o.facility_id).await?.is_none() {
            e.add(
                format!("fee_overrides[{i}].facility_id"),
                "not_found",
                "事業所が見つかりません",
            );
        }
    }
    e.into_result(()).map_err(Error::Validation)?;
    let before = load(&mut tx, id).await?;
    db::orders::set_fee(&mut tx, id, input.fee, &input.fee_overrides, Utc::now()).await?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "order.fee",
        "order",
        id,
        Some(&before.payables),
        Some(&after.payables),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A status change by hand: 見積, 受注 (every item allocated, none declined), 納品済 (every
/// share confirmed), 請求済, 失注 / 取消 (with a reason). The same status again is a no-op.
pub async fn set_status(db: &Db, actor: &Principal, id: i64, input: &StatusInput) -> Result<Order> {
    desk(actor)?;
    input.validated()?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    let before = load(&mut tx, id).await?;
    if status == input.status {
        tx.rollback().await?;
        return Ok(before);
    }
    if !status.may_become(input.status) {
        if status == OrderStatus::PaidOut {
            return Err(locked());
        }
        return Err(Error::Refused {
            code: "order_status",
            message: format!(
                "{}から{}にはできません",
                status.label_ja(),
                input.status.label_ja()
            ),
        });
    }
    match input.status {
        OrderStatus::Ordered if !before.allocation_problems.is_empty() => {
            return Err(Error::Refused {
                code: "allocation_incomplete",
                message: format!(
                    "割り振りが終わっていないため受注にできません: {}",
                    before
                        .allocation_problems
                        .iter()
                        .map(|p| p.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" / ")
                ),
            });
        }
        OrderStatus::Delivered => {
            let waiting: Vec<String> = before
                .items
                .iter()
                .flat_map(|i| i.shares.iter().map(move |s| (i, s)))
                .filter(|(_, s)| s.status != ShareStatus::Confirmed)
                .map(|(i, s)| format!("{}({})", s.facility_name, i.description))
                .collect();
            if !waiting.is_empty() {
                return Err(Error::Refused {
                    code: "shares_unconfirmed",
                    message: format!(
                        "引受けの確認が済んでいない事業所があります: {}",
                        waiting.join("、")
                    ),
                });
            }
        }
        _ => {}
    }
    let day = input.on.unwrap_or_else(today);
    let previous = match input.status {
        OrderStatus::Delivered => before.ordered_on,
        OrderStatus::Invoiced => before.delivered_on,
        _ => None,
    };
    check_day(previous, day, "on")?;
    let reason = if input.status.needs_reason() {
        input.reason.trim()
    } else {
        ""
    };
    db::orders::set_status(&mut tx, id, input.status, reason, Some(day), Utc::now()).await?;
    let after = load(&mut tx, id).await?;
    audit::commit(tx, actor, "order.status", "order", id, Some(&before), after).await
}

/// 割り振り: replaces the allocation. Until 受注 it may be partial; once ordered it must stay
/// complete (a declined share is replaced by another facility's).
pub async fn allocate(db: &Db, actor: &Principal, id: i64, input: &AllocationInput) -> Result<Order> {
    desk(actor)?;
    input.validated()?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    if !status.allocatable() {
        return Err(wrong_status(status, "割り振りを変更"));
    }
    let before = load(&mut tx, id).await?;
    let mut e = FieldErrors::default();
    let mut per_item: BTreeMap<i64, i64> = BTreeMap::new();
    let mut facilities = BTreeSet::new();
    for (n, s) in input.shares.iter().enumerate() {
        match before.items.iter().find(|i| i.id == s.item_id) {
            None => e.add(
                format!("shares[{n}].item_id"),
                "not_found",
                "この注文の品目ではありません",
            ),
            Some(item) => {
                let sum = per_item.entry(item.id).or_default();
                *sum = sum.saturating_add(s.quantity);
                if *sum > item.quantity {
                    e.add(
                        format!("shares[{n}].quantity"),
                        "over",
                        format!(
                            "「{}」の割り振りが数量({}{})を超えています",
                            item.description, item.quantity, item.unit
                        ),
                    );
                }
            }
        }
        if facilities.insert(s.facility_id) {
            match db::facilities::get(&mut tx, s.facility_id).await? {
                Some(f) if f.active => {}
                _ => e.add(
                    format!("shares[{n}].facility_id"),
                    "not_found",
                    "事業所が見つかりません",
                ),
            }
        }
    }
    if !e.is_empty() {
        return Err(Error::Validation(e));
    }
    let shares: Vec<db::orders::NewShare> = input
        .shares
        .iter()
        .map(|s| db::orders::NewShare {
            item_id: s.item_id,
            facility_id: s.facility_id,
            quantity: s.quantity,
        })
        .collect();
    db::orders::replace_shares(&mut tx, id, &shares).await?;
    let after = load(&mut tx, id).await?;
    if status == OrderStatus::Ordered && !after.allocation_problems.is_empty() {
        return Err(Error::Refused {
            code: "allocation_incomplete",
            message: format!(
                "受注済みの注文の割り振りは、数量どおりにしてください: {}",
                after
                    .allocation_problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        });
    }
    audit::commit(
        tx,
        actor,
        "order.allocate",
        "order",
        id,
        Some(&before.items),
        after.clone(),
    )
    .await
    .map(|_| after)
}

/// The suggestion for every item: declared capacity on the first delivery day (today when
/// none) and past shares of the same product or work.
pub async fn suggestion(db: &Db, actor: &Principal, id: i64) -> Result<Vec<ItemSuggestion>> {
    desk(actor)?;
    let mut tx = db.read().await?;
    let order = load(&mut tx, id).await?;
    let on = order.deliveries.iter().map(|d| d.on).min().unwrap_or_else(today);
    let mut out = Vec::new();
    for item in &order.items {
        let key = selpos_domain::orders::work_key(item.product_id, &item.description);
        let mut candidates: BTreeMap<i64, Candidate> = BTreeMap::new();
        for c in db::orders::capacities(&mut tx, None, Some(&key), Some(on)).await? {
            let entry = candidates.entry(c.facility_id).or_insert_with(|| Candidate {
                facility_id: c.facility_id,
                facility_name: c.facility_name.clone(),
                capacity: Some(0),
                past_quantity: 0,
            });
            entry.capacity = Some(entry.capacity.unwrap_or(0).saturating_add(c.quantity));
        }
        for (facility_id, name, quantity) in db::orders::past_quantities(&mut tx, &key, id).await? {
            candidates
                .entry(facility_id)
                .or_insert_with(|| Candidate {
                    facility_id,
                    facility_name: name,
                    capacity: None,
                    past_quantity: 0,
                })
                .past_quantity = quantity;
        }
        let candidates: Vec<Candidate> = candidates.into_values().collect();
        out.push(suggest(
            item.id,
            &item.description,
            &item.unit,
            item.quantity,
            &candidates,
        ));
    }
    Ok(out)
}

/// A facility confirms or declines its share (the council may record the answer for it).
pub async fn answer(
    db: &Db,
    actor: &Principal,
    id: i64,
    share_id: i64,
    input: &AnswerInput,
) -> Result<Order> {
    desk_or_facility(actor)?;
    input.validated()?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    let (order_id, facility_id, current) = db::orders::share(&mut tx, share_id)
        .await?
        .ok_or(Error::NotFound("割り振り"))?;
    // Another order's share, or another facility's: not found (nothing to learn about it).
    if order_id != id || actor.facility_scope().is_some_and(|f| f != facility_id) {
        return Err(Error::NotFound("割り振り"));
    }
    if !status.allocatable() {
        return Err(wrong_status(status, "引受け・辞退"));
    }
    let (new, reason) = match input.answer {
        Answer::Confirm => (ShareStatus::Confirmed, ""),
        Answer::Decline => (ShareStatus::Declined, input.reason.trim()),
    };
    let before = load(&mut tx, id).await?;
    if current != new.code() {
        db::orders::answer_share(&mut tx, share_id, new, reason).await?;
        let kind = match input.answer {
            Answer::Confirm => "order.share_confirm",
            Answer::Decline => "order.share_decline",
        };
        let share_of = |o: &Order| {
            o.items
                .iter()
                .flat_map(|i| &i.shares)
                .find(|s| s.id == share_id)
                .cloned()
        };
        let after = load(&mut tx, id).await?;
        audit::record(
            &mut tx,
            actor,
            kind,
            "order",
            id,
            share_of(&before).as_ref(),
            share_of(&after).as_ref(),
        )
        .await?;
        tx.commit().await?;
        return as_seen_by(actor, after);
    }
    tx.rollback().await?;
    as_seen_by(actor, before)
}

/// 入金: a payment received on an invoiced order; 入金済 once the total is paid. A retried
/// request (same `id`) is the same payment.
pub async fn add_payment(db: &Db, actor: &Principal, id: i64, input: &PaymentInput) -> Result<Order> {
    desk(actor)?;
    input.validated()?;
    let key = input.id.to_string();
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    if let Some((order_id, received_on, amount)) = db::orders::payment(&mut tx, &key).await? {
        if order_id != id || received_on != input.received_on || amount != input.amount.0 {
            return Err(Error::Refused {
                code: "payment_id_reused",
                message: "この入金IDは別の入金に使われています".into(),
            });
        }
        let order = load(&mut tx, id).await?;
        tx.rollback().await?;
        return Ok(order);
    }
    if status != OrderStatus::Invoiced {
        return Err(wrong_status(status, "入金を記録"));
    }
    let before = load(&mut tx, id).await?;
    let balance = before.total.0 - before.paid.0;
    if input.amount.0 > balance {
        return Err(Error::field(
            "amount",
            "over_balance",
            format!("入金額が請求残高({})を超えています", Yen(balance)),
        ));
    }
    let now = Utc::now();
    db::orders::insert_payment(
        &mut tx,
        &key,
        id,
        input.received_on,
        input.amount,
        input.note.trim(),
        actor.user_id,
        now,
    )
    .await?;
    if input.amount.0 == balance {
        let paid_on = before
            .payments
            .iter()
            .map(|p| p.received_on)
            .chain([input.received_on])
            .max();
        db::orders::set_status(&mut tx, id, OrderStatus::Paid, "", paid_on, now).await?;
    }
    let after = load(&mut tx, id).await?;
    let recorded = after.payments.iter().find(|p| p.id == key).cloned();
    audit::record(
        &mut tx,
        actor,
        "order.payment",
        "order",
        id,
        None::<&()>,
        recorded.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// 支払: every facility is paid its part; the order is locked from then on. Again with the
/// same day answers the order.
pub async fn payout(db: &Db, actor: &Principal, id: i64, input: &PayoutInput) -> Result<Order> {
    desk(actor)?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    let before = load(&mut tx, id).await?;
    if status == OrderStatus::PaidOut && before.paid_out_on == Some(input.paid_out_on) {
        tx.rollback().await?;
        return Ok(before);
    }
    if status != OrderStatus::Paid {
        return Err(if status == OrderStatus::PaidOut {
            locked()
        } else {
            Error::Refused {
                code: "order_status",
                message: "事業所への支払は、入金済みの注文だけです".into(),
            }
        });
    }
    check_day(before.paid_on, input.paid_out_on, "paid_out_on")?;
    db::orders::set_status(
        &mut tx,
        id,
        OrderStatus::PaidOut,
        "",
        Some(input.paid_out_on),
        Utc::now(),
    )
    .await?;
    let after = load(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "order.payout",
        "order",
        id,
        Some(&before.payables),
        after.clone(),
    )
    .await
    .map(|_| after)
}

/// 支払後の調整: the one change a paid-out order takes, audited and shown on the payables.
pub async fn adjust(db: &Db, actor: &Principal, id: i64, input: &AdjustmentInput) -> Result<Order> {
    desk(actor)?;
    input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let status = hold(&mut tx, id).await?;
    if status != OrderStatus::PaidOut {
        return Err(Error::Refused {
            code: "order_status",
            message: "調整は事業所への支払後のみです。それまでは割り振りや内容を直してください".into(),
        });
    }
    let before = load(&mut tx, id).await?;
    let Some(part_before) = before
        .payables
        .iter()
        .find(|p| p.facility_id == input.facility_id)
        .cloned()
    else {
        return Err(Error::field(
            "facility_id",
            "not_found",
            "この事業所はこの注文の割り振りにありません",
        ));
    };
    let key = input.id.to_string();
    if db::orders::insert_adjustment(
        &mut tx,
        &key,
        id,
        input.facility_id,
        input.amount,
        input.reason.trim(),
        actor.user_id,
        Utc::now(),
    )
    .await?
    {
        let after = load(&mut tx, id).await?;
        let part_after = after.payables.iter().find(|p| p.facility_id == input.facility_id);
        audit::record(
            &mut tx,
            actor,
            "order.adjust",
            "order",
            id,
            Some(&part_before),
            part_after,
        )
        .await?;
        tx.commit().await?;
        return Ok(after);
    }
    tx.rollback().await?;
    Ok(before)
}

/// 請求書 (also the data of 見積書 and 納品書): one line per facility's share, the unallocated
/// rest as the council's, per-rate totals with tax once per rate.
pub async fn invoice(db: &Db, actor: &Principal, id: i64) -> Result<InvoiceDocument> {
    desk(actor)?;
    let mut tx = db.read().await?;
    let order = load(&mut tx, id).await?;
    let council = db::council::get(&mut tx).await?;
    let stored = db::orders::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("注文"))?;
    let issuer = |facility_id: i64| {
        stored
            .shares
            .iter()
            .find(|s| s.facility_id == facility_id)
            .is_some_and(|s| s.invoice_issuer)
    };
    let rounding = council.as_ref().map(|c| c.tax_rounding).unwrap_or_default();
    let mut lines = Vec::new();
    for item in &order.items {
        let mut allocated = 0;
        for s in item.shares.iter().filter(|s| s.status != ShareStatus::Declined) {
            allocated += s.quantity;
            lines.push(InvoiceLine {
                item_id: item.id,
                description: item.description.clone(),
                unit: item.unit.clone(),
                quantity: s.quantity,
                unit_price: item.unit_price,
                tax_rate: item.tax_rate,
                reduced_mark: item.tax_rate == TaxRate::Reduced,
                amount: s.amount,
                facility_id: s.facility_id,
                facility_name: s.facility_name.clone(),
                qualified: issuer(s.facility_id),
            });
        }
        let rest = item.quantity - allocated;
        if rest > 0 {
            lines.push(InvoiceLine {
                item_id: item.id,
                description: item.description.clone(),
                unit: item.unit.clone(),
                quantity: rest,
                unit_price: item.unit_price,
                tax_rate: item.tax_rate,
                reduced_mark: item.tax_rate == TaxRate::Reduced,
                amount: line_amount(rest, item.unit_price).unwrap_or_default(),
                facility_id: 0,
                facility_name: "(未割り振り)".into(),
                qualified: true,
            });
        }
    }
    let figures = invoice_figures(lines, rounding);
    let registration_number = council.as_ref().and_then(|c| c.invoice_number.clone());
    Ok(InvoiceDocument {
        order_id: order.id,
        number: format!("JO-{}", order.id),
        subject: order.subject.clone(),
        recipient: if order.buyer.invoice_recipient.is_empty() {
            order.buyer.name.clone()
        } else {
            order.buyer.invoice_recipient.clone()
        },
        buyer: order.buyer.clone(),
        issuer_name: council.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        qualified: registration_number.is_some(),
        registration_number,
        issued_on: order.invoiced_on.unwrap_or_else(today),
        deliveries: order.deliveries.clone(),
        payment_terms: order.payment_terms.clone(),
        bank_account: council
            .as_ref()
            .map(|c| c.bank_account.clone())
            .unwrap_or_default(),
        tax_rounding: rounding,
        paid: order.paid,
        balance: Yen(figures.total.0 - order.paid.0),
        figures,
        note: INVOICE_TAX_JA.to_string(),
    })
}

fn month_bounds(year: i32, month: u32) -> Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .filter(|_| (2000..=2100).contains(&year))
        .ok_or_else(|| Error::field("month", "format", "月は YYYY-MM で入力してください"))?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last = next
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| Error::field("month", "format", "月は YYYY-MM で入力してください"))?;
    Ok((first, last))
}

/// Parses `YYYY-MM`.
pub fn parse_month(text: &str) -> Result<(i32, u32)> {
    let bad = || Error::field("month", "format", "月は YYYY-MM で入力してください");
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    month_bounds(year, month)?;
    Ok((year, month))
}

/// 支払明細: every order paid out to the facility in the month.
pub async fn payout_statement(
    db: &Db,
    actor: &Principal,
    facility_id: i64,
    year: i32,
    month: u32,
) -> Result<PayoutStatement> {
    allow(actor.may_see_facility_accounts(facility_id))?;
    let (from, until) = month_bounds(year, month)?;
    let mut tx = db.read().await?;
    let facility = db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    let council = db::council::get(&mut tx).await?;
    let rounding = council.as_ref().map(|c| c.tax_rounding).unwrap_or_default();
    let mut lines = Vec::new();
    for order_id in db::orders::paid_out_orders(&mut tx, facility_id, from, until).await? {
        let order = load(&mut tx, order_id).await?;
        if let (Some(part), Some(paid_out_on)) = (
            order
                .payables
                .iter()
                .find(|p| p.facility_id == facility_id)
                .cloned(),
            order.paid_out_on,
        ) {
            lines.push(PayoutLine {
                order_id,
                subject: order.subject,
                buyer_name: order.buyer.name,
                paid_out_on,
                part,
            });
        }
    }
    Ok(PayoutStatement::of(
        facility_id,
        facility.number,
        &facility.name,
        year,
        month,
        council.as_ref().map(|c| c.name.as_str()).unwrap_or_default(),
        council.as_ref().and_then(|c| c.invoice_number.as_deref()),
        lines,
        rounding,
        Utc::now(),
    ))
}

/// The statement as CSV (UTF-8 with BOM): one row per order, a 合計 row, the fee's tax note.
pub fn payout_csv(s: &PayoutStatement) -> Result<Vec<u8>> {
    let header = [
        "注文番号",
        "件名",
        "発注者",
        "支払日",
        "金額(税込)",
        "手数料率・額",
        "手数料",
        "手数料内消費税(10%)",
        "調整額",
        "支払額",
    ];
    let mut out = ExcelCsv::new();
    out.row(header)?;
    let row = |p: &FacilityPayable| {
        [
            p.net.0.to_string(),
            p.fee_rule.label_ja(),
            p.fee.0.to_string(),
            p.fee_tax.0.to_string(),
            p.adjustments_total.0.to_string(),
            p.payable.0.to_string(),
        ]
    };
    for l in &s.lines {
        let mut cells = vec![
            format!("JO-{}", l.order_id),
            l.subject.clone(),
            l.buyer_name.clone(),
            l.paid_out_on.to_string(),
        ];
        cells.extend(row(&l.part));
        out.row(cells)?;
    }
    out.row([
        String::new(),
        "合計".into(),
        String::new(),
        String::new(),
        s.net.0.to_string(),
        String::new(),
        s.fee.0.to_string(),
        s.fee_tax.0.to_string(),
        s.adjustments.0.to_string(),
        s.payable.0.to_string(),
    ])?;
    for note in [&s.fee_note, &s.commission_rounding] {
        let mut cells = vec![String::new(); header.len()];
        cells[0] = "注記".into();
        cells[1] = note.clone();
        out.row(cells)?;
    }
    out.finish()
}

/// The prefecture's yearly report: orders received through the desk in the fiscal year.
pub async fn report(db: &Db, actor: &Principal, fiscal_year: i64) -> Result<ProcurementReport> {
    desk(actor)?;
    let fy = FiscalYear::validated("fiscal_year", fiscal_year)?;
    let (from, until) = fy.first_day().zip(fy.last_day()).ok_or(Error::NotFound("年度"))?;
    let mut tx = db.report().await?;
    let mut rows: BTreeMap<(i64, i64), ProcurementRow> = BTreeMap::new();
    let mut total = ProcurementFigures::default();
    let mut counted = BTreeSet::new();
    for r in db::orders::received(&mut tx, from, until).await? {
        let kind = selpos_domain::orders::BuyerKind::from_code(&r.buyer_kind)
            .ok_or_else(|| Error::Internal(format!("unknown buyer kind {:?}", r.buyer_kind)))?;
        rows.entry((r.facility_number, r.facility_id))
            .or_insert_with(|| ProcurementRow {
                facility_id: r.facility_id,
                facility_number: r.facility_number,
                facility_name: r.facility_name.clone(),
                figures: ProcurementFigures::default(),
            })
            .figures
            .add(kind, Yen(r.amount), true);
        total.add(kind, Yen(r.amount), counted.insert(r.order_id));
    }
    Ok(ProcurementReport {
        fiscal_year: fy.0,
        label: fy.label_ja(),
        facilities: rows.into_values().collect(),
        total,
        note: PROCUREMENT_NOTE_JA.to_string(),
        generated_at: Utc::now(),
    })
}

pub fn report_csv(r: &ProcurementReport) -> Result<Vec<u8>> {
    let header = [
        "事業所番号",
        "事業所名",
        "官公需 件数",
        "官公需 金額",
        "民需 件数",
        "民需 金額",
        "合計金額",
    ];
    let mut out = ExcelCsv::new();
    out.row(header)?;
    let cells = |number: String, name: &str, f: &ProcurementFigures| {
        vec![
            number,
            name.to_string(),
            f.government_orders.to_string(),
            f.government.0.to_string(),
            f.private_orders.to_string(),
            f.private.0.to_string(),
            f.total.0.to_string(),
        ]
    };
    for row in &r.facilities {
        out.row(cells(
            row.facility_number.to_string(),
            &row.facility_name,
            &row.figures,
        ))?;
    }
    out.row(cells(String::new(), "合計", &r.total))?;
    let mut note = vec![String::new(); header.len()];
    note[0] = "注記".into();
    note[1] = format!("{} {}", r.label, r.note);
    out.row(note)?;
    out.finish()
}

/// Declared capacities: the council sees all, facility staff their own.
pub async fn capacities(db: &Db, actor: &Principal) -> Result<Vec<Capacity>> {
    desk_or_facility(actor)?;
    let mut tx = db.read().await?;
    Ok(db::orders::capacities(&mut tx, actor.facility_scope(), None, None).await?)
}

/// 能力の申告: the council, or the facility's own staff.
pub async fn declare_capacity(db: &Db, actor: &Principal, input: &CapacityInput) -> Result<Vec<Capacity>> {
    desk_or_facility(actor)?;
    allow(actor.may_see_facility_accounts(input.facility_id))?;
    let input = input.validated()?;
    let mut tx = db.write().await?;
    if db::facilities::get(&mut tx, input.facility_id).await?.is_none() {
        return Err(Error::field("facility_id", "not_found", "事業所が見つかりません"));
    }
    if let Some(product_id) = input.product_id
        && db::products::get(&mut tx, product_id).await?.is_none()
    {
        return Err(Error::field("product_id", "not_found", "商品が見つかりません"));
    }
    db::orders::insert_capacity(&mut tx, &input, Utc::now()).await?;
    audit::record(
        &mut tx,
        actor,
        "order.capacity",
        "facility",
        input.facility_id,
        None::<&()>,
        Some(&input),
    )
    .await?;
    let list = db::orders::capacities(&mut tx, Some(input.facility_id), None, None).await?;
    tx.commit().await?;
    Ok(list)
}
