//! 自主製品: list, show, create and change products (council users, and a facility's own staff
//! for its own). Each change is validated by the domain and written with its audit record.

use crate::db::constraints::Unique;
use crate::db::{self, Db, Tx};
use crate::error::{Error, OnUnique, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::{Principal, Role};
use selpos_domain::products::{Product, ProductInput};

pub use db::products::ProductFilter;

const DUPLICATE_JAN: &str = "このJANコードはすでに別の商品に登録されています";
/// In-store codes (JAN prefix 02, 20–29) are a facility's own: only its own products clash.
const DUPLICATE_IN_STORE_CODE: &str =
    "このインストアコード(JAN)はすでにこの事業所の別の商品に登録されています";

/// Products: council users and cashiers see all; facility staff only their own facility's.
pub async fn list(db: &Db, actor: &Principal, filter: &ProductFilter) -> Result<Vec<Product>> {
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
    let mut tx = db.read().await?;
    let mut products = db::products::list(&mut tx, &filter).await?;
    crate::usecases::photos::fill(&mut tx, &mut products, filter.facility_id).await?;
    Ok(products)
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<Product> {
    let mut tx = db.read().await?;
    let mut product = db::products::get(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("商品"))?;
    allow(actor.may_see_facility(product.facility_id))?;
    let facility = Some(product.facility_id);
    crate::usecases::photos::fill(&mut tx, std::slice::from_mut(&mut product), facility).await?;
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

pub async fn create(db: &Db, actor: &Principal, input: &ProductInput) -> Result<Product> {
    let input = input.validated().map_err(Error::Validation)?;
    allow(actor.may_edit_facility_goods(input.facility_id))?;
    let mut tx = db.write().await?;
    require_facility(&mut tx, input.facility_id).await?;
    let created = db::products::insert(&mut tx, &input, Utc::now())
        .await
        .on_unique(Unique::ProductJan, DUPLICATE_JAN)
        .on_unique(Unique::ProductInStoreCode, DUPLICATE_IN_STORE_CODE)?;
    audit::commit(
        tx,
        actor,
        "product.create",
        "product",
        created.id,
        None::<&Product>,
        created,
    )
    .await
}

/// Changes a product. Facility staff may change their own products only, and may not move
/// one to another facility. Past sales keep the price they were sold at.
pub async fn update(db: &Db, actor: &Principal, id: i64, input: &ProductInput) -> Result<Product> {
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
        .on_unique(Unique::ProductJan, DUPLICATE_JAN)
        .on_unique(Unique::ProductInStoreCode, DUPLICATE_IN_STORE_CODE)?
        .ok_or(Error::NotFound("商品"))?;
    audit::commit(tx, actor, "product.update", "product", id, Some(&before), after).await
}
