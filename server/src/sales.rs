//! The till: the catalogue a register sells from, recording sales exactly once, voids and
//! refunds with manager approval, and the live view of an event's sales.
//!
//! A sale, its lines, tenders, per-rate totals and stock movements are one transaction. The
//! sale's id (made on the tablet) is the idempotency key: a retry, concurrent or after a
//! restart, finds the stored sale and answers it unchanged.

use crate::accounts::approvals;
use crate::audit;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use chrono::{SubsecRound, Utc};
use selpos_domain::access::{Principal, Role};
use selpos_domain::approvals::ApprovalAction;
use selpos_domain::events::{EventState, RegisterRef};
use selpos_domain::sales::cart;
use selpos_domain::sales::cart::{CartLine, RateTotal};
use selpos_domain::sales::payment::{Tender, TenderKind};
use selpos_domain::sales::{
    Catalog, CatalogFacility, CatalogItem, EventSales, FacilitySales, ProductSales, RefundInput, Sale,
    SaleInput, SaleKind, SaleLine, VoidInput,
};
use selpos_domain::{RoundingMode, Yen};
use std::collections::BTreeMap;

pub use db::sales::SaleFilter;
use selpos_domain::sales::payment::Payment;
use selpos_domain::sales::payment::pay;

/// At most this many lines in one sale: far above any basket, low enough to bound the work.
pub const MAX_LINES: usize = 200;

fn register_ref(r: &db::sales::RegisterRow) -> RegisterRef {
    RegisterRef {
        register_id: r.register_id,
        register_code: r.register_code.clone(),
        register_name: r.register_name.clone(),
        event_id: r.event_id,
        event_code: r.event_code.clone(),
        event_name: r.event_name.clone(),
    }
}

