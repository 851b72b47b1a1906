//! Use cases for master data: the council, facilities, products and events.
//! Each checks who is asking, validates its input (domain rules), checks references, and
//! writes the change with its audit record in one transaction.

use crate::audit;
use crate::db::constraints::Unique;
use crate::db::{self, Db, Tx};
use crate::error::{Error, OnUnique, Result};
use chrono::Utc;
use selpos_domain::access::{Principal, Role};
use selpos_domain::council::{Council, CouncilInput};
use selpos_domain::events::{Event, EventInput, EventState};
use selpos_domain::facilities::{Facility, FacilityInput};
use selpos_domain::products::{Product, ProductInput};

pub use db::facilities::FacilityFilter;
pub use db::products::ProductFilter;

const DUPLICATE_FACILITY_NUMBER: &str = "この事業所番号はすでに使われています";
const DUPLICATE_JAN: &str = "このJANコードはすでに別の商品に登録されています";
const DUPLICATE_EVENT_CODE: &str = "このイベントコードはすでに使われています";

fn allow(permitted: bool) -> Result<()> {
    if permitted { Ok(()) } else { Err(Error::Forbidden) }
}

pub async fn list_facilities(db: &Db, actor: &Principal, filter: &FacilityFilter) -> Result<Vec<Facility>> {
    let mut list = db::facilities::list(&mut db.read().await?, filter).await?;
    if let Some(own) = actor.facility_scope() {
        list.retain(|f| f.id == own);
    }
    Ok(list)
}

pub async fn get_facility(db: &Db, actor: &Principal, id: i64) -> Result<Facility> {
    allow(actor.may_see_facility(id))?;
    db::facilities::get(&mut db.read().await?, id)
        .await?
        .ok_or(Error::NotFound("事業所"))
}

