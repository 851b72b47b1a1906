//! ギフト (中元・歳暮): the council opens a season with the supplier's catalogue (imported from
//! its CSV, UTF-8 or Shift_JIS, all rows or none), orders are taken at a till (paid at once:
//! recorded as a sale through the till's own sale path, in the same transaction) or on the form
//! (on invoice), recipients may be cancelled until the season is closed, and at the close the
//! order list goes to the supplier in its CSV format, with the commission per taker and a
//! statement per facility. Facility staff take orders for their own facility and see only
//! those.

use crate::db::constraints::Unique;
use crate::db::gifts::OrderScope;
use crate::db::{self, Db, Tx};
use crate::error::{Error, OnUnique, Result};
use crate::spreadsheet::{ExcelCsv, plain_cell};
use crate::usecases::imports::{decode, rows};
use crate::usecases::once::{self, Once};
use crate::usecases::{allow, audit, sales};
use chrono::Utc;
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::{Principal, Role};
use selpos_domain::gifts::{
    self, CatalogueImport, EXPORT_COLUMNS, GiftOrder, GiftOrderInput, GiftPaymentInput, GiftSeason,
    GiftSeasonInput, GiftStatement, SeasonCatalogue, SeasonCommission, SeasonState, import,
};
use selpos_domain::sales::SaleInput;
use selpos_domain::sales::SaleLineInput;
use selpos_domain::sales::cart::CartLine;
use selpos_domain::validation::FieldErrors;
use selpos_domain::{Yen, sales::Sale};
use serde::Deserialize;

pub async fn seasons(db: &Db, actor: &Principal) -> Result<Vec<GiftSeason>> {
    allow(actor.may_take_gift_orders())?;
    Ok(db::gifts::seasons(&mut db.read().await?).await?)
}

pub async fn season(db: &Db, actor: &Principal, id: i64) -> Result<SeasonCatalogue> {
    allow(actor.may_take_gift_orders())?;
    let mut tx = db.read().await?;
    let season = find_season(&mut tx, id).await?;
    let items = db::gifts::items(&mut tx, id).await?;
    Ok(SeasonCatalogue { season, items })
}

async fn find_season(tx: &mut Tx, id: i64) -> Result<GiftSeason> {
    db::gifts::season(tx, id)
        .await?
        .ok_or(Error::NotFound("ギフトのシーズン"))
}

async fn facility_must_exist(tx: &mut Tx, field: &str, facility_id: Option<i64>) -> Result<()> {
    if let Some(id) = facility_id
        && db::facilities::get(tx, id).await?.is_none_or(|f| !f.active)
    {
        return Err(Error::field(field, "unknown", "事業所が見つかりません"));
    }
    Ok(())
}

fn closed() -> Error {
    Error::Refused {
        code: "season_closed",
        message: "このシーズンは締め切られています".into(),
    }
}

pub async fn create_season(db: &Db, actor: &Principal, input: &GiftSeasonInput) -> Result<GiftSeason> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated()?;
    let mut tx = db.write().await?;
    facility_must_exist(&mut tx, "account_facility_id", input.account_facility_id).await?;
    let id = db::gifts::insert_season(&mut tx, &input, Utc::now()).await?;
    let created = find_season(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "gift.season_create",
        "gift_season",
        id,
        None::<&()>,
        created,
    )
    .await
}

pub async fn update_season(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: &GiftSeasonInput,
) -> Result<GiftSeason> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated()?;
    let mut tx = db.write().await?;
    let held = db::gifts::hold(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("ギフトのシーズン"))?;
    if held.state == SeasonState::Closed {
        return Err(closed());
    }
    let before = find_season(&mut tx, id).await?;
    facility_must_exist(&mut tx, "account_facility_id", input.account_facility_id).await?;
    db::gifts::update_season(&mut tx, id, &input, Utc::now()).await?;
    let after = find_season(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "gift.season_update",
        "gift_season",
        id,
        Some(&before),
        after,
    )
    .await
}