/// The caller may ring up on this register: signed in on a tablet registered to it.
fn may_sell_on(actor: &Principal, register_id: i64) -> Result<()> {
    if actor.register_id == Some(register_id)
        && matches!(
            actor.role,
            Role::Cashier | Role::CouncilAdmin | Role::CouncilStaff
        )
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The council's settings that decide a sale's figures (the defaults until it has saved any).
#[derive(Default)]
struct SaleRules {
    tax_rounding: RoundingMode,
    voucher_gives_change: bool,
}

async fn sale_rules(tx: &mut Tx) -> Result<SaleRules> {
    Ok(db::council::get(tx)
        .await?
        .map(|c| SaleRules {
            tax_rounding: c.tax_rounding,
            voucher_gives_change: c.voucher_gives_change,
        })
        .unwrap_or_default())
}

/// `GET /registers/{id}/catalog`: everything a till needs to keep selling offline.
pub async fn catalog(db: &Db, actor: &Principal, register_id: i64) -> Result<Catalog> {
    if !actor.is_council() {
        may_sell_on(actor, register_id)?;
    }
    let mut tx = db.read().await?;
    let register = db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let products = db::sales::catalog(&mut tx, register.event_id).await?;
    let mut facilities: BTreeMap<i64, CatalogFacility> = BTreeMap::new();
    let mut items = Vec::with_capacity(products.len());
    for p in products {
        facilities
            .entry(p.facility_number)
            .or_insert_with(|| CatalogFacility {
                facility_id: p.facility_id,
                number: p.facility_number,
                name: p.facility_name.clone(),
                invoice_issuer: p.invoice_issuer,
            });
        items.push(CatalogItem {
            tax_rate: p.rate()?,
            product_id: p.product_id,
            facility_id: p.facility_id,
            name: p.name,
            kana: p.kana,
            price: Yen(p.price),
            jan: p.jan,
            category: p.category,
        });
    }
    let rules = sale_rules(&mut tx).await?;
    Ok(Catalog {
        register: register_ref(&register),
        event_state: register.state()?,
        facilities: facilities.into_values().collect(),
        items,
        tax_rounding: rules.tax_rounding,
        voucher_gives_change: rules.voucher_gives_change,
        loaded_at: Utc::now(),
    })
}

fn receipt_number(register: &db::sales::RegisterRow, no: i64) -> String {
    format!("{}-{}-{no:04}", register.event_code, register.register_code)
}

/// Refuses sales on an event that is not selling: planned, or settled (locked). A closed
/// event still records what was sold offline before it closed (late if its register closed).
fn selling_state(register: &db::sales::RegisterRow) -> Result<()> {
    match register.state()? {
        EventState::Open | EventState::Closed => Ok(()),
        EventState::Planned => Err(Error::Conflict("このイベントはまだ開始していません".into())),
        EventState::Settled => Err(Error::Conflict(
            "このイベントは精算済みのため、売上を記録できません".into(),
        )),
    }
}

/// Answers the stored sale: a retry gets exactly what the first request got.
async fn stored(db: &Db, id: &str) -> Result<Sale> {
    db::sales::load(&mut db.read().await?, id)
        .await?
        .ok_or(Error::NotFound("売上"))
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> Error {
    let mut e = selpos_domain::validation::FieldErrors::default();
    e.add(field, code, message);
    Error::Validation(e)
}

/// A sale priced against the catalogue: its cart lines, totals and payment, and the lines
/// sold off their list price.
struct PricedSale {
    cart_lines: Vec<CartLine>,
    totals: cart::CartTotals,
    payment: Payment,
    /// Lines sold off their list price (a cashier's price override), for the audit log.
    overridden: Vec<serde_json::Value>,
}

/// Prices a sale from its register's event catalogue and the council's rules. Only reads, so
/// it runs before the sale takes its turn to write: the write transaction stays short.
async fn price_sale(tx: &mut Tx, event_id: i64, input: &SaleInput) -> Result<PricedSale> {
    let rules = sale_rules(tx).await?;
    let mut cart_lines = Vec::with_capacity(input.lines.len());
    let mut overridden: Vec<serde_json::Value> = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let product = db::sales::product_for_sale(tx, event_id, line.product_id)
            .await?
            .ok_or_else(|| {
                invalid(
                    &format!("lines[{i}].product_id"),
                    "not_found",
                    "商品が見つかりません",
                )
            })?;
        if !product.participating {
            return Err(invalid(
                &format!("lines[{i}].product_id"),
                "not_participating",
                format!("「{}」の事業所はこのイベントに参加していません", product.name),
            ));
        }
        if cart::overrides_price(
            line.unit_price,
            line.discount,
            Yen(product.price),
            product.previous_price.map(Yen).zip(product.price_changed_at),
            input.sold_at,
        ) {
            overridden.push(
                serde_json::json!({"line_no": i + 1, "product_id": product.product_id,
                "list_price": product.price, "unit_price": line.unit_price, "discount": line.discount}),
            );
        }
        cart_lines.push(CartLine {
            product_id: product.product_id,
            facility_id: product.facility_id,
            tax_rate: product.rate()?,
            name: product.name,
            // The price it was sold at, as the tablet showed it (possibly from an offline
            // catalogue): a later price change never alters a past sale.
            unit_price: line.unit_price,
            quantity: line.quantity,
            discount: line.discount,
            invoice_eligible: product.invoice_issuer,
        });
    }
    let totals = cart::cart_totals(&cart_lines, rules.tax_rounding)
        .map_err(|e| invalid("lines", e.code(), e.to_string()))?;
    let payment = pay(totals.total, &input.tenders, rules.voucher_gives_change)
        .map_err(|e| invalid("tenders", e.code(), e.to_string()))?;
    Ok(PricedSale {
        cart_lines,
        totals,
        payment,
        overridden,
    })
}

/// The register a new sale is rung up on, once it is known to sell; `None` when the sale is
/// already recorded (a replay).
async fn register_for_new_sale(
    tx: &mut Tx,
    sale_id: &str,
    register_id: i64,
) -> Result<Option<db::sales::RegisterRow>> {
    let Some(found) = db::sales::register_for_sale(tx, register_id, sale_id).await? else {
        return Err(Error::NotFound("レジ"));
    };
    if found.recorded {
        return Ok(None);
    }
    selling_state(&found.register)?;
    Ok(Some(found.register))
}

/// Records a sale once. Returns the sale and whether this call recorded it (false: a replay).
///
/// Two steps: pricing reads the catalogue in its own snapshot, then one short write
/// transaction checks the register and the idempotency key again and stores everything.
/// A price or participation change between the two counts as made just after the sale.
pub async fn record(db: &Db, actor: &Principal, input: &SaleInput) -> Result<(Sale, bool)> {
    may_sell_on(actor, input.register_id)?;
    let id = input.id.to_string();
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        return Err(invalid(
            "lines",
            "out_of_range",
            format!("明細は1〜{MAX_LINES}行にしてください"),
        ));
    }
    if input.local_number.chars().count() > 40 {
        return Err(invalid("local_number", "too_long", "端末の番号が長すぎます"));
    }
    let (priced_event, priced) = {
        let mut tx = db.read().await?;
        let Some(register) = register_for_new_sale(&mut tx, &id, input.register_id).await? else {
            drop(tx);
            return Ok((stored(db, &id).await?, false));
        };
        (
            register.event_id,
            price_sale(&mut tx, register.event_id, input).await?,
        )
    };

    let mut tx = db.write().await?;
    let Some(register) = register_for_new_sale(&mut tx, &id, input.register_id).await? else {
        drop(tx);
        return Ok((stored(db, &id).await?, false));
    };
    if register.event_id != priced_event {
        return Err(Error::Conflict(
            "レジのイベントが変わりました。もう一度送ってください".into(),
        ));
    }
    let PricedSale {
        cart_lines,
        totals,
        payment,
        overridden,
    } = priced;
    // Both as the databases keep them (microseconds), so that the answer below equals a replay's.
    let sold_at = input.sold_at.trunc_subsecs(6);
    let now = Utc::now().trunc_subsecs(6);
    // Late: its register was closed (and counted) before the sale arrived.
    let (session_id, late) =
        crate::registers::session_for_record(&mut tx, register.register_id, sold_at, actor).await?;

    let no = db::sales::next_receipt_no(&mut tx, register.register_id).await?;
    let number = receipt_number(&register, no);
    let header = db::sales::NewSale {
        id: &id,
        kind: SaleKind::Sale,
        event_id: register.event_id,
        register_id: register.register_id,
        receipt_no: no,
        receipt_number: &number,
        local_number: &input.local_number,
        cashier_id: actor.user_id,
        sold_at,
        original_sale_id: None,
        total: totals.total,
        change: payment.change,
        non_invoice_total: totals.non_invoice_total,
        late,
        session_id: &session_id,
        reason: "",
        approval_id: input
            .approval_id
            .filter(|_| !overridden.is_empty())
            .map(|a| a.to_string()),
    };
    if !db::sales::insert(&mut tx, &header, now).await? {
        // A concurrent retry of this very sale committed first: give its number back.
        drop(tx);
        return Ok((stored(db, &id).await?, false));
    }
    // After the insert, so that a concurrent retry answers as a replay, not "approval used".
    if !overridden.is_empty() {
        let approval_id = approval(&mut tx, actor, input.approval_id, ApprovalAction::PriceOverride).await?;
        let after =
            serde_json::json!({"receipt_number": number, "approval_id": approval_id, "lines": overridden});
        audit::record(
            &mut tx,
            actor,
            "sale.price_override",
            "sale",
            &id,
            None::<&()>,
            Some(&after),
        )
        .await?;
    }
    let lines: Vec<(SaleLine, Option<i64>)> = cart_lines
        .iter()
        .zip(&totals.lines)
        .enumerate()
        .map(|(i, (c, amounts))| {
            let line = SaleLine {
                line_no: i as i64 + 1,
                product_id: c.product_id,
                facility_id: c.facility_id,
                name: c.name.clone(),
                quantity: c.quantity,
                unit_price: c.unit_price,
                tax_rate: c.tax_rate,
                discount: amounts.discount,
                net: amounts.net,
                invoice_eligible: c.invoice_eligible,
            };
            (line, None)
        })
        .collect();
    let details = db::sales::SaleDetails {
        sale_id: &id,
        event_id: register.event_id,
        kind: SaleKind::Sale,
        lines: &lines,
        tenders: &input.tenders,
        by_rate: &totals.by_rate,
        created_by: actor.user_id,
    };
    db::sales::insert_details(&mut tx, &details, now).await?;
    tx.commit().await?;
    // The sale as written, in the order `db::sales::load` reads it back for a replay; not read
    // back here, which would cost every sale another transaction.
    let mut by_rate = totals.by_rate;
    by_rate.sort_by(|a, b| b.rate.code().cmp(a.rate.code()));
    let sale = Sale {
        id: input.id,
        kind: SaleKind::Sale,
        event_id: register.event_id,
        register_id: register.register_id,
        receipt_number: number,
        local_number: input.local_number.clone(),
        cashier_login: actor.login.clone(),
        sold_at,
        recorded_at: now,
        original_sale_id: None,
        lines: lines.into_iter().map(|(line, _)| line).collect(),
        tenders: input.tenders.clone(),
        by_rate,
        non_invoice_total: totals.non_invoice_total,
        total: totals.total,
        change: payment.change,
        late,
        voided: false,
        reason: String::new(),
    };
    Ok((sale, true))
}