pub async fn create_facility(db: &Db, actor: &Principal, input: &FacilityInput) -> Result<Facility> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let created = db::facilities::insert(&mut tx, &input, Utc::now())
        .await
        .on_unique(Unique::FacilityNumber, DUPLICATE_FACILITY_NUMBER)?;
    audit::record(
        &mut tx,
        actor,
        "facility.create",
        "facility",
        created.id,
        None::<&Facility>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update_facility(db: &Db, actor: &Principal, id: i64, input: &FacilityInput) -> Result<Facility> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let before = db::facilities::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    let after = db::facilities::update(&mut tx, id, &input, Utc::now())
        .await
        .on_unique(Unique::FacilityNumber, DUPLICATE_FACILITY_NUMBER)?
        .ok_or(Error::NotFound("事業所"))?;
    audit::record(
        &mut tx,
        actor,
        "facility.update",
        "facility",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Products: council users and cashiers see all; facility staff only their own facility's.
pub async fn list_products(db: &Db, actor: &Principal, filter: &ProductFilter) -> Result<Vec<Product>> {
    let mut filter = filter.clone();
    if let Some(own) = actor.facility_scope() {
        if filter.facility_id.is_some_and(|asked| asked != own) {
            return Err(Error::Forbidden);
        }
        filter.facility_id = Some(own);
    }
    if actor.role == Role::Cashier {
        filter.active = Some(true);
    }
    Ok(db::products::list(&mut db.read().await?, &filter).await?)
}

pub async fn get_product(db: &Db, actor: &Principal, id: i64) -> Result<Product> {
    let product = db::products::get(&mut db.read().await?, id)
        .await?
        .ok_or(Error::NotFound("商品"))?;
    allow(actor.may_see_facility(product.facility_id))?;
    Ok(product)
}

async fn require_facility(tx: &mut Tx, facility_id: i64) -> Result<()> {
    match db::facilities::get(tx, facility_id).await? {
        Some(_) => Ok(()),
        None => Err(Error::field(
            "facility_id",
            "not_found",
            "指定された事業所がありません",
        )),
    }
}

pub async fn create_product(db: &Db, actor: &Principal, input: &ProductInput) -> Result<Product> {
    let input = input.validated().map_err(Error::Validation)?;
    allow(actor.may_edit_facility_goods(input.facility_id))?;
    let mut tx = db.write().await?;
    require_facility(&mut tx, input.facility_id).await?;
    let created = db::products::insert(&mut tx, &input, Utc::now())
        .await
        .on_unique(Unique::ProductJan, DUPLICATE_JAN)?;
    audit::record(
        &mut tx,
        actor,
        "product.create",
        "product",
        created.id,
        None::<&Product>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a product. Facility staff may change their own products only, and may not move
/// one to another facility. Past sales keep the price they were sold at.
pub async fn update_product(db: &Db, actor: &Principal, id: i64, input: &ProductInput) -> Result<Product> {
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let before = db::products::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("商品"))?;
    allow(
        actor.may_edit_facility_goods(before.facility_id) && actor.may_edit_facility_goods(input.facility_id),
    )?;
    require_facility(&mut tx, input.facility_id).await?;
    let after = db::products::update(&mut tx, id, &input, Utc::now())
        .await
        .on_unique(Unique::ProductJan, DUPLICATE_JAN)?
        .ok_or(Error::NotFound("商品"))?;
    audit::record(
        &mut tx,
        actor,
        "product.update",
        "product",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Events: council users see all; facility staff the events they take part in; a cashier
/// the event of their register.
pub async fn list_events(db: &Db, actor: &Principal) -> Result<Vec<Event>> {
    let mut tx = db.read().await?;
    let mut events = db::events::list(&mut tx).await?;
    match actor.role {
        Role::CouncilAdmin | Role::CouncilStaff => {}
        Role::FacilityStaff => {
            let own = actor.facility_scope();
            events.retain(|e| e.participants.iter().any(|p| Some(p.facility_id) == own));
        }
        Role::Cashier => events.retain(|e| e.registers.iter().any(|r| Some(r.id) == actor.register_id)),
    }
    Ok(events)
}

pub async fn get_event(db: &Db, actor: &Principal, id: i64) -> Result<Event> {
    list_events(db, actor)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .map_or_else(
            || {
                // Distinguish "not yours" from "not there" only for those who may see all.
                if actor.is_council() {
                    Err(Error::NotFound("イベント"))
                } else {
                    Err(Error::Forbidden)
                }
            },
            Ok,
        )
}

async fn validate_event(tx: &mut Tx, input: &EventInput) -> Result<EventInput> {
    let input = input.validated().map_err(Error::Validation)?;
    let wanted: Vec<i64> = input.participants.iter().map(|p| p.facility_id).collect();
    let found = db::facilities::existing_ids(tx, &wanted).await?;
    if let Some(i) = wanted.iter().position(|id| !found.contains(id)) {
        return Err(Error::field(
            &format!("participants[{i}].facility_id"),
            "not_found",
            "指定された事業所がありません",
        ));
    }
    Ok(input)
}

pub async fn create_event(db: &Db, actor: &Principal, input: &EventInput) -> Result<Event> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let input = validate_event(&mut tx, input).await?;
    if input.state == EventState::Settled {
        return Err(Error::Conflict("精算済みのイベントは作成できません".into()));
    }
    let id = db::events::save(&mut tx, None, &input, Utc::now())
        .await
        .on_unique(Unique::EventCode, DUPLICATE_EVENT_CODE)?
        .ok_or(Error::NotFound("イベント"))?;
    let created = db::events::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    audit::record(
        &mut tx,
        actor,
        "event.create",
        "event",
        id,
        None::<&Event>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update_event(db: &Db, actor: &Principal, id: i64, input: &EventInput) -> Result<Event> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let input = validate_event(&mut tx, input).await?;
    let before = db::events::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    // 精算済み: the event is locked; corrections go through settlement adjustments.
    if before.state == EventState::Settled {
        return Err(Error::Conflict(
            "精算済みのイベントは変更できません(訂正は精算画面の「調整」で行います)".into(),
        ));
    }
    if input.state == EventState::Settled {
        return Err(Error::Conflict(
            "精算は精算画面の「精算する」で行ってください(レジ締めと合計の確認をします)".into(),
        ));
    }
    if !before.state.may_become(input.state) {
        return Err(Error::Conflict(format!(
            "イベントの状態を「{}」から「{}」には変更できません",
            before.state.label_ja(),
            input.state.label_ja()
        )));
    }
    db::events::save(&mut tx, Some(id), &input, Utc::now())
        .await
        .on_unique(Unique::EventCode, DUPLICATE_EVENT_CODE)?
        .ok_or(Error::NotFound("イベント"))?;
    let after = db::events::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    let action = if before.state != after.state {
        "event.state_change"
    } else {
        "event.update"
    };
    audit::record(&mut tx, actor, action, "event", id, Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

fn placeholder_council() -> Council {
    Council {
        name: "(協議会名未設定)".into(),
        invoice_number: None,
        address: String::new(),
        phone: String::new(),
        receipt_footer: String::new(),
        tax_rounding: Default::default(),
        voucher_gives_change: false,
        updated_at: Utc::now(),
    }
}

/// The council's record; a fresh database has a placeholder until the council fills it in.
pub async fn get_council(db: &Db) -> Result<Council> {
    Ok(db::council::get(&mut db.read().await?)
        .await?
        .unwrap_or_else(placeholder_council))
}

pub async fn update_council(db: &Db, actor: &Principal, input: &CouncilInput) -> Result<Council> {
    allow(actor.may_administer())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let before = db::council::get(&mut tx).await?;
    db::council::put(&mut tx, &input, Utc::now()).await?;
    let after = db::council::get(&mut tx)
        .await?
        .unwrap_or_else(placeholder_council);
    audit::record(
        &mut tx,
        actor,
        "council.update",
        "council",
        1,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