/// 締切: no more orders or cancellations; the order list may go to the supplier.
pub async fn close_season(db: &Db, actor: &Principal, id: i64) -> Result<GiftSeason> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let held = db::gifts::hold(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("ギフトのシーズン"))?;
    if held.state == SeasonState::Closed {
        return Err(closed());
    }
    let before = find_season(&mut tx, id).await?;
    db::gifts::close_season(&mut tx, id, Utc::now()).await?;
    let after = find_season(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "gift.season_close",
        "gift_season",
        id,
        Some(&before),
        after,
    )
    .await
}

/// The supplier's catalogue as a CSV (商品コード, 商品名, 価格, 税率, お届け開始日, お届け終了日;
/// UTF-8 or Shift_JIS): every row checked first, nothing recorded if any is wrong.
pub async fn import_catalogue(db: &Db, actor: &Principal, id: i64, bytes: &[u8]) -> Result<CatalogueImport> {
    allow(actor.may_manage_council_data())?;
    let table = rows(&decode(bytes)?, import::COLUMNS)?;
    let items = import::plan(&table.rows)?;
    let mut tx = db.write().await?;
    let held = db::gifts::hold(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("ギフトのシーズン"))?;
    if held.state == SeasonState::Closed {
        return Err(closed());
    }
    db::gifts::put_items(&mut tx, id, &items).await?;
    let answer = CatalogueImport {
        items: items.len(),
        season: find_season(&mut tx, id).await?,
    };
    audit::commit(tx, actor, "gift.import", "gift_season", id, None::<&()>, answer).await
}

/// Whether the caller may see an order: the council; facility staff when their facility took
/// it; a cashier when it was paid on their register.
fn may_see(actor: &Principal, order: &GiftOrder) -> bool {
    match actor.role {
        Role::CouncilAdmin | Role::CouncilStaff => true,
        Role::FacilityStaff => {
            order.taker_facility_id.is_some() && order.taker_facility_id == actor.facility_id
        }
        Role::Cashier => order.register_id.is_some() && order.register_id == actor.register_id,
    }
}

async fn load_order(tx: &mut Tx, id: &str) -> Result<Option<GiftOrder>> {
    Ok(db::gifts::orders(tx, OrderScope::One(id))
        .await?
        .into_iter()
        .next())
}

/// The stored order under a request's id answers the request only when the caller may see it
/// and it is of the same season; else the id is another record's.
fn replay(actor: &Principal, stored: GiftOrder, season_id: i64) -> Result<(GiftOrder, bool)> {
    if stored.season_id != season_id || !may_see(actor, &stored) {
        return Err(id_in_use());
    }
    Ok((stored, false))
}

fn id_in_use() -> Error {
    Error::Refused {
        code: "id_in_use",
        message: "このIDは別の取引で使われています。新しい注文としてやり直してください".into(),
    }
}

/// A sale's field errors named as the order's (`tenders` → `payment.tenders`).
fn as_payment_error(e: Error) -> Error {
    match e {
        Error::Validation(FieldErrors(errors)) => Error::Validation(FieldErrors(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("payment.{}", f.field);
                    f
                })
                .collect(),
        )),
        other => other,
    }
}