/// A cashier needs a manager's approval; a council user approves their own action.
async fn approval(
    tx: &mut Tx,
    actor: &Principal,
    id: Option<uuid::Uuid>,
    action: ApprovalAction,
) -> Result<Option<String>> {
    if actor.is_council() {
        return Ok(id.map(|i| i.to_string()));
    }
    let id =
        id.ok_or_else(|| Error::Conflict(format!("{}には責任者の承認(PIN)が必要です", action.label_ja())))?;
    approvals::consume(tx, actor, id, action).await?;
    Ok(Some(id.to_string()))
}

/// Who may reverse a sale: council users anywhere, a cashier on the sale's register.
fn may_reverse(actor: &Principal, sale: &Sale) -> Result<i64> {
    match (actor.is_council(), actor.register_id) {
        (_, Some(register)) if register == sale.register_id || actor.is_council() => Ok(register),
        (true, None) => Ok(sale.register_id),
        _ => Err(Error::Forbidden),
    }
}

/// The per-rate totals of reversed lines: the tax of each rate mirrors a sale's rounding.
fn rate_totals(lines: &[SaleLine], rounding: RoundingMode) -> (Vec<RateTotal>, Yen) {
    let mut by_rate: BTreeMap<&'static str, (selpos_domain::TaxRate, i64)> = BTreeMap::new();
    let mut non_invoice = 0;
    for l in lines {
        if l.invoice_eligible {
            by_rate.entry(l.tax_rate.code()).or_insert((l.tax_rate, 0)).1 += l.net.0;
        } else {
            non_invoice += l.net.0;
        }
    }
    let totals = by_rate
        .into_values()
        .map(|(rate, total)| RateTotal {
            rate,
            total: Yen(total),
            tax: rate.included_tax(Yen(total), rounding),
        })
        .collect();
    (totals, Yen(non_invoice))
}

