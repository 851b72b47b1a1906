//! 期間精算: a standing shop (the SELP SHOP) settled period by period while it keeps selling.
//! Settling holds the shop's row as a whole-event settlement does, so sales under way finish
//! first and new ones wait: every record is booked into exactly one period.

use crate::db::settlement::Scope;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit, settlement};
use chrono::{NaiveDate, TimeDelta, Utc};
use selpos_domain::access::Principal;
use selpos_domain::events::{Event, EventState, tokyo_date, tokyo_day_start};
use selpos_domain::settlement::AdjustmentInput;
use selpos_domain::shop_periods::{
    PeriodInput, PeriodSettlement, PeriodStatement, ShopPeriod, ShopPeriods, next_period, open_from,
    stock_lines, suggested_through,
};

/// The standing shop `event_id`, or why it is not one.
async fn standing_shop(tx: &mut Tx, event_id: i64) -> Result<Event> {
    let event = db::events::get(tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    if !event.standing {
        return Err(Error::Conflict(
            "このイベントは常設の販売所ではありません。イベントとして精算してください".into(),
        ));
    }
    Ok(event)
}

/// The first day of the shop's open period.
async fn open_period_from(tx: &mut Tx, event: &Event) -> Result<NaiveDate> {
    let last = db::shop_periods::list(tx, event.id)
        .await?
        .first()
        .map(|p| p.ends_on);
    Ok(open_from(event.starts_on, last))
}

/// The moment after `day` ends in Japan.
fn end_of(day: NaiveDate) -> chrono::DateTime<Utc> {
    tokyo_day_start(day) + TimeDelta::days(1)
}

/// The figures of a period: settled (`period`), or the open one's records through `through`.
async fn figures(
    tx: &mut Tx,
    event: &Event,
    period: Option<ShopPeriod>,
    days: (NaiveDate, NaiveDate),
) -> Result<PeriodSettlement> {
    let (starts_on, ends_on) = days;
    let starts_at = tokyo_day_start(starts_on);
    let ends_at = end_of(ends_on);
    let scope = match &period {
        Some(p) => Scope::Period {
            event_id: event.id,
            period_id: p.id,
        },
        None => Scope::Open {
            event_id: event.id,
            before: ends_at,
        },
    };
    let settlement = settlement::compute_scoped(tx, scope, Some(days)).await?;
    let late = db::shop_periods::late_records(tx, scope, starts_at).await?;
    let period_id = period.as_ref().map(|p| p.id);
    let sums =
        db::shop_periods::movement_sums(tx, event.id, period_id, (starts_on, starts_at), ends_at).await?;
    let counts = db::shop_periods::counts(tx, event.id, starts_at, ends_at).await?;
    Ok(PeriodSettlement {
        period,
        starts_on,
        ends_on,
        settlement,
        late,
        stock: stock_lines(&sums),
        counts,
    })
}

/// The shop's settled periods and the open one.
pub async fn list(db: &Db, actor: &Principal, event_id: i64) -> Result<ShopPeriods> {
    allow(actor.is_council() || actor.facility_scope().is_some())?;
    let mut tx = db.read().await?;
    let event = standing_shop(&mut tx, event_id).await?;
    let periods = db::shop_periods::list(&mut tx, event_id).await?;
    let from = open_from(event.starts_on, periods.first().map(|p| p.ends_on));
    Ok(ShopPeriods {
        event_id,
        event_name: event.name,
        periods,
        open_from: from,
        suggested_through: suggested_through(from, tokyo_date(Utc::now())),
    })
}

/// The open period through `through`, as it would settle now (the council's preview).
pub async fn preview(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    through: NaiveDate,
) -> Result<PeriodSettlement> {
    allow(actor.may_settle())?;
    let mut tx = db.report().await?;
    let event = standing_shop(&mut tx, event_id).await?;
    let from = open_period_from(&mut tx, &event).await?;
    // A preview may look at today too: only settling needs the days to be over.
    if through < from {
        return Err(Error::field(
            "through",
            "out_of_range",
            format!("{from} 以降の日を選んでください"),
        ));
    }
    figures(&mut tx, &event, None, (from, through)).await
}

/// A settled period's figures.
pub async fn period(db: &Db, actor: &Principal, event_id: i64, period_id: i64) -> Result<PeriodSettlement> {
    allow(actor.may_settle())?;
    settled_figures(&mut *db.report().await?, event_id, period_id).await
}

async fn settled_figures(tx: &mut Tx, event_id: i64, period_id: i64) -> Result<PeriodSettlement> {
    let event = standing_shop(tx, event_id).await?;
    let period = db::shop_periods::get(tx, event_id, period_id)
        .await?
        .ok_or(Error::NotFound("精算期間"))?;
    let days = (period.starts_on, period.ends_on);
    figures(tx, &event, Some(period), days).await
}

/// One facility's statement for a settled period: the council, or that facility's staff.
pub async fn facility_statement(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    period_id: i64,
    facility_id: i64,
) -> Result<PeriodStatement> {
    allow(actor.may_see_facility_accounts(facility_id))?;
    settled_figures(&mut *db.report().await?, event_id, period_id)
        .await?
        .statement(facility_id)
        .ok_or(Error::NotFound("事業所の精算"))
}

/// Settles the open period through `input.through`: checks that its days are over, its
/// registers closed and its figures balanced, then books its records into it. Asked again for
/// a period already settled through that day, answers that period.
pub async fn settle(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    input: &PeriodInput,
) -> Result<PeriodSettlement> {
    allow(actor.may_settle())?;
    let mut tx = db.write().await?;
    // The shop's row first, as a whole-event settlement holds it: sales under way finish
    // before the records are booked, and new ones wait and then find their days settled.
    let state = db::events::hold(&mut tx, event_id, db::events::EventHold::Settle)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    let event = standing_shop(&mut tx, event_id).await?;
    if let Some(done) = db::shop_periods::ending_on(&mut tx, event_id, input.through).await? {
        let answer = settled_figures(&mut tx, event_id, done.id).await?;
        tx.rollback().await?;
        return Ok(answer);
    }
    if state == EventState::Planned {
        return Err(Error::Conflict("販売所がまだ開いていません".into()));
    }
    let last = db::shop_periods::list(&mut tx, event_id)
        .await?
        .first()
        .map(|p| p.ends_on);
    let days = next_period(event.starts_on, last, input.through, tokyo_date(Utc::now()))
        .map_err(Error::Validation)?;
    let preview = figures(&mut tx, &event, None, days).await?;
    settlement::ready_to_settle(&preview.settlement)?;
    let now = Utc::now();
    let period_id = db::shop_periods::insert(&mut tx, event_id, days, actor.user_id, now).await?;
    db::shop_periods::book(&mut tx, event_id, period_id, end_of(days.1)).await?;
    let scope = Scope::Period { event_id, period_id };
    db::wages::record_settled_months(&mut tx, scope).await?;
    let settled = settled_figures(&mut tx, event_id, period_id).await?;
    if settled.settlement.totals != preview.settlement.totals {
        // Nothing can write between the preview and the booking: the shop's row is held.
        return Err(Error::Conflict(
            "精算中に売上が変わりました。もう一度精算してください".into(),
        ));
    }
    audit::commit(
        tx,
        actor,
        "shop_period.settle",
        "event",
        event_id,
        None::<&()>,
        &(days, &settled.settlement.totals),
    )
    .await?;
    Ok(settled)
}

/// 精算後の調整 of a settled period, shown on the facility's statement of that period.
pub async fn adjust(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    period_id: i64,
    input: &AdjustmentInput,
) -> Result<PeriodStatement> {
    allow(actor.may_settle())?;
    let period = {
        let mut tx = db.read().await?;
        standing_shop(&mut tx, event_id).await?;
        db::shop_periods::get(&mut tx, event_id, period_id)
            .await?
            .ok_or(Error::NotFound("精算期間"))?
    };
    let scope = Scope::Period { event_id, period_id };
    let days = Some((period.starts_on, period.ends_on));
    settlement::adjust_scoped(db, actor, scope, days, input).await?;
    facility_statement(db, actor, event_id, period_id, input.facility_id).await
}
