//! Consignment stock: facilities bring goods to an event (搬入), take the rest home (搬出),
//! move them between events, record losses and count what is left (棚卸). Every operation is
//! one transaction of movements plus its audit record; its client-made id makes a retry
//! harmless. Overselling is allowed (the goods were physically sold) and shows as negative.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::approvals;
use crate::usecases::once::{self, Once};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::approvals::ApprovalAction;
use selpos_domain::events::EventState;
use selpos_domain::stock::{
    CountLine, EventStock, MovementKind, ProductStock, StockCountInput, StockFigures, StockOperationInput,
};
use std::collections::HashMap;

/// Facility staff move their own goods; council users any; a cashier only records losses and
/// adjustments at the event of their register, with a manager's approval.
fn may_move(
    actor: &Principal,
    facility_id: i64,
    event_id: i64,
    kind: MovementKind,
    register_event: Option<i64>,
) -> Result<()> {
    allow(actor.may_move_stock(facility_id, event_id, kind.needs_approval(), register_event))
}

/// Stock of a settled event is locked; the event is held against a concurrent settlement
/// until `tx` ends.
async fn open_event(tx: &mut Tx, event_id: i64) -> Result<selpos_domain::events::Event> {
    db::events::hold(tx, event_id, db::events::EventHold::Write).await?;
    let event = db::events::get(tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    if event.state == EventState::Settled {
        return Err(Error::Conflict(
            "このイベントは精算済みのため、在庫を変更できません".into(),
        ));
    }
    Ok(event)
}

async fn register_event(tx: &mut Tx, actor: &Principal) -> Result<Option<i64>> {
    match actor.register_id {
        Some(register) => Ok(db::sales::register(tx, register).await?.map(|r| r.event_id)),
        None => Ok(None),
    }
}

/// Checks the lines are products of the facility (the domain checked their quantities).
async fn check_lines(
    tx: &mut Tx,
    input: &StockOperationInput,
    event_id: i64,
) -> Result<HashMap<i64, String>> {
    let mut names = HashMap::new();
    for (i, line) in input.lines.iter().enumerate() {
        let product = db::sales::product_for_sale(tx, event_id, line.product_id)
            .await?
            .filter(|p| p.facility_id == input.facility_id)
            .ok_or_else(|| {
                Error::field(
                    format!("lines[{i}].product_id"),
                    "not_found",
                    "この事業所の商品ではありません",
                )
            })?;
        names.insert(product.product_id, product.name);
    }
    Ok(names)
}

/// The movements an operation writes: (location, signed quantity) per line.
fn movements(
    kind: MovementKind,
    event_id: i64,
    to_event: Option<i64>,
    quantity: i64,
) -> Vec<(Option<i64>, i64)> {
    match kind {
        MovementKind::Intake => vec![(Some(event_id), quantity), (None, -quantity)],
        MovementKind::Return => vec![(Some(event_id), -quantity), (None, quantity)],
        MovementKind::Transfer => vec![(Some(event_id), -quantity), (to_event, quantity)],
        MovementKind::Loss => vec![(Some(event_id), -quantity)],
        _ => vec![(Some(event_id), quantity)],
    }
}

/// Records goods moved by staff; answers the facility's stock at the event afterwards.
pub async fn record(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    input: &StockOperationInput,
) -> Result<EventStock> {
    let input = &input.validated()?;
    let note = input.note.as_str();
    let id = input.id.to_string();
    let recorded = async |tx: &mut Tx| {
        let register_event = register_event(tx, actor).await?;
        may_move(actor, input.facility_id, event_id, input.kind, register_event)?;
        Ok(db::stock::operation_exists(tx, &id).await?.then_some(()))
    };
    let mut tx = match once::begin(db, recorded).await? {
        // Answered outside the write transaction, as every other read of the stock.
        Once::Replayed(()) => return event_stock(db, actor, event_id, Some(input.facility_id)).await,
        Once::First(tx) => tx,
    };
    let event = open_event(&mut tx, event_id).await?;
    if !event
        .participants
        .iter()
        .any(|p| p.facility_id == input.facility_id)
    {
        return Err(Error::field(
            "facility_id",
            "not_participating",
            "この事業所はこのイベントに参加していません",
        ));
    }
    let to_event = match (input.kind, input.to_event_id) {
        (MovementKind::Transfer, Some(to)) if to != event_id => {
            open_event(&mut tx, to).await?;
            Some(to)
        }
        (MovementKind::Transfer, _) => {
            return Err(Error::field(
                "to_event_id",
                "required",
                "移動先のイベントを指定してください",
            ));
        }
        _ => None,
    };
    check_lines(&mut tx, input, event_id).await?;
    let approval_id = if actor.role == Role::Cashier {
        let approval = input
            .approval_id
            .ok_or_else(|| Error::Conflict("在庫調整には責任者の承認(PIN)が必要です".into()))?;
        approvals::consume(
            &mut tx,
            actor,
            approval,
            approvals::Wanted {
                action: ApprovalAction::StockAdjustment,
                sale_id: None,
                amount: None,
                at: chrono::Utc::now(),
            },
        )
        .await?;
        Some(approval.to_string())
    } else {
        None
    };
    let now = Utc::now();
    let operation = db::stock::NewOperation {
        id: &id,
        kind: input.kind.code(),
        event_id,
        to_event_id: to_event,
        facility_id: input.facility_id,
        note,
        approval_id,
        created_by: actor.user_id,
    };
    db::stock::insert_operation(&mut tx, &operation, now).await?;
    for line in &input.lines {
        for (location, quantity) in movements(input.kind, event_id, to_event, line.quantity) {
            let movement = db::stock::NewMovement {
                product_id: line.product_id,
                facility_id: input.facility_id,
                event_id: location,
                kind: input.kind.code(),
                quantity,
                operation_id: &id,
                reason: note,
                created_by: actor.user_id,
            };
            db::stock::insert_movement(&mut tx, &movement, now).await?;
        }
    }
    let action = format!("stock.{}", input.kind.code());
    audit::commit(tx, actor, &action, "stock_operation", &id, None::<&()>, input).await?;
    event_stock(db, actor, event_id, Some(input.facility_id)).await
}

async fn figures(tx: &mut Tx, event_id: i64, facility: Option<i64>) -> Result<Vec<ProductStock>> {
    let products = db::stock::products(tx, event_id, facility).await?;
    let mut by_product: HashMap<i64, StockFigures> = HashMap::new();
    for (product_id, kind, sum) in db::stock::sums(tx, event_id, facility).await? {
        let kind = MovementKind::from_code(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown movement {kind:?}").into()))?;
        by_product.entry(product_id).or_default().add(kind, sum);
    }
    let sales: HashMap<i64, i64> = db::stock::sales(tx, event_id, facility)
        .await?
        .into_iter()
        .collect();
    Ok(products
        .into_iter()
        .map(|p| {
            let figures = by_product.remove(&p.product_id).unwrap_or_default();
            ProductStock {
                status: figures.status(p.low_stock_threshold),
                product_id: p.product_id,
                facility_id: p.facility_id,
                name: p.name,
                price: Yen(p.price),
                sales: Yen(sales.get(&p.product_id).copied().unwrap_or(0)),
                low_stock_threshold: p.low_stock_threshold,
                figures,
            }
        })
        .collect())
}

/// The stock of an event by product: council users see all facilities, facility staff their own.
pub async fn event_stock(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    facility: Option<i64>,
) -> Result<EventStock> {
    let facility = match actor.event_figures_scope()? {
        None => facility,
        Some(own) => {
            allow(facility.is_none_or(|f| f == own))?;
            Some(own)
        }
    };
    let mut tx = db.report().await?;
    db::events::get(&mut tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    let products = figures(&mut tx, event_id, facility).await?;
    let negative = products.iter().filter(|p| p.figures.on_hand < 0).count() as i64;
    Ok(EventStock {
        event_id,
        products,
        negative,
    })
}

/// 棚卸: staff count what is left of a facility's goods; the variance is recorded as a count
/// movement so the stock equals what was counted.
pub async fn count(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    input: &StockCountInput,
) -> Result<Vec<CountLine>> {
    may_move(actor, input.facility_id, event_id, MovementKind::Count, None)?;
    let input = &input.validated()?;
    let id = input.id.to_string();
    let mut tx = db.write().await?;
    open_event(&mut tx, event_id).await?;
    let stock = figures(&mut tx, event_id, Some(input.facility_id)).await?;
    let mut result = Vec::with_capacity(input.lines.len());
    for (i, line) in input.lines.iter().enumerate() {
        let product = stock
            .iter()
            .find(|p| p.product_id == line.product_id)
            .ok_or_else(|| {
                Error::field(
                    format!("lines[{i}].product_id"),
                    "not_found",
                    "この事業所の商品ではありません",
                )
            })?;
        result.push(CountLine {
            product_id: product.product_id,
            name: product.name.clone(),
            expected: product.figures.on_hand,
            counted: line.counted,
            variance: line.counted.checked_sub(product.figures.on_hand).ok_or_else(|| {
                Error::field(
                    format!("lines[{i}].counted"),
                    "out_of_range",
                    "数量が正しくありません",
                )
            })?,
        });
    }
    if db::stock::operation_exists(&mut tx, &id).await? {
        // A retried count: already applied, so today's stock equals the counts (answered once
        // what it found is durable: it may be an earlier member's of this write group).
        tx.rollback().await?;
        return Ok(result
            .into_iter()
            .map(|l| CountLine {
                expected: l.counted,
                variance: 0,
                ..l
            })
            .collect());
    }
    let now = Utc::now();
    let note = input.note.trim();
    let operation = db::stock::NewOperation {
        id: &id,
        kind: MovementKind::Count.code(),
        event_id,
        to_event_id: None,
        facility_id: input.facility_id,
        note,
        approval_id: None,
        created_by: actor.user_id,
    };
    db::stock::insert_operation(&mut tx, &operation, now).await?;
    for line in result.iter().filter(|l| l.variance != 0) {
        let movement = db::stock::NewMovement {
            product_id: line.product_id,
            facility_id: input.facility_id,
            event_id: Some(event_id),
            kind: MovementKind::Count.code(),
            quantity: line.variance,
            operation_id: &id,
            reason: note,
            created_by: actor.user_id,
        };
        db::stock::insert_movement(&mut tx, &movement, now).await?;
    }
    audit::commit(
        tx,
        actor,
        "stock.count",
        "stock_operation",
        &id,
        None::<&()>,
        result,
    )
    .await
}