/// Writes a void or refund record: negative lines and a cash (or original tender) pay-back.
#[allow(clippy::too_many_arguments)]
async fn reverse(
    db: &Db,
    mut tx: Tx,
    actor: &Principal,
    original: &Sale,
    kind: SaleKind,
    id: &str,
    lines: Vec<(SaleLine, Option<i64>)>,
    tenders: Vec<Tender>,
    reason: &str,
    approval_id: Option<String>,
    register_id: i64,
) -> Result<Sale> {
    let register = db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    if register.state()? == EventState::Settled {
        return Err(Error::Conflict(
            "このイベントは精算済みのため、取消・返品できません".into(),
        ));
    }
    let now = Utc::now();
    let (session_id, late) =
        crate::registers::session_for_record(&mut tx, register.register_id, now, actor).await?;
    let rounding = sale_rules(&mut tx).await?.tax_rounding;
    let plain: Vec<SaleLine> = lines.iter().map(|(l, _)| l.clone()).collect();
    let (by_rate, non_invoice_total) = rate_totals(&plain, rounding);
    let total = Yen(plain.iter().map(|l| l.net.0).sum());
    let no = db::sales::next_receipt_no(&mut tx, register.register_id).await?;
    let number = receipt_number(&register, no);
    let original_id = original.id.to_string();
    let header = db::sales::NewSale {
        id,
        kind,
        event_id: original.event_id,
        register_id: register.register_id,
        receipt_no: no,
        receipt_number: &number,
        local_number: "",
        cashier_id: actor.user_id,
        sold_at: now,
        original_sale_id: Some(&original_id),
        total,
        change: Yen::ZERO,
        non_invoice_total,
        late,
        session_id: &session_id,
        reason,
        approval_id,
    };
    if !db::sales::insert(&mut tx, &header, now).await? {
        drop(tx);
        return stored(db, id).await;
    }
    let details = db::sales::SaleDetails {
        sale_id: id,
        event_id: original.event_id,
        kind,
        lines: &lines,
        tenders: &tenders,
        by_rate: &by_rate,
        created_by: actor.user_id,
    };
    db::sales::insert_details(&mut tx, &details, now).await?;
    if kind == SaleKind::Void {
        db::sales::mark_voided(&mut tx, &original_id, id).await?;
    }
    let recorded = db::sales::load(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("売上"))?;
    let action = if kind == SaleKind::Void {
        "sale.void"
    } else {
        "sale.refund"
    };
    audit::record(
        &mut tx,
        actor,
        action,
        "sale",
        &original_id,
        Some(original),
        Some(&recorded),
    )
    .await?;
    tx.commit().await?;
    Ok(recorded)
}

