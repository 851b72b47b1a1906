//! Events and channels: list, show, create and change them with their participants and
//! registers, and move them through their life (planned → open → closed → settled).

use crate::db::constraints::Unique;
use crate::db::{self, Db, Tx};
use crate::error::{Error, OnUnique, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::{Principal, Role};
use selpos_domain::events::{Event, EventInput, EventState};

const DUPLICATE_EVENT_CODE: &str = "このイベントコードはすでに使われています";

/// Events: council users see all; facility staff the events they take part in; a cashier
/// the event of their register.
pub async fn list(db: &Db, actor: &Principal) -> Result<Vec<Event>> {
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
    Ok(events.into_iter().map(|e| e.as_seen_by(actor)).collect())
}

pub async fn get(db: &Db, actor: &Principal, id: i64) -> Result<Event> {
    list(db, actor)
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

/// Checks the event; its registers' printers against the council's printer settings (and
/// never this server's own addresses; loopback only when `loopback_printers`, for tests).
async fn validate_event(tx: &mut Tx, input: &EventInput, loopback_printers: bool) -> Result<EventInput> {
    let rules = db::council::get(tx)
        .await?
        .map(|c| c.printer_rules(loopback_printers))
        .unwrap_or(selpos_domain::printers::PrinterRules {
            allow_loopback: loopback_printers,
            ..Default::default()
        });
    let input = input.validated(&rules).map_err(Error::Validation)?;
    for (i, register) in input.registers.iter().enumerate() {
        if let Some(Err(refusal)) = register
            .printer_addr
            .as_deref()
            .map(|a| crate::printing::printer::check_address(a, &rules))
        {
            return Err(Error::field(
                format!("registers[{i}].printer_addr"),
                refusal.code(),
                refusal.message_ja(&rules),
            ));
        }
    }
    let wanted: Vec<i64> = input.participants.iter().map(|p| p.facility_id).collect();
    let found = db::facilities::existing_ids(tx, &wanted).await?;
    if let Some(i) = wanted.iter().position(|id| !found.contains(id)) {
        return Err(Error::field(
            format!("participants[{i}].facility_id"),
            "not_found",
            "指定された事業所がありません",
        ));
    }
    Ok(input)
}

/// Creates an event. `loopback_printers`: the server allows printers on loopback (tests).
pub async fn create(
    db: &Db,
    actor: &Principal,
    input: &EventInput,
    loopback_printers: bool,
) -> Result<Event> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let input = validate_event(&mut tx, input, loopback_printers).await?;
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
    audit::commit(tx, actor, "event.create", "event", id, None::<&Event>, created).await
}

/// Changes an event. `loopback_printers`: the server allows printers on loopback (tests).
pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: &EventInput,
    loopback_printers: bool,
) -> Result<Event> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let input = validate_event(&mut tx, input, loopback_printers).await?;
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
    // A standing shop with settled periods stays one: settled whole, it would count them again.
    if before.standing && !input.standing && !db::shop_periods::list(&mut tx, id).await?.is_empty() {
        return Err(Error::Conflict(
            "期間精算をした販売所は常設のままです(精算済みの期間があります)".into(),
        ));
    }
    if !before.state.may_become(input.state) {
        return Err(Error::Conflict(format!(
            "イベントの状態を「{}」から「{}」には変更できません",
            before.state.label_ja(),
            input.state.label_ja()
        )));
    }
    // A register leaves the event only while nothing names it; one with history stays.
    let kept = db::events::registers_with_history(&mut tx, id).await?;
    let removed: Vec<&String> = kept
        .iter()
        .filter(|code| !input.registers.iter().any(|r| &r.code == *code))
        .collect();
    if let Some(code) = removed.first() {
        return Err(Error::Refused {
            code: "register_has_history",
            message: format!(
                "レジ「{code}」には売上・レジ開け・端末などの記録があるため、イベントから外せません"
            ),
        });
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
    audit::commit(tx, actor, action, "event", id, Some(&before), after).await
}
