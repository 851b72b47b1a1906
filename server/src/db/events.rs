//! SQL for events, their participating facilities and their registers.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::Yen;
use selpos_domain::events::{
    CommissionRule, Event, EventInput, EventKind, EventState, Participant, Register,
};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    code: String,
    kind: String,
    name: String,
    venue: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    state: String,
    commission_kind: String,
    commission_value: i64,
    eat_in: bool,
    standing: bool,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    event_id: i64,
    facility_id: i64,
    commission_kind: Option<String>,
    commission_value: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RegisterRow {
    id: i64,
    event_id: i64,
    code: String,
    name: String,
    printer_addr: Option<String>,
    paper_columns: i64,
}

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn commission_from_columns(kind: &str, value: i64) -> Result<CommissionRule, sqlx::Error> {
    match kind {
        "percent" => Ok(CommissionRule::Percent { basis_points: value }),
        "fixed" => Ok(CommissionRule::Fixed { yen: Yen(value) }),
        other => Err(decode_error("commission kind", other)),
    }
}

fn commission_columns(rule: CommissionRule) -> (&'static str, i64) {
    match rule {
        CommissionRule::Percent { basis_points } => ("percent", basis_points),
        CommissionRule::Fixed { yen } => ("fixed", yen.0),
    }
}

impl EventRow {
    fn into_event(
        self,
        participants: Vec<Participant>,
        registers: Vec<Register>,
    ) -> Result<Event, sqlx::Error> {
        Ok(Event {
            id: self.id,
            kind: EventKind::from_code(&self.kind).ok_or_else(|| decode_error("event kind", &self.kind))?,
            state: EventState::from_code(&self.state)
                .ok_or_else(|| decode_error("event state", &self.state))?,
            commission: commission_from_columns(&self.commission_kind, self.commission_value)?,
            code: self.code,
            name: self.name,
            venue: self.venue,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            participants,
            registers,
            eat_in: self.eat_in,
            standing: self.standing,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "id, code, kind, name, venue, starts_on, ends_on, state, commission_kind, commission_value, \
                       eat_in, standing, active, created_at, updated_at";

/// Events, newest first, each with its participants and registers. `id` picks one.
async fn load(tx: &mut Tx, id: Option<i64>) -> Result<Vec<Event>, sqlx::Error> {
    let events_sql = format!(
        "SELECT {COLUMNS} FROM events WHERE ($1 IS NULL OR id = $1) ORDER BY starts_on DESC, id DESC"
    );
    let participants_sql =
        "SELECT event_id, facility_id, commission_kind, commission_value FROM event_facilities
                            WHERE ($1 IS NULL OR event_id = $1) ORDER BY event_id, facility_id";
    let registers_sql = "SELECT id, event_id, code, name, printer_addr, paper_columns FROM registers
                         WHERE ($1 IS NULL OR event_id = $1) ORDER BY event_id, code";
    let (events, participants, registers): (Vec<EventRow>, Vec<ParticipantRow>, Vec<RegisterRow>) =
        on_tx!(tx, |conn| {
            let events = sqlx::query_as(&events_sql).bind(id).fetch_all(&mut *conn).await?;
            let participants = sqlx::query_as(participants_sql)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
            let registers = sqlx::query_as(registers_sql)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
            (events, participants, registers)
        });

    let mut participants_by_event: HashMap<i64, Vec<Participant>> = HashMap::new();
    for p in participants {
        let commission_override = match (p.commission_kind.as_deref(), p.commission_value) {
            (Some(kind), Some(value)) => Some(commission_from_columns(kind, value)?),
            _ => None,
        };
        participants_by_event
            .entry(p.event_id)
            .or_default()
            .push(Participant {
                facility_id: p.facility_id,
                commission_override,
            });
    }
    let mut registers_by_event: HashMap<i64, Vec<Register>> = HashMap::new();
    for r in registers {
        registers_by_event.entry(r.event_id).or_default().push(Register {
            id: r.id,
            code: r.code,
            name: r.name,
            printer_addr: r.printer_addr,
            paper_columns: r.paper_columns,
        });
    }
    events
        .into_iter()
        .map(|e| {
            let participants = participants_by_event.remove(&e.id).unwrap_or_default();
            let registers = registers_by_event.remove(&e.id).unwrap_or_default();
            e.into_event(participants, registers)
        })
        .collect()
}

pub async fn list(tx: &mut Tx) -> Result<Vec<Event>, sqlx::Error> {
    load(tx, None).await
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Event>, sqlx::Error> {
    Ok(load(tx, Some(id)).await?.pop())
}

/// How a transaction holds an event's row until it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventHold {
    /// A write that changes the event's figures (a sale, a reversal, a stock movement): many
    /// may run at once, but not while the event is being settled.
    Write,
    /// Settling: waits for the writes under way, and holds back new ones until it commits (they
    /// then find the event settled).
    Settle,
}

/// The event's state, read with its row held as `hold` says, so that no write slips between
/// a settlement's figures and its lock. On PostgreSQL (READ COMMITTED) a row lock does it;
/// on SQLite every write transaction already has the file to itself.
pub async fn hold(tx: &mut Tx, event_id: i64, hold: EventHold) -> Result<Option<EventState>, sqlx::Error> {
    let sql = match (&*tx, hold) {
        (Tx::Sqlite(..), _) => "SELECT state FROM events WHERE id = $1",
        (Tx::Postgres(_), EventHold::Write) => "SELECT state FROM events WHERE id = $1 FOR SHARE",
        (Tx::Postgres(_), EventHold::Settle) => "SELECT state FROM events WHERE id = $1 FOR UPDATE",
    };
    let state: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(event_id)
        .fetch_optional(&mut *conn)
        .await)?;
    state
        .map(|s| EventState::from_code(&s).ok_or_else(|| decode_error("event state", &s)))
        .transpose()
}

/// Inserts (`id` = None) or updates an event with its participants and registers. Registers are matched by code, so a register keeps its id while its event is
/// edited. Returns `None` when updating an event that does not exist.
pub async fn save(
    tx: &mut Tx,
    id: Option<i64>,
    input: &EventInput,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let (commission_kind, commission_value) = commission_columns(input.commission);
    on_tx!(tx, |conn| {
        let event_id: Option<i64> = match id {
            None => Some(
                sqlx::query_scalar(
                    "INSERT INTO events (code, kind, name, venue, starts_on, ends_on, state, commission_kind,
                                         commission_value, active, created_at, updated_at, eat_in, standing)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id",
                )
                .bind(&input.code)
                .bind(input.kind.code())
                .bind(&input.name)
                .bind(&input.venue)
                .bind(input.starts_on)
                .bind(input.ends_on)
                .bind(input.state.code())
                .bind(commission_kind)
                .bind(commission_value)
                .bind(input.active)
                .bind(now)
                .bind(input.eat_in)
                .bind(input.standing)
                .fetch_one(&mut *conn)
                .await?,
            ),
            Some(id) => {
                sqlx::query_scalar(
                    "UPDATE events SET code = $1, kind = $2, name = $3, venue = $4, starts_on = $5, ends_on = $6,
                            state = $7, commission_kind = $8, commission_value = $9, active = $10, updated_at = $11,
                            eat_in = $13, standing = $14
                     WHERE id = $12 RETURNING id",
                )
                .bind(&input.code)
                .bind(input.kind.code())
                .bind(&input.name)
                .bind(&input.venue)
                .bind(input.starts_on)
                .bind(input.ends_on)
                .bind(input.state.code())
                .bind(commission_kind)
                .bind(commission_value)
                .bind(input.active)
                .bind(now)
                .bind(id)
                .bind(input.eat_in)
                .bind(input.standing)
                .fetch_optional(&mut *conn)
                .await?
            }
        };
        let Some(event_id) = event_id else {
            return Ok(None);
        };

        sqlx::query("DELETE FROM event_facilities WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *conn)
            .await?;
        for p in &input.participants {
            let (kind, value) = p.commission_override.map(commission_columns).unzip();
            sqlx::query(
                "INSERT INTO event_facilities (event_id, facility_id, commission_kind, commission_value)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(event_id)
            .bind(p.facility_id)
            .bind(kind)
            .bind(value)
            .execute(&mut *conn)
            .await?;
        }

        let existing: Vec<String> = sqlx::query_scalar("SELECT code FROM registers WHERE event_id = $1")
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await?;
        for code in existing
            .iter()
            .filter(|c| !input.registers.iter().any(|r| &r.code == *c))
        {
            sqlx::query("DELETE FROM registers WHERE event_id = $1 AND code = $2")
                .bind(event_id)
                .bind(code)
                .execute(&mut *conn)
                .await?;
        }
        for r in &input.registers {
            sqlx::query(
                "INSERT INTO registers (event_id, code, name, printer_addr, paper_columns) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (event_id, code) DO UPDATE SET name = excluded.name,
                     printer_addr = excluded.printer_addr, paper_columns = excluded.paper_columns",
            )
            .bind(event_id)
            .bind(&r.code)
            .bind(&r.name)
            .bind(&r.printer_addr)
            .bind(r.paper_columns)
            .execute(&mut *conn)
            .await?;
        }
        Ok(Some(event_id))
    })
}

/// The receipt printer of a register: its address (if any) and its paper's columns.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterPrinter {
    pub printer_addr: Option<String>,
    pub paper_columns: i64,
}

/// `None` when there is no such register.
pub async fn register_printer(tx: &mut Tx, register_id: i64) -> Result<Option<RegisterPrinter>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT printer_addr, paper_columns FROM registers WHERE id = $1"
    )
    .bind(register_id)
    .fetch_optional(&mut *conn)
    .await)
}

/// Whether the event offers tables (イートイン): its food may be rung as eaten on the spot.
pub async fn offers_eat_in(tx: &mut Tx, event_id: i64) -> Result<bool, sqlx::Error> {
    let sql = "SELECT eat_in FROM events WHERE id = $1";
    let found: Option<bool> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(event_id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(found.unwrap_or(false))
}

/// The codes of the event's registers that have history: a sale, a register session, a receipt
/// counter, a registered tablet or an approval names them, so they must stay.
pub async fn registers_with_history(tx: &mut Tx, event_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT r.code FROM registers r WHERE r.event_id = $1 AND (
                   EXISTS (SELECT 1 FROM sales s WHERE s.register_id = r.id)
                   OR EXISTS (SELECT 1 FROM register_sessions x WHERE x.register_id = r.id)
                   OR EXISTS (SELECT 1 FROM register_counters c WHERE c.register_id = r.id)
                   OR EXISTS (SELECT 1 FROM devices d WHERE d.register_id = r.id)
                   OR EXISTS (SELECT 1 FROM approvals a WHERE a.register_id = r.id))
               ORDER BY r.code";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)
}
