//! 事業所: list, show, create and change the council's member facilities (council users; a
//! facility's own staff see their own). Each change is validated by the domain and written
//! with its audit record in one transaction.

use crate::db::constraints::Unique;
use crate::db::{self, Db};
use crate::error::{Error, OnUnique, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::facilities::{Facility, FacilityInput};

pub use db::facilities::FacilityFilter;

const DUPLICATE_FACILITY_NUMBER: &str = "この事業所番号はすでに使われています";

pub async fn list(db: &Db, actor: &Principal, filter: &FacilityFilter) -> Result<Vec<Facility>> {
    let mut list = db::facilities::list(&mut db.read().await?, filter).await?;
    if let Some(own) = actor.facility_scope() {
        list.retain(|f| f.id == own);
    }
    Ok(list)
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<Facility> {
    allow(actor.may_see_facility(id))?;
    db::facilities::get(&mut db.read().await?, id)
        .await?
        .ok_or(Error::NotFound("事業所"))
}

pub async fn create(db: &Db, actor: &Principal, input: &FacilityInput) -> Result<Facility> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let created = db::facilities::insert(&mut tx, &input, Utc::now())
        .await
        .on_unique(Unique::FacilityNumber, DUPLICATE_FACILITY_NUMBER)?;
    audit::commit(
        tx,
        actor,
        "facility.create",
        "facility",
        created.id,
        None::<&Facility>,
        created,
    )
    .await
}

pub async fn update(db: &Db, actor: &Principal, id: i64, input: &FacilityInput) -> Result<Facility> {
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
    audit::commit(tx, actor, "facility.update", "facility", id, Some(&before), after).await
}