/// Takes an order once (its id is the client's; a retry answers the stored order). Answers
/// the order and whether this call recorded it. A till order is recorded as a sale of the
/// register in the same transaction, under the same id.
pub async fn create_order(db: &Db, actor: &Principal, input: &GiftOrderInput) -> Result<(GiftOrder, bool)> {
    allow(actor.may_take_gift_orders())?;
    let id = input.id.to_string();
    let mut tx = match once::begin(db, async |tx| load_order(tx, &id).await).await? {
        Once::Replayed(order) => return replay(actor, order, input.season_id),
        Once::First(tx) => tx,
    };
    // Facility staff take orders for their own facility, on invoice.
    let mut input = input.clone();
    if actor.role == Role::FacilityStaff {
        match input.taker_facility_id {
            None => input.taker_facility_id = actor.facility_id,
            Some(asked) if Some(asked) != actor.facility_id => return Err(Error::Forbidden),
            Some(_) => {}
        }
        if matches!(input.payment, GiftPaymentInput::Till { .. }) {
            return Err(Error::Forbidden);
        }
    }
    // A cashier takes orders paid at the till only.
    if actor.role == Role::Cashier && input.payment == GiftPaymentInput::Invoice {
        return Err(Error::field(
            "payment.kind",
            "till_only",
            "レジではお代金を受け取って注文を記録してください(請求書払いは協議会・事業所の画面から)",
        ));
    }
    // The season held first (then, for a till order, the event by the sale): a close waits
    // for this order or this order finds the season closed.
    let held = db::gifts::hold(&mut tx, input.season_id)
        .await?
        .ok_or_else(|| Error::field("season_id", "unknown", "ギフトのシーズンが見つかりません"))?;
    if held.state == SeasonState::Closed {
        return Err(closed());
    }
    let catalogue = db::gifts::items(&mut tx, input.season_id).await?;
    let order = input.validated(&catalogue)?;
    facility_must_exist(&mut tx, "taker_facility_id", order.taker_facility_id).await?;
    let now = Utc::now();
    let number = db::gifts::next_number(&mut tx, order.season_id).await?;
    let sale: Option<Sale> = match &order.payment {
        GiftPaymentInput::Invoice => None,
        GiftPaymentInput::Till {
            register_id,
            sold_at,
            tenders,
        } => {
            // The sale's lines are the council's, under its own account facility: the goods
            // are the supplier's and the money passes through the council to the supplier.
            // Put under the taking facility, the gift's price would count as that facility's
            // sales at the event — paid out to it by the event's settlement and reported as
            // its wage income (工賃) — when only the supplier's commission is its income.
            let Some(account) = held.account_facility_id else {
                return Err(Error::Refused {
                    code: "no_account_facility",
                    message:
                        "このシーズンはレジでの受付が設定されていません(計上する事業所を設定してください)"
                            .into(),
                });
            };
            let facility = db::facilities::get(&mut tx, account)
                .await?
                .ok_or(Error::NotFound("事業所"))?;
            let season = find_season(&mut tx, order.season_id).await?;
            let product_id = match held.product_id {
                Some(p) => p,
                None => {
                    let name = format!("ギフト {}", season.name);
                    db::gifts::make_product(&mut tx, order.season_id, account, &name, now).await?
                }
            };
            let cart_lines: Vec<CartLine> = order
                .recipients
                .iter()
                .map(|r| CartLine {
                    product_id,
                    facility_id: account,
                    name: format!("ギフト {}", r.item.name),
                    unit_price: r.item.price,
                    quantity: r.quantity,
                    tax_rate: r.item.tax_rate,
                    discount: None,
                    invoice_eligible: facility.invoice_issuer,
                })
                .collect();
            let sale_input = SaleInput {
                id: order.id,
                register_id: *register_id,
                local_number: format!("ギフト{number}"),
                sold_at: *sold_at,
                lines: cart_lines
                    .iter()
                    .map(|l| SaleLineInput {
                        product_id: l.product_id,
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                        discount: None,
                        eat_in: false,
                    })
                    .collect(),
                tenders: tenders.clone(),
                approval_id: None,
                cashier_login: None,
            };
            match sales::record_priced_in(&mut tx, actor, &sale_input, cart_lines)
                .await
                .map_err(as_payment_error)?
            {
                Some(sale) => Some(sale),
                None => return replayed(db, tx, actor, &id, order.season_id).await,
            }
        }
    };
    let sale_id = sale.as_ref().map(|s| s.id.to_string());
    let inserted = db::gifts::insert_order(&mut tx, &order, number, sale_id.as_deref(), actor.user_id, now)
        .await
        .on_unique(
            Unique::GiftOrderNumber,
            "受付番号が他の注文と重なりました。もう一度送ってください",
        )?;
    if !inserted {
        return replayed(db, tx, actor, &id, order.season_id).await;
    }
    let recorded = load_order(&mut tx, &id)
        .await?
        .ok_or(Error::NotFound("ギフトの注文"))?;
    let recorded = audit::commit(tx, actor, "gift.order", "gift_order", &id, None::<&()>, recorded).await?;
    Ok((recorded, true))
}