fn reason_of(text: &str) -> Result<String> {
    let reason = text.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(invalid(
            "reason",
            "required",
            "理由を200文字以内で入力してください",
        ));
    }
    Ok(reason.to_string())
}

enum Reversal {
    /// The void or refund with this id is already recorded: answer it again.
    Replay(Sale),
    Start {
        tx: Tx,
        original: Box<Sale>,
        register_id: i64,
    },
}

/// Opens the transaction of a void or refund: a replay answers the stored record; otherwise
/// the original sale is loaded and the caller's right to reverse it checked.
async fn start_reversal(db: &Db, actor: &Principal, sale_id: uuid::Uuid, id: &str) -> Result<Reversal> {
    let mut tx = db.write().await?;
    if db::sales::exists(&mut tx, id).await? {
        drop(tx);
        return Ok(Reversal::Replay(stored(db, id).await?));
    }
    let original = db::sales::load(&mut tx, &sale_id.to_string())
        .await?
        .ok_or(Error::NotFound("売上"))?;
    let register_id = may_reverse(actor, &original)?;
    Ok(Reversal::Start {
        tx,
        original: Box::new(original),
        register_id,
    })
}

/// 取消: reverses a whole sale (stock back, money back by the same tenders).
pub async fn void(db: &Db, actor: &Principal, sale_id: uuid::Uuid, input: &VoidInput) -> Result<Sale> {
    let reason = reason_of(&input.reason)?;
    let id = input.id.to_string();
    let (mut tx, original, register_id) = match start_reversal(db, actor, sale_id, &id).await? {
        Reversal::Replay(sale) => return Ok(sale),
        Reversal::Start {
            tx,
            original,
            register_id,
        } => (tx, original, register_id),
    };
    if original.kind != SaleKind::Sale {
        return Err(Error::Conflict("取消できるのは売上だけです".into()));
    }
    if original.voided
        || !db::sales::refunded(&mut tx, &original.id.to_string())
            .await?
            .is_empty()
    {
        return Err(Error::Conflict(
            "この売上はすでに取消または返品されています".into(),
        ));
    }
    let approval_id = approval(&mut tx, actor, input.approval_id, ApprovalAction::Void).await?;
    let lines = original
        .lines
        .iter()
        .map(|l| {
            (
                SaleLine {
                    quantity: -l.quantity,
                    discount: Yen(-l.discount.0),
                    net: Yen(-l.net.0),
                    ..l.clone()
                },
                Some(l.line_no),
            )
        })
        .collect();
    // Money goes back the way it came, less the change that was given.
    let mut tenders: Vec<Tender> = original
        .tenders
        .iter()
        .map(|t| Tender {
            kind: t.kind,
            amount: Yen(-t.amount.0),
        })
        .collect();
    if original.change.0 > 0
        && let Some(cash) = tenders.iter_mut().find(|t| t.kind == TenderKind::Cash)
    {
        cash.amount = Yen(cash.amount.0 + original.change.0);
    }
    reverse(
        db,
        tx,
        actor,
        &original,
        SaleKind::Void,
        &id,
        lines,
        tenders,
        &reason,
        approval_id,
        register_id,
    )
    .await
}

