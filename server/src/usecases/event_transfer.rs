//! A venue laptop's event brought into the central database afterwards. A venue without a
//! usable network runs its event on a laptop (SQLite); once it is closed, `selpos
//! export-event` writes the event and everything recorded at it to one file, and `selpos
//! import-event` on the council's server writes it there in one transaction, so that it is
//! settled, reported and feeds the wages as if it had run there. The rules live in
//! `selpos_domain::event_transfer`; this module reads, writes and audits.

use crate::db::event_transfer::{self as sql, AuditWrite, EventWrite, Ids};
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::{Principal, Role};
use selpos_domain::event_transfer::{
    self as transfer, Arrival, Central, CouncilKey, EventFile, EventHeader, FacilityKey, ImportReport,
    ParticipantKey, ProductKey, Ref, RegisterKey, SettledOnLaptop, Source, UserKey,
};
use selpos_domain::events::{CommissionRule, EventState};
use selpos_domain::validation::FieldErrors;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file holds names of cashiers: readable and writable by its owner only.
pub const FILE_MODE: u32 = 0o600;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub event_code: String,
    pub counts: transfer::Counts,
    pub bytes: usize,
}

/// Reads the event of `code` and everything recorded at it, in one snapshot. Refused unless the
/// event is closed (or settled) and shares no record with another event.
pub async fn export(db: &Db, actor: &Principal, code: &str) -> Result<EventFile> {
    allow(actor.may_administer())?;
    let mut tx = db.read().await?;
    let event_id = sql::event_id(&mut tx, code)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    let event = db::events::get(&mut tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    if !matches!(event.state, EventState::Closed | EventState::Settled) {
        return Err(Error::Conflict(format!(
            "イベント{code}はまだ{}です。終了(締め)にしてからエクスポートしてください",
            event.state.label_ja()
        )));
    }
    let shared = sql::shared_with_other_events(&mut tx, event_id).await?;
    if !shared.is_empty() {
        return Err(Error::Conflict(format!(
            "イベント{code}は他のイベントと記録を共有しているため、単独では持ち出せません: {}",
            shared.join("; ")
        )));
    }
    let council = db::council::get(&mut tx).await?;
    let settled = db::settlement::settled(&mut tx, event_id).await?;
    let sessions = sql::sessions(&mut tx, event_id).await?;
    let payouts = sql::payouts(&mut tx, event_id).await?;
    let approvals = sql::approvals(&mut tx, event_id).await?;
    let sales = sql::sales(&mut tx, event_id).await?;
    let stock_operations = sql::stock_operations(&mut tx, event_id).await?;
    let stock_movements = sql::stock_movements(&mut tx, event_id).await?;
    let adjustments = sql::adjustments(&mut tx, event_id).await?;
    let mut audit = sql::audit(&mut tx, event_id).await?;
    // A record about the event made on another event's tablet keeps its actor, not that
    // register (which does not travel).
    for a in &mut audit {
        if a.register
            .is_some_and(|r| !event.registers.iter().any(|x| x.id == r))
        {
            a.register = None;
        }
    }
    let schema_version = db.schema_version().await?;

    // The master data the records name, as stable keys.
    let mut product_ids: BTreeSet<i64> = BTreeSet::new();
    product_ids.extend(sales.iter().flat_map(|s| s.lines.iter().map(|l| l.product)));
    product_ids.extend(stock_movements.iter().map(|m| m.product));
    let products: Vec<ProductKey> = sql::products(&mut tx)
        .await?
        .into_iter()
        .filter(|p| product_ids.contains(&p.id))
        .map(|p| {
            Ok(ProductKey {
                key: p.id,
                facility: p.facility_id,
                tax_rate: selpos_domain::TaxRate::from_code(&p.tax_rate)
                    .ok_or_else(|| sqlx::Error::Decode(format!("tax rate {:?}", p.tax_rate).into()))?,
                name: p.name,
                jan: p.jan,
                price: selpos_domain::Yen(p.price),
            })
        })
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    let mut facility_ids: BTreeSet<i64> = event.participants.iter().map(|p| p.facility_id).collect();
    facility_ids.extend(products.iter().map(|p| p.facility));
    facility_ids.extend(stock_operations.iter().map(|o| o.facility));
    facility_ids.extend(adjustments.iter().map(|a| a.facility));
    let facilities: Vec<FacilityKey> = sql::facilities(&mut tx)
        .await?
        .into_iter()
        .filter(|f| facility_ids.contains(&f.id))
        .map(|f| FacilityKey {
            key: f.id,
            number: f.number,
            name: f.name,
        })
        .collect();
    let mut user_ids: BTreeSet<Ref> = BTreeSet::new();
    for s in &sessions {
        user_ids.insert(s.opened_by);
        user_ids.extend(s.closed_by);
    }
    user_ids.extend(payouts.iter().map(|p| p.created_by));
    for a in &approvals {
        user_ids.insert(a.approver);
        user_ids.insert(a.requested_by);
    }
    user_ids.extend(sales.iter().map(|s| s.cashier));
    user_ids.extend(stock_operations.iter().map(|o| o.created_by));
    user_ids.extend(stock_movements.iter().filter_map(|m| m.created_by));
    user_ids.extend(adjustments.iter().map(|a| a.created_by));
    let users: Vec<UserKey> = sql::users(&mut tx)
        .await?
        .into_iter()
        .filter(|(id, ..)| user_ids.contains(id))
        .map(|(id, login, display_name, role)| UserKey {
            key: id,
            login,
            display_name,
            role,
        })
        .collect();
    drop(tx);

    let file = EventFile {
        format: transfer::FORMAT.into(),
        version: transfer::VERSION,
        exported_at: Utc::now(),
        source: Source {
            database: db.kind().into(),
            schema_version,
            selpos: env!("CARGO_PKG_VERSION").into(),
        },
        council: CouncilKey {
            name: council.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            invoice_number: council.as_ref().and_then(|c| c.invoice_number.clone()),
            tax_rounding: council.map(|c| c.tax_rounding).unwrap_or_default(),
        },
        event: EventHeader {
            key: event.id,
            code: event.code.clone(),
            kind: event.kind,
            name: event.name,
            venue: event.venue,
            starts_on: event.starts_on,
            ends_on: event.ends_on,
            state: event.state,
            commission: event.commission,
            eat_in: event.eat_in,
            participants: (event.participants.iter())
                .map(|p| ParticipantKey {
                    facility: p.facility_id,
                    commission_override: p.commission_override,
                })
                .collect(),
            settled: settled.map(|(at, by)| SettledOnLaptop { at, by }),
            created_at: event.created_at,
        },
        facilities,
        products,
        users,
        registers: (event.registers.into_iter())
            .map(|r| RegisterKey {
                key: r.id,
                code: r.code,
                name: r.name,
                paper_columns: r.paper_columns,
            })
            .collect(),
        register_sessions: sessions,
        payouts,
        approvals,
        sales,
        stock_operations,
        stock_movements,
        adjustments,
        audit,
    };
    // A file this selpos would refuse to import is never written.
    transfer::check(&file)?;
    Ok(file)
}

/// [`export`] into `path`: written whole or not at all (a temporary file beside it, then a
/// rename), readable by its owner only. Recorded in the audit log (who took the names out).
pub async fn export_to_file(db: &Db, actor: &Principal, code: &str, path: &Path) -> Result<Exported> {
    let file = export(db, actor, code).await?;
    let bytes = transfer::to_json(&file);
    write_private(path, &bytes).map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
    let exported = Exported {
        event_code: file.event.code.clone(),
        counts: file.counts(),
        bytes: bytes.len(),
    };
    let mut tx = db.write().await?;
    let after = serde_json::json!({"file": path.display().to_string(), "bytes": bytes.len(),
        "counts": exported.counts});
    let event_id = sql::event_id(&mut tx, code).await?.unwrap_or_default();
    audit::record(
        &mut tx,
        actor,
        "event.export",
        "event",
        event_id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(exported)
}

/// Writes `bytes` to `path` through a temporary file in the same folder (mode 0600, synced),
/// renamed over it, and the folder synced: a crash leaves the old file or the new, never half.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&tmp)?;
        // Whatever the umask was: owner only.
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The central database's master data the file is matched against.
async fn central(tx: &mut Tx) -> Result<Central> {
    Ok(Central {
        facilities: sql::facilities(tx).await?,
        products: sql::central_products(sql::products(tx).await?)?,
        users: sql::central_users(&sql::users(tx).await?),
        tax_rounding: db::council::get(tx)
            .await?
            .map(|c| c.tax_rounding)
            .unwrap_or_default(),
    })
}

fn commission_columns(rule: CommissionRule) -> (&'static str, i64) {
    match rule {
        CommissionRule::Percent { basis_points } => ("percent", basis_points),
        CommissionRule::Fixed { yen } => ("fixed", yen.0),
    }
}

/// Brings the event of `bytes` (an export) into this database, all or nothing: the file is
/// checked, its master data matched, its records written with their ids and receipt numbers.
/// A file imported before is answered as such and changes nothing. `dry_run` checks and
/// writes everything, then rolls back.
pub async fn import(db: &Db, actor: &Principal, bytes: &[u8], dry_run: bool) -> Result<ImportReport> {
    allow(actor.may_administer())?;
    let file = transfer::parse(bytes)?;
    transfer::check(&file)?;
    let mut tx = db.write().await?;
    let central = central(&mut tx).await?;
    let matched = transfer::match_records(&file, &central);
    let existing = sql::central_event(&mut tx, &file.event.code).await?;
    let arrival = transfer::arrival(&file, existing.as_ref());
    let (matches, arrival) = match (matched, arrival) {
        // An earlier import of this file is recognised whatever has changed since.
        (_, Ok(a @ Arrival::AlreadyImported { event_id })) => {
            return Ok(report(&file, a, Some(event_id), Vec::new(), dry_run, false));
        }
        (Ok(m), Ok(a)) => (m, a),
        (m, a) => {
            let mut errors = FieldErrors::default();
            errors.0.extend(m.err().map(|e| e.0).unwrap_or_default());
            errors.0.extend(a.err().map(|e| e.0).unwrap_or_default());
            return Err(Error::Validation(errors));
        }
    };
    refuse_taken_ids(&mut tx, &file).await?;

    let now = Utc::now();
    let mut users = matches.users.clone();
    let mut created = Vec::new();
    for key in &matches.users_to_create {
        let u = file
            .users
            .iter()
            .find(|u| u.key == *key)
            .ok_or_else(|| Error::Internal(format!("user ref {key}")))?;
        let write = db::users::UserWrite {
            login: &u.login,
            display_name: &u.display_name,
            role: Role::Cashier,
            facility_id: None,
            password_hash: None,
            pin_hash: None,
            active: false,
            easy_till: false,
        };
        let id = db::users::insert(&mut tx, &write, now).await?;
        let after = serde_json::json!({"login": u.login, "display_name": u.display_name, "role": "cashier",
            "active": false, "imported_with_event": file.event.code, "role_on_laptop": u.role});
        audit::record(
            &mut tx,
            actor,
            "user.create",
            "user",
            id,
            None::<&()>,
            Some(&after),
        )
        .await?;
        users.insert(u.key, id);
        created.push(u.login.clone());
    }

    let h = &file.event;
    let (commission_kind, commission_value) = commission_columns(h.commission);
    let header = EventWrite {
        code: &h.code,
        kind: h.kind.code(),
        name: &h.name,
        venue: &h.venue,
        starts_on: h.starts_on,
        ends_on: h.ends_on,
        commission_kind,
        commission_value,
        eat_in: h.eat_in,
        created_at: h.created_at,
    };
    let (event_id, before) = match arrival {
        Arrival::Fill { event_id } => {
            let before = db::events::get(&mut tx, event_id).await?;
            sql::fill_event(&mut tx, event_id, &header, now).await?;
            (event_id, before)
        }
        _ => (sql::insert_event(&mut tx, &header, now).await?, None),
    };
    let participants: Vec<(i64, Option<(&'static str, i64)>)> = h
        .participants
        .iter()
        .map(|p| {
            let facility = matches
                .facilities
                .get(&p.facility)
                .copied()
                .ok_or_else(|| Error::Internal(format!("facility ref {}", p.facility)))?;
            Ok((facility, p.commission_override.map(commission_columns)))
        })
        .collect::<Result<_>>()?;
    sql::set_participants(&mut tx, event_id, &participants).await?;
    let mut registers: BTreeMap<Ref, i64> = BTreeMap::new();
    for r in &file.registers {
        let id = sql::upsert_register(&mut tx, event_id, &r.code, &r.name, r.paper_columns).await?;
        registers.insert(r.key, id);
    }
    let counters: Vec<(i64, i64)> = file
        .last_receipt_numbers()
        .into_iter()
        .filter_map(|(r, last)| registers.get(&r).map(|id| (*id, last)))
        .collect();
    sql::set_counters(&mut tx, &counters).await?;

    let ids = Ids {
        registers: &registers,
        users: &users,
        facilities: &matches.facilities,
        products: &matches.products,
    };
    sql::insert_sessions(&mut tx, &file.register_sessions, &ids).await?;
    sql::insert_approvals(&mut tx, &file.approvals, &ids).await?;
    sql::insert_sales(&mut tx, event_id, &file.sales, &ids).await?;
    sql::insert_stock(
        &mut tx,
        event_id,
        &file.stock_operations,
        &file.stock_movements,
        &ids,
    )
    .await?;
    sql::insert_payouts(&mut tx, &file.payouts, &ids).await?;
    sql::insert_adjustments(&mut tx, event_id, &file.adjustments, &ids).await?;
    let logins: BTreeMap<String, i64> = sql::users(&mut tx)
        .await?
        .into_iter()
        .map(|(id, login, ..)| (login, id))
        .collect();
    let audit_rows: Vec<AuditWrite<'_>> = file
        .audit
        .iter()
        .map(|record| AuditWrite {
            record,
            actor_id: logins.get(&record.actor_login).copied(),
            register_id: record.register.and_then(|r| registers.get(&r).copied()),
            entity_id: central_entity_id(record, (file.event.key, event_id), &registers, &users),
        })
        .collect();
    sql::insert_audit(&mut tx, &audit_rows).await?;

    let report = report(&file, arrival, Some(event_id), created, dry_run, !dry_run);
    let after = serde_json::json!({
        "report": report,
        "file": {"exported_at": file.exported_at, "source": file.source, "council": file.council},
        // The imported audit records name the laptop's ids: these map them to this database's.
        "laptop_ids": {
            "event": {file.event.key.to_string(): event_id},
            "registers": registers,
            "facilities": matches.facilities,
            "products": matches.products,
            "users": users,
        },
    });
    audit::record(
        &mut tx,
        actor,
        "event.import",
        "event",
        event_id,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    if dry_run {
        // Everything was written and checked by the database; none of it stays.
        drop(tx);
        let event_id = matches!(arrival, Arrival::Fill { .. }).then_some(event_id);
        return Ok(ImportReport { event_id, ..report });
    }
    tx.commit().await?;
    Ok(report)
}

fn report(
    file: &EventFile,
    arrival: Arrival,
    event_id: Option<i64>,
    users_created: Vec<String>,
    dry_run: bool,
    written: bool,
) -> ImportReport {
    ImportReport {
        event_code: file.event.code.clone(),
        outcome: arrival.outcome(),
        event_id,
        counts: file.counts(),
        users_created,
        settled_on_laptop: file.event.settled.is_some(),
        dry_run,
        written,
    }
}

/// The entity an imported audit record names, as a central id: records keep their own ids;
/// the event, its registers and the file's users are mapped; any other laptop id would name
/// something else here, so it is left out.
fn central_entity_id(
    record: &transfer::AuditRecord,
    (laptop_event, event_id): (Ref, i64),
    registers: &BTreeMap<Ref, i64>,
    users: &BTreeMap<Ref, i64>,
) -> Option<String> {
    let id = record.entity_id.as_deref()?;
    let laptop = || id.parse::<Ref>().ok();
    match record.entity.as_str() {
        "sale" | "stock_operation" | "approval" | "register_session" => Some(id.to_string()),
        "event" => (laptop() == Some(laptop_event)).then(|| event_id.to_string()),
        "register" => laptop().and_then(|r| registers.get(&r)).map(i64::to_string),
        "user" => laptop().and_then(|u| users.get(&u)).map(i64::to_string),
        _ => None,
    }
}

/// Records of the file whose ids are taken here already (by another event's records): the
/// import is refused with the list, before anything is written.
async fn refuse_taken_ids(tx: &mut Tx, file: &EventFile) -> Result<()> {
    let ids = file.record_ids();
    let approvals: Vec<String> = file.approvals.iter().map(|a| a.id.clone()).collect();
    let tables: [(&'static str, Vec<String>); 6] = [
        ("sales", ids.sales.into_iter().collect()),
        ("register_sessions", ids.register_sessions.into_iter().collect()),
        ("stock_operations", ids.stock_operations.into_iter().collect()),
        ("register_payouts", ids.payouts.into_iter().collect()),
        ("settlement_adjustments", ids.adjustments.into_iter().collect()),
        ("approvals", approvals),
    ];
    let mut errors = FieldErrors::default();
    for (table, wanted) in tables {
        let taken = sql::taken(tx, table, &wanted).await?;
        if !taken.is_empty() {
            let shown: Vec<&str> = taken.iter().take(5).map(String::as_str).collect();
            errors.add(
                table,
                "taken",
                format!(
                    "{}件の記録のidがここで別の記録に使われています: {}",
                    taken.len(),
                    shown.join(", ")
                ),
            );
        }
    }
    errors.into_result(()).map_err(Error::Validation)
}
