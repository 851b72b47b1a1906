//! The till: the catalogue a register sells from, recording sales exactly once, voids and
//! refunds with manager approval, and the live view of an event's sales.
//!
//! A sale, its lines, tenders, per-rate totals and stock movements are one transaction. The
//! sale's id (made on the tablet) is the idempotency key: a retry, concurrent or after a
//! restart, finds the stored sale and answers it unchanged.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::approvals;
use crate::usecases::once::{self, Once};
use crate::usecases::{allow, audit};
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Asia::Tokyo;
use db::events::EventHold;
use selpos_domain::access::{Principal, Role};
use selpos_domain::approvals::ApprovalAction;
use selpos_domain::events::{EventState, RegisterRef};
use selpos_domain::sales::cart::{self, CartLine};
use selpos_domain::sales::input::{ValidSale, check_sold_at};
use selpos_domain::sales::payment::{Payment, pay};
use selpos_domain::sales::reversal::{self, Reversal, ReversalError};
use selpos_domain::sales::{
    Catalog, CatalogFacility, CatalogItem, EventSales, FacilitySales, ProductSales, RefundInput, Sale,
    SaleInput, SaleKind, VoidInput, sale_lines,
};
use selpos_domain::{RoundingMode, Yen};
use std::collections::{BTreeMap, HashMap};

mod batch;

pub use batch::{BatchAnswer, record_batch};
pub use db::sales::SaleFilter;

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
    allow(actor.may_read_catalog(register_id))?;
    let mut tx = db.read().await?;
    let register = db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let products = db::sales::catalog(&mut tx, register.event_id).await?;
    let photos = db::photos::versions_at_event(&mut tx, register.event_id).await?;
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
            photo: photos
                .get(&p.product_id)
                .map(|version| selpos_domain::photos::photo_url(p.product_id, version)),
        });
    }
    let rules = sale_rules(&mut tx).await?;
    let eat_in = db::events::offers_eat_in(&mut tx, register.event_id).await?;
    let mut catalog = Catalog {
        register: register_ref(&register),
        event_state: register.state()?,
        facilities: facilities.into_values().collect(),
        items,
        tax_rounding: rules.tax_rounding,
        voucher_gives_change: rules.voucher_gives_change,
        eat_in,
        loaded_at: DateTime::UNIX_EPOCH,
        version: String::new(),
    };
    catalog.version = content_version(&catalog)?;
    catalog.loaded_at = Utc::now();
    Ok(catalog)
}