/// The id was recorded meanwhile (a copy of this request that raced it, or a sale of the
/// same id): `tx` ends unwritten and the stored order answers, if there is one.
async fn replayed(db: &Db, tx: Tx, actor: &Principal, id: &str, season_id: i64) -> Result<(GiftOrder, bool)> {
    tx.rollback().await?;
    match load_order(&mut db.read().await?, id).await? {
        Some(order) => replay(actor, order, season_id),
        None => Err(id_in_use()),
    }
}

pub async fn order(db: &Db, actor: &Principal, id: uuid::Uuid) -> Result<GiftOrder> {
    allow(actor.may_take_gift_orders())?;
    let order = load_order(&mut db.read().await?, &id.to_string())
        .await?
        .ok_or(Error::NotFound("ギフトの注文"))?;
    allow(may_see(actor, &order))?;
    Ok(order)
}

/// A season's orders (facility staff: those their facility took).
pub async fn orders(db: &Db, actor: &Principal, season_id: i64) -> Result<Vec<GiftOrder>> {
    allow(actor.may_see_channels())?;
    let mut tx = db.read().await?;
    find_season(&mut tx, season_id).await?;
    let taker = actor.facility_scope().map(Some);
    Ok(db::gifts::orders(&mut tx, OrderScope::Season(season_id, taker)).await?)
}

/// Cancels one recipient of an order while its season is open. A till order's money is paid
/// back at the till (返品 of the sale's line `no`), with a manager's approval as any refund.
pub async fn cancel_recipient(
    db: &Db,
    actor: &Principal,
    order_id: uuid::Uuid,
    no: i64,
    reason: &str,
) -> Result<GiftOrder> {
    allow(actor.may_see_channels())?;
    let reason = gifts::cancel_reason(reason)?;
    let id = order_id.to_string();
    let mut tx = db.write().await?;
    let before = load_order(&mut tx, &id)
        .await?
        .ok_or(Error::NotFound("ギフトの注文"))?;
    allow(may_see(actor, &before))?;
    let held = db::gifts::hold(&mut tx, before.season_id)
        .await?
        .ok_or(Error::NotFound("ギフトのシーズン"))?;
    // Read again under the season's hold: a concurrent cancellation is seen.
    let before = load_order(&mut tx, &id)
        .await?
        .ok_or(Error::NotFound("ギフトの注文"))?;
    let recipient = before
        .recipients
        .iter()
        .find(|r| r.no == no)
        .ok_or(Error::NotFound("お届け先"))?;
    gifts::may_cancel(held.state, recipient).map_err(|e| Error::Refused {
        code: match e {
            gifts::CancelError::SeasonClosed => "season_closed",
            gifts::CancelError::AlreadyCancelled => "already_cancelled",
        },
        message: e.to_string(),
    })?;
    db::gifts::cancel_recipient(&mut tx, &id, no, &reason, Utc::now()).await?;
    let after = load_order(&mut tx, &id)
        .await?
        .ok_or(Error::NotFound("ギフトの注文"))?;
    audit::commit(tx, actor, "gift.cancel", "gift_order", &id, Some(&before), after).await
}

/// How the supplier's order list is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 with a BOM (Excel reads it).
    #[default]
    Utf8,
    /// Shift_JIS, as such suppliers' systems usually want.
    Sjis,
}

/// The supplier's order list of a closed season as CSV bytes (see [`gifts::EXPORT_COLUMNS`]).
pub async fn export(
    db: &Db,
    actor: &Principal,
    season_id: i64,
    encoding: Encoding,
) -> Result<(GiftSeason, Vec<u8>)> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.read().await?;
    let season = find_season(&mut tx, season_id).await?;
    if season.state != SeasonState::Closed {
        return Err(Error::Refused {
            code: "season_open",
            message: "注文一覧はシーズンを締め切ってから出力してください".into(),
        });
    }
    let orders = db::gifts::orders(&mut tx, OrderScope::Season(season_id, None)).await?;
    let rows = gifts::export_rows(&orders, |t| t.with_timezone(&Tokyo).date_naive());
    let bytes = match encoding {
        Encoding::Utf8 => {
            let mut out = ExcelCsv::new();
            out.row(EXPORT_COLUMNS)?;
            for row in &rows {
                out.row(row)?;
            }
            out.finish()?
        }
        Encoding::Sjis => shift_jis(&rows)?,
    };
    Ok((season, bytes))
}