/// 返品: returns some items of an earlier sale, paid back in cash. Each line's amount is its
/// share of what the customer paid for the line, so refunds of a line never exceed it.
pub async fn refund(db: &Db, actor: &Principal, sale_id: uuid::Uuid, input: &RefundInput) -> Result<Sale> {
    let reason = reason_of(&input.reason)?;
    let id = input.id.to_string();
    let (mut tx, original, register_id) = match start_reversal(db, actor, sale_id, &id).await? {
        Reversal::Replay(sale) => return Ok(sale),
        Reversal::Start {
            tx,
            original,
            register_id,
        } => (tx, original, register_id),
    };
    if original.kind != SaleKind::Sale || original.voided {
        return Err(Error::Conflict(
            "この売上は返品できません(取消済みか、売上ではありません)".into(),
        ));
    }
    if input.lines.is_empty() {
        return Err(invalid("lines", "required", "返品する商品を選んでください"));
    }
    let already = db::sales::refunded(&mut tx, &original.id.to_string()).await?;
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, r) in input.lines.iter().enumerate() {
        let line = original
            .lines
            .iter()
            .find(|l| l.line_no == r.line_no)
            .ok_or_else(|| {
                invalid(
                    &format!("lines[{i}].line_no"),
                    "not_found",
                    "その明細はありません",
                )
            })?;
        let done = already.get(&line.line_no).copied().unwrap_or(0);
        if r.quantity < 1 || done + r.quantity > line.quantity {
            return Err(invalid(
                &format!("lines[{i}].quantity"),
                "out_of_range",
                format!(
                    "「{}」は残り{}点まで返品できます",
                    line.name,
                    line.quantity - done
                ),
            ));
        }
        // The net of the first n units, so the shares add up to the line's net exactly.
        let net_upto = |n: i64| line.net.0 * n / line.quantity;
        let net = net_upto(done + r.quantity) - net_upto(done);
        let gross = line.unit_price.0 * r.quantity;
        lines.push((
            SaleLine {
                line_no: i as i64 + 1,
                quantity: -r.quantity,
                discount: Yen(-(gross - net)),
                net: Yen(-net),
                ..line.clone()
            },
            Some(line.line_no),
        ));
    }
    let approval_id = approval(&mut tx, actor, input.approval_id, ApprovalAction::Refund).await?;
    let total: i64 = lines.iter().map(|(l, _)| l.net.0).sum();
    let tenders = vec![Tender {
        kind: TenderKind::Cash,
        amount: Yen(total),
    }];
    reverse(
        db,
        tx,
        actor,
        &original,
        SaleKind::Refund,
        &id,
        lines,
        tenders,
        &reason,
        approval_id,
        register_id,
    )
    .await
}

/// The sales journal: council users see every register; a cashier their own register.
pub async fn list(db: &Db, actor: &Principal, filter: &SaleFilter) -> Result<Vec<Sale>> {
    let mut filter = filter.clone();
    if !actor.is_council() {
        match (actor.role, actor.register_id) {
            (Role::Cashier, Some(register)) if filter.register_id.is_none_or(|r| r == register) => {
                filter.register_id = Some(register);
            }
            _ => return Err(Error::Forbidden),
        }
    }
    Ok(db::sales::list(&mut db.read().await?, &filter).await?)
}

pub async fn get(db: &Db, actor: &Principal, id: uuid::Uuid) -> Result<Sale> {
    let sale = stored(db, &id.to_string()).await?;
    if actor.is_council() || (actor.role == Role::Cashier && actor.register_id == Some(sale.register_id)) {
        Ok(sale)
    } else {
        Err(Error::Forbidden)
    }
}

/// The live view of an event: net sales per facility and product. Facility staff see their
/// own facility only; cashiers none.
pub async fn event_sales(db: &Db, actor: &Principal, event_id: i64) -> Result<EventSales> {
    let facility = match actor.role {
        Role::CouncilAdmin | Role::CouncilStaff => None,
        Role::FacilityStaff => actor.facility_scope(),
        Role::Cashier => return Err(Error::Forbidden),
    };
    let mut tx = db.read().await?;
    let event = db::events::get(&mut tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    if let Some(own) = facility
        && !event.participants.iter().any(|p| p.facility_id == own)
    {
        return Err(Error::Forbidden);
    }
    let rows = db::sales::event_totals(&mut tx, event_id, facility).await?;
    let mut facilities: Vec<FacilitySales> = Vec::new();
    for row in rows {
        if facilities.last().is_none_or(|f| f.facility_id != row.facility_id) {
            facilities.push(FacilitySales {
                facility_id: row.facility_id,
                facility_name: row.facility_name.clone(),
                net_sales: Yen::ZERO,
                items_sold: 0,
                products: Vec::new(),
            });
        }
        if let Some(f) = facilities.last_mut() {
            f.net_sales = Yen(f.net_sales.0 + row.net);
            f.items_sold += row.quantity;
            f.products.push(ProductSales {
                product_id: row.product_id,
                name: row.name,
                quantity: row.quantity,
                net_sales: Yen(row.net),
            });
        }
    }
    let sale_count = if facility.is_some() {
        0
    } else {
        db::sales::sale_count(&mut tx, event_id).await?
    };
    Ok(EventSales {
        event_id,
        sale_count,
        net_sales: Yen(facilities.iter().map(|f| f.net_sales.0).sum()),
        facilities,
        as_of: Utc::now(),
    })
}