/// The first 16 hex digits of the SHA-256 of the catalogue as JSON, taken before its
/// `loaded_at` and `version` are set: equal contents have equal versions.
fn content_version(catalog: &Catalog) -> Result<String> {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(catalog).map_err(|e| Error::Internal(e.to_string()))?;
    let digest = Sha256::digest(&json);
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

fn receipt_number(register: &db::sales::RegisterRow, no: i64) -> String {
    format!("{}-{}-{no:04}", register.event_code, register.register_code)
}

/// Refuses sales on an event that is not selling: planned, or settled (locked). A closed
/// event still records what was sold offline before it closed (late if its register closed).
fn selling_state(state: EventState) -> Result<()> {
    match state {
        EventState::Open | EventState::Closed => Ok(()),
        EventState::Planned => Err(Error::Conflict("このイベントはまだ開始していません".into())),
        EventState::Settled => Err(Error::Conflict(
            "このイベントは精算済みのため、売上を記録できません".into(),
        )),
    }
}

/// The state of event `event_id`, its row held against a concurrent settlement until `tx` ends.
async fn held_event(tx: &mut Tx, event_id: i64) -> Result<EventState> {
    db::events::hold(tx, event_id, EventHold::Write)
        .await?
        .ok_or(Error::NotFound("イベント"))
}

/// Answers the stored sale: a retry gets exactly what the first request got.
async fn stored(db: &Db, id: &str) -> Result<Sale> {
    db::sales::load(&mut db.read().await?, id)
        .await?
        .ok_or(Error::NotFound("売上"))
}

/// What a request's id must have recorded for the stored record to be its replay.
#[derive(Clone, Copy)]
enum ReplayOf {
    /// A sale on this register.
    Sale { register_id: i64 },
    /// A void or refund of this sale.
    Reversal { kind: SaleKind, of: uuid::Uuid },
}

/// The record stored under a request's id answers the request only when it is what the request
/// would have recorded, and the caller may see it. Ids are printed on every receipt (its QR
/// code): another register's sale sent under its id is refused, never shown.
fn check_replay(actor: &Principal, stored: &Sale, of: ReplayOf) -> Result<()> {
    let same = match of {
        ReplayOf::Sale { register_id } => stored.kind == SaleKind::Sale && stored.register_id == register_id,
        ReplayOf::Reversal { kind, of } => stored.kind == kind && stored.original_sale_id == Some(of),
    };
    if !same || !actor.may_operate_register(stored.register_id) {
        return Err(Error::Refused {
            code: "id_in_use",
            message: "このIDは別の取引で使われています。新しい取引としてやり直してください".into(),
        });
    }
    Ok(())
}

/// A record found already stored under the request's id while `tx` was open (a retry, or a
/// copy that raced this one): `tx` ends unwritten, so the answer is read without holding up
/// the write turn, and it comes back marked as a replay once it is known to be one.
async fn replayed(db: &Db, tx: Tx, actor: &Principal, id: &str, of: ReplayOf) -> Result<(Sale, bool)> {
    // On SQLite the record may be an earlier member's of this write group: `rollback` returns
    // once it is committed, so the read below (on another connection) finds it, durable.
    tx.rollback().await?;
    let sale = stored(db, id).await?;
    check_replay(actor, &sale, of)?;
    Ok((sale, false))
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
async fn price_sale(tx: &mut Tx, event_id: i64, input: &ValidSale) -> Result<PricedSale> {
    let rules = sale_rules(tx).await?;
    let offers_eat_in =
        input.lines.iter().any(|l| l.eat_in) && db::events::offers_eat_in(tx, event_id).await?;
    let mut cart_lines = Vec::with_capacity(input.lines.len());
    let mut overridden: Vec<serde_json::Value> = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let product = db::sales::product_for_sale(tx, event_id, line.product_id)
            .await?
            .ok_or_else(|| {
                Error::field(
                    format!("lines[{i}].product_id"),
                    "not_found",
                    "商品が見つかりません",
                )
            })?;
        if !product.participating {
            return Err(Error::field(
                format!("lines[{i}].product_id"),
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
        // Food eaten on the spot (イートイン) is taxed at the standard rate.
        let tax_rate = cart::line_tax_rate(product.rate()?, line.eat_in, offers_eat_in)
            .map_err(|e| Error::field(format!("lines[{i}].eat_in"), e.code(), e.to_string()))?;
        cart_lines.push(CartLine {
            product_id: product.product_id,
            facility_id: product.facility_id,
            tax_rate,
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
        .map_err(|e| Error::field("lines", e.code(), e.to_string()))?;
    let payment = pay(totals.total, &input.tenders, rules.voucher_gives_change)
        .map_err(|e| Error::field("tenders", e.code(), e.to_string()))?;
    Ok(PricedSale {
        cart_lines,
        totals,
        payment,
        overridden,
    })
}

/// The register a new sale is rung up on, once it is known to sell and the sale's time is
/// plausible; `None` when the sale is already recorded (a replay).
async fn register_for_new_sale(tx: &mut Tx, input: &ValidSale) -> Result<Option<db::sales::RegisterRow>> {
    let Some(found) = db::sales::register_for_sale(tx, input.register_id, &input.id.to_string()).await?
    else {
        return Err(Error::NotFound("レジ"));
    };
    if found.recorded {
        return Ok(None);
    }
    selling_state(found.register.state()?)?;
    let event_starts = found
        .register
        .event_starts_on
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(Tokyo).earliest())
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc));
    check_sold_at(input.sold_at, Utc::now(), event_starts)?;
    Ok(Some(found.register))
}

/// Records a sale once. Returns the sale and whether this call recorded it (false: a replay).
///
/// Two steps: pricing reads the catalogue in its own snapshot ([`prepare`]), then one short
/// write transaction checks the register and the idempotency key again and stores everything
/// ([`write_sale`]). A price or participation change between the two counts as made just
/// after the sale.
pub async fn record(db: &Db, actor: &Principal, input: &SaleInput) -> Result<(Sale, bool)> {
    let sale = match prepare(db, actor, input).await? {
        Prepared::Replay(sale) => return Ok((sale, false)),
        Prepared::New(sale) => sale,
    };
    let (id, this) = (sale.id.clone(), sale.replay_of());
    let mut tx = db.write().await?;
    match write_sale(&mut tx, actor, sale).await? {
        Written::Recorded(sale) => {
            tx.commit().await?;
            Ok((*sale, true))
        }
        Written::AlreadyStored => replayed(db, tx, actor, &id, this).await,
    }
}

/// Records a sale whose lines another channel priced — a gift order (`usecases::gifts`), sold
/// at its season's catalogue prices, not the event's — in the caller's write transaction, so
/// that the channel's record and the sale land together or not at all. Everything else is a
/// sale like any other ([`write_sale`]): the caller's right to sell on the register, the
/// register's event selling and held against a settlement, the session, a gapless receipt
/// number, the lines, tenders, per-rate totals (the council's tax rounding) and the audit.
/// `input.lines` mirror `cart_lines` (product, quantity, price). Answers `None`, having
/// written nothing, when a sale with the id is already stored.
pub(crate) async fn record_priced_in(
    tx: &mut Tx,
    actor: &Principal,
    input: &SaleInput,
    cart_lines: Vec<CartLine>,
) -> Result<Option<Sale>> {
    allow(actor.may_sell_on(input.register_id))?;
    let input = input.validated()?;
    let register = db::sales::register(tx, input.register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let rules = sale_rules(tx).await?;
    let totals = cart::cart_totals(&cart_lines, rules.tax_rounding)
        .map_err(|e| Error::field("lines", e.code(), e.to_string()))?;
    let payment = pay(totals.total, &input.tenders, rules.voucher_gives_change)
        .map_err(|e| Error::field("tenders", e.code(), e.to_string()))?;
    let sale = SaleToWrite {
        event_id: register.event_id,
        id: input.id.to_string(),
        priced: PricedSale {
            cart_lines,
            totals,
            payment,
            overridden: Vec::new(),
        },
        input,
    };
    Ok(match write_sale(tx, actor, sale).await? {
        Written::Recorded(sale) => Some(*sale),
        Written::AlreadyStored => None,
    })
}

/// A new sale, checked and priced against its register's catalogue, ready to be written.
struct SaleToWrite {
    input: ValidSale,
    id: String,
    /// The event it was priced for.
    event_id: i64,
    priced: PricedSale,
}

impl SaleToWrite {
    fn replay_of(&self) -> ReplayOf {
        ReplayOf::Sale {
            register_id: self.input.register_id,
        }
    }
}

/// A sale request after its read step.
enum Prepared {
    /// Recorded before: the stored sale, which the caller may see.
    Replay(Sale),
    New(SaleToWrite),
}

/// The read step of recording a sale: the caller's right, the request, the register (or the
/// stored sale of a replay) and the sale priced, in a read snapshot, before the sale takes its
/// turn to write.
async fn prepare(db: &Db, actor: &Principal, input: &SaleInput) -> Result<Prepared> {
    allow(actor.may_sell_on(input.register_id))?;
    let input = input.validated()?;
    let id = input.id.to_string();
    let mut tx = db.read().await?;
    let Some(register) = register_for_new_sale(&mut tx, &input).await? else {
        let this = ReplayOf::Sale {
            register_id: input.register_id,
        };
        return Ok(Prepared::Replay(replayed(db, tx, actor, &id, this).await?.0));
    };
    let priced = price_sale(&mut tx, register.event_id, &input).await?;
    Ok(Prepared::New(SaleToWrite {
        event_id: register.event_id,
        priced,
        id,
        input,
    }))
}

/// What the write step of a sale did.
enum Written {
    Recorded(Box<Sale>),
    /// Its id was recorded meanwhile (a retry that raced this one): nothing of it is to be
    /// kept; the caller undoes what `tx` wrote for it and answers the stored record.
    AlreadyStored,
}

/// The write step of recording a sale, in `tx`: the register and the idempotency key checked
/// again, the event held against a settlement, the session picked, the receipt numbered, and
/// the sale, its lines, tenders, per-rate totals, stock movements and audit records written.
/// The caller commits (or, on an error, undoes what it wrote).
async fn write_sale(tx: &mut Tx, actor: &Principal, sale: SaleToWrite) -> Result<Written> {
    let SaleToWrite {
        input,
        id,
        event_id: priced_event,
        priced,
    } = sale;
    let Some(register) = register_for_new_sale(tx, &input).await? else {
        return Ok(Written::AlreadyStored);
    };
    if register.event_id != priced_event {
        return Err(Error::Conflict(
            "レジのイベントが変わりました。もう一度送ってください".into(),
        ));
    }
    // Held until commit: a settlement of the event waits for this sale, or this sale for it
    // (and then finds the event settled).
    selling_state(held_event(tx, register.event_id).await?)?;
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
        crate::usecases::register_sessions::session_for_record(tx, register.register_id, sold_at, actor)
            .await?;

    let cashier = rung_up_by(tx, actor, &id, input.cashier_login.as_deref()).await?;
    let no = db::sales::next_receipt_no(tx, register.register_id).await?;
    let number = receipt_number(&register, no);
    let header = db::sales::NewSale {
        id: &id,
        kind: SaleKind::Sale,
        event_id: register.event_id,
        register_id: register.register_id,
        receipt_no: no,
        receipt_number: &number,
        local_number: &input.local_number,
        cashier_id: cashier.user_id,
        sold_at,
        original_sale_id: None,
        total: totals.total,
        change: payment.change,
        voucher_surplus: payment.voucher_surplus,
        non_invoice_total: totals.non_invoice_total,
        late,
        session_id: &session_id,
        reason: "",
        approval_id: input
            .approval_id
            .filter(|_| !overridden.is_empty())
            .map(|a| a.to_string()),
    };
    if !db::sales::insert(tx, &header, now).await? {
        // A concurrent retry of this very sale committed first: its number goes back with
        // the rest of what was written for it.
        return Ok(Written::AlreadyStored);
    }
    // After the insert, so that a concurrent retry answers as a replay, not "approval used".
    if !overridden.is_empty() {
        // Counted from when the sale was made: a sale kept offline is sent after the approval's
        // few minutes, and the approval names this sale only.
        let wanted = approvals::Wanted {
            action: ApprovalAction::PriceOverride,
            sale_id: Some(input.id),
            amount: None,
            at: sold_at,
        };
        // The approval was given to the cashier who rang the sale up.
        let approval_id = approval(tx, &cashier, input.approval_id, wanted).await?;
        let after =
            serde_json::json!({"receipt_number": number, "approval_id": approval_id, "lines": overridden});
        audit::record(
            tx,
            actor,
            "sale.price_override",
            "sale",
            &id,
            None::<&()>,
            Some(&after),
        )
        .await?;
    }
    let lines = sale_lines(&cart_lines, &totals);
    let details = db::sales::SaleDetails {
        sale_id: &id,
        event_id: register.event_id,
        kind: SaleKind::Sale,
        lines: &lines,
        tenders: &input.tenders,
        by_rate: &totals.by_rate,
        created_by: actor.user_id,
    };
    db::sales::insert_details(tx, &details, now).await?;
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
        local_number: input.local_number,
        cashier_login: cashier.login.clone(),
        sold_at,
        recorded_at: now,
        original_sale_id: None,
        lines: lines.into_iter().map(|l| l.line).collect(),
        tenders: input.tenders.clone(),
        by_rate,
        non_invoice_total: totals.non_invoice_total,
        total: totals.total,
        change: payment.change,
        voucher_surplus: payment.voucher_surplus,
        late,
        voided: false,
        reason: String::new(),
    };
    Ok(Written::Recorded(Box::new(sale)))
}

/// Who rang a sale up: the sender, or the user the tablet names for a sale it kept and sends
/// under a later session (queued offline across a change of shift), who must be an active
/// cashier or council user. The sale is theirs; the audit log says who sent it.
async fn rung_up_by(tx: &mut Tx, actor: &Principal, sale_id: &str, login: Option<&str>) -> Result<Principal> {
    let Some(login) = login.filter(|l| *l != actor.login) else {
        return Ok(actor.clone());
    };
    let user = db::users::by_login(tx, login)
        .await?
        .map(|r| r.user)
        .filter(|u| u.active && (u.role == Role::Cashier || u.role.is_council()))
        .ok_or_else(|| Error::field("cashier_login", "not_found", "売上を打った担当者が見つかりません"))?;
    audit::record(
        tx,
        actor,
        "sale.sent_for",
        "sale",
        sale_id,
        None::<&()>,
        Some(&serde_json::json!({"cashier_login": user.login, "sent_by": actor.login})),
    )
    .await?;
    Ok(Principal {
        user_id: user.id,
        login: user.login,
        role: user.role,
        facility_id: None,
        register_id: actor.register_id,
    })
}

/// A cashier needs a manager's approval for `wanted` (its action on its sale); a council user
/// approves their own action.
async fn approval(
    tx: &mut Tx,
    actor: &Principal,
    id: Option<uuid::Uuid>,
    wanted: approvals::Wanted,
) -> Result<Option<String>> {
    if actor.is_council() {
        return Ok(id.map(|i| i.to_string()));
    }
    let id = id.ok_or_else(|| Error::Refused {
        code: "approval_required",
        message: format!("{}には責任者の承認(PIN)が必要です", wanted.action.label_ja()),
    })?;
    approvals::consume(tx, actor, id, wanted).await?;
    Ok(Some(id.to_string()))
}

/// Writes a void or refund record: its negative lines, the money paid back and the audit
/// record, in the transaction that checked the original sale.
#[allow(clippy::too_many_arguments)]
async fn write_reversal(
    db: &Db,
    mut tx: Tx,
    actor: &Principal,
    original: &Sale,
    id: &str,
    reversal: Reversal,
    reason: &str,
    approval_id: Option<String>,
    register_id: i64,
) -> Result<Sale> {
    let register = db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    // Both events held against a settlement until commit, in id order (no lock cycles).
    let mut events = [register.event_id, original.event_id];
    events.sort_unstable();
    let mut settled = Vec::new();
    for event_id in events {
        if held_event(&mut tx, event_id).await? == EventState::Settled {
            settled.push(event_id);
        }
    }
    // A void undoes the sale in its own event; a refund is a return where it happens. Neither
    // reopens a settled event: its statement was paid out.
    let event_id = reversal_event(reversal.kind, original.event_id, register.event_id, &settled)?;
    let now = Utc::now();
    let (session_id, late) =
        crate::usecases::register_sessions::session_for_record(&mut tx, register.register_id, now, actor)
            .await?;
    let no = db::sales::next_receipt_no(&mut tx, register.register_id).await?;
    let number = receipt_number(&register, no);
    let original_id = original.id.to_string();
    let header = db::sales::NewSale {
        id,
        kind: reversal.kind,
        event_id,
        register_id: register.register_id,
        receipt_no: no,
        receipt_number: &number,
        local_number: "",
        cashier_id: actor.user_id,
        sold_at: now,
        original_sale_id: Some(&original_id),
        total: reversal.total,
        change: Yen::ZERO,
        voucher_surplus: reversal.voucher_surplus,
        non_invoice_total: reversal.non_invoice_total,
        late,
        session_id: &session_id,
        reason,
        approval_id,
    };
    if !db::sales::insert(&mut tx, &header, now).await? {
        let this = ReplayOf::Reversal {
            kind: reversal.kind,
            of: original.id,
        };
        return Ok(replayed(db, tx, actor, id, this).await?.0);
    }
    let details = db::sales::SaleDetails {
        sale_id: id,
        event_id,
        kind: reversal.kind,
        lines: &reversal.lines,
        tenders: &reversal.tenders,
        by_rate: &reversal.by_rate,
        created_by: actor.user_id,
    };
    db::sales::insert_details(&mut tx, &details, now).await?;
    if reversal.kind == SaleKind::Void {
        db::sales::mark_voided(&mut tx, &original_id, id).await?;
    }
    let recorded = db::sales::load(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("売上"))?;
    let action = if reversal.kind == SaleKind::Void {
        "sale.void"
    } else {
        "sale.refund"
    };
    audit::commit(tx, actor, action, "sale", &original_id, Some(original), recorded).await
}

/// The event a void or refund is recorded in. A void undoes the sale in the sale's event, so
/// neither that event nor the register's may be settled. A refund is a return of goods at the
/// event where it happens (the register's): it reduces that event's takings and the
/// facility's payable there, even when the goods were sold at an event settled since.
fn reversal_event(kind: SaleKind, sold_in: i64, made_in: i64, settled: &[i64]) -> Result<i64> {
    let event_id = if kind == SaleKind::Refund {
        made_in
    } else {
        sold_in
    };
    if settled.contains(&made_in) || settled.contains(&event_id) {
        return Err(Error::Conflict(if kind == SaleKind::Void {
            "このイベントは精算済みのため、取消できません(返品は開催中のイベントのレジで受け付けます)".into()
        } else {
            "このレジのイベントは精算済みのため、返品できません。開催中のイベントのレジで返品してください"
                .into()
        }));
    }
    Ok(event_id)
}

/// What a void or refund asks for, whatever its kind.
struct ReversalRequest<'a> {
    /// The new record's id, made on the tablet: the idempotency key.
    id: uuid::Uuid,
    reason: &'a str,
    approval_id: Option<uuid::Uuid>,
    action: ApprovalAction,
    /// What the record is: a void or a refund.
    kind: SaleKind,
}

/// Reverses sale `sale_id`. In one write transaction: a replay answers the stored record;
/// otherwise the original sale, what was refunded of it and the council's rounding are read,
/// the caller's right checked, `decide` (the domain) says what the reversal records, a
/// manager's approval is taken and everything is written.
async fn reverse(
    db: &Db,
    actor: &Principal,
    sale_id: uuid::Uuid,
    request: ReversalRequest<'_>,
    decide: impl FnOnce(&Sale, &HashMap<i64, i64>, RoundingMode) -> Result<Reversal, ReversalError>,
) -> Result<Sale> {
    let id = request.id.to_string();
    let mut tx = match once::begin(db, async |tx| Ok(db::sales::load(tx, &id).await?)).await? {
        Once::Replayed(sale) => {
            let this = ReplayOf::Reversal {
                kind: request.kind,
                of: sale_id,
            };
            check_replay(actor, &sale, this)?;
            return Ok(sale);
        }
        Once::First(tx) => tx,
    };
    // The original sale's row is held first: of concurrent reversals of one sale, each reads
    // what the ones before it recorded (on SQLite the write turn already orders them).
    db::sales::hold(&mut tx, &sale_id.to_string()).await?;
    let original = db::sales::load(&mut tx, &sale_id.to_string())
        .await?
        .ok_or(Error::NotFound("売上"))?;
    let register_id = actor
        .reversal_register(original.register_id)
        .ok_or(Error::Forbidden)?;
    let refunded = db::sales::refunded(&mut tx, &original.id.to_string()).await?;
    let rounding = sale_rules(&mut tx).await?.tax_rounding;
    let reversal = decide(&original, &refunded, rounding).map_err(reversal_error)?;
    let wanted = approvals::Wanted {
        action: request.action,
        sale_id: Some(sale_id),
        amount: None,
        at: Utc::now(),
    };
    let approval_id = approval(&mut tx, actor, request.approval_id, wanted).await?;
    write_reversal(
        db,
        tx,
        actor,
        &original,
        &id,
        reversal,
        request.reason,
        approval_id,
        register_id,
    )
    .await
}

/// The domain's refusal of a reversal, as the API answers it.
fn reversal_error(e: ReversalError) -> Error {
    match e {
        ReversalError::Invalid(fields) => Error::Validation(fields),
        ReversalError::Overflow => Error::field("lines", "out_of_range", e.to_string()),
        other => Error::Conflict(other.to_string()),
    }
}

/// 取消: reverses a whole sale (stock back, money back by the same tenders).
pub async fn void(db: &Db, actor: &Principal, sale_id: uuid::Uuid, input: &VoidInput) -> Result<Sale> {
    let input = input.validated()?;
    let request = ReversalRequest {
        id: input.id,
        reason: &input.reason,
        approval_id: input.approval_id,
        action: ApprovalAction::Void,
        kind: SaleKind::Void,
    };
    reverse(db, actor, sale_id, request, reversal::void).await
}

/// 返品: returns some items of an earlier sale, paid back in cash (the domain's
/// [`reversal::refund`] says how much).
pub async fn refund(db: &Db, actor: &Principal, sale_id: uuid::Uuid, input: &RefundInput) -> Result<Sale> {
    let input = input.validated()?;
    let request = ReversalRequest {
        id: input.id,
        reason: &input.reason,
        approval_id: input.approval_id,
        action: ApprovalAction::Refund,
        kind: SaleKind::Refund,
    };
    reverse(db, actor, sale_id, request, |sale, refunded, rounding| {
        reversal::refund(sale, refunded, &input.lines, rounding)
    })
    .await
}

/// The sales journal: council users see every register; a cashier their own register.
pub async fn list(db: &Db, actor: &Principal, filter: &SaleFilter) -> Result<Vec<Sale>> {
    let mut filter = filter.clone();
    filter.register_id = actor.journal_scope(filter.register_id)?;
    Ok(db::sales::list(&mut *db.report().await?, &filter).await?)
}

pub async fn get(db: &Db, actor: &Principal, id: uuid::Uuid) -> Result<Sale> {
    let sale = stored(db, &id.to_string()).await?;
    allow(actor.may_operate_register(sale.register_id))?;
    Ok(sale)
}

/// The live view of an event: net sales per facility and product. Facility staff see their
/// own facility only; cashiers none.
pub async fn event_sales(db: &Db, actor: &Principal, event_id: i64) -> Result<EventSales> {
    let facility = actor.event_figures_scope()?;
    let mut tx = db.report().await?;
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