/// The rows as Shift_JIS CSV. A cell with a character Shift_JIS cannot write (a rare kanji, an
/// emoji) is refused, named, rather than sent to the supplier as a wrong name or address.
fn shift_jis(rows: &[[String; EXPORT_COLUMNS.len()]]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = EXPORT_COLUMNS.map(String::from);
    for row in std::iter::once(&header).chain(rows) {
        for (column, cell) in EXPORT_COLUMNS.iter().zip(row) {
            if encoding_rs::SHIFT_JIS.encode(cell).2 {
                return Err(Error::Refused {
                    code: "not_shift_jis",
                    message: format!(
                        "受付番号 {} の{column}「{cell}」にShift_JISで書けない文字があります。UTF-8で出力してください",
                        row[0]
                    ),
                });
            }
        }
        out.write_record(row.iter().map(|c| plain_cell(c).into_owned()))
            .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    }
    let text = out
        .into_inner()
        .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    let text = String::from_utf8(text).map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    Ok(encoding_rs::SHIFT_JIS.encode(&text).0.into_owned())
}

/// The commission per taker (facility staff: their own line only).
pub async fn commission(db: &Db, actor: &Principal, season_id: i64) -> Result<SeasonCommission> {
    allow(actor.may_see_channels())?;
    let mut tx = db.read().await?;
    let season = find_season(&mut tx, season_id).await?;
    let taker = actor.facility_scope().map(Some);
    let orders = db::gifts::orders(&mut tx, OrderScope::Season(season_id, taker)).await?;
    let takers = gifts::commission_by_taker(season.commission, &orders);
    let total_sales = Yen(takers.iter().map(|t| t.sales.0).fold(0, i64::saturating_add));
    let total_commission = Yen(takers.iter().map(|t| t.commission.0).fold(0, i64::saturating_add));
    Ok(SeasonCommission {
        commission_label: season.commission.label_ja(),
        season,
        takers,
        total_sales,
        total_commission,
    })
}

pub fn commission_csv(c: &SeasonCommission) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    out.row([
        "取扱者",
        "事業所ID",
        "注文数",
        "お届け件数",
        "売上(税込)",
        "手数料率・額",
        "手数料",
    ])?;
    for t in &c.takers {
        out.row([
            t.taker_name.clone(),
            t.facility_id.map(|f| f.to_string()).unwrap_or_default(),
            t.orders.to_string(),
            t.deliveries.to_string(),
            t.sales.0.to_string(),
            c.commission_label.clone(),
            t.commission.0.to_string(),
        ])?;
    }
    out.row([
        "合計".to_string(),
        String::new(),
        c.takers.iter().map(|t| t.orders).sum::<i64>().to_string(),
        c.takers.iter().map(|t| t.deliveries).sum::<i64>().to_string(),
        c.total_sales.0.to_string(),
        c.commission_label.clone(),
        c.total_commission.0.to_string(),
    ])?;
    out.finish()
}

/// A facility's statement for a season: its orders, sales and commission.
pub async fn statement(
    db: &Db,
    actor: &Principal,
    season_id: i64,
    facility_id: i64,
) -> Result<GiftStatement> {
    allow(actor.may_see_facility_accounts(facility_id))?;
    let mut tx = db.read().await?;
    let season = find_season(&mut tx, season_id).await?;
    let facility = db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    let orders = db::gifts::orders(&mut tx, OrderScope::Season(season_id, Some(Some(facility_id)))).await?;
    let taker = gifts::commission_by_taker(season.commission, &orders)
        .into_iter()
        .next();
    Ok(GiftStatement {
        commission_label: season.commission.label_ja(),
        season,
        facility_id,
        facility_number: facility.number,
        facility_name: facility.name,
        orders,
        deliveries: taker.as_ref().map_or(0, |t| t.deliveries),
        sales: taker.as_ref().map_or(Yen::ZERO, |t| t.sales),
        commission: taker.map_or(Yen::ZERO, |t| t.commission),
    })
}
