//! レジ開け / 出金 / レジ締め: a register's sessions, each opened with a change float and closed
//! with a cash count that is checked against the journal. Every sale, void and refund belongs
//! to a session; one that arrives after its register closed is recorded as late.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::once::{self, Once};
use crate::usecases::{allow, approvals, audit};
use chrono::{DateTime, Utc};
use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::approvals::ApprovalAction;
use selpos_domain::council::{DEFAULT_PAYOUT_APPROVAL_LIMIT, payout_needs_approval};
use selpos_domain::events::EventState;
use selpos_domain::register_sessions::{
    CashCount, CashFigures, LateSales, PayoutInput, RegisterCloseInput, RegisterFloatInput,
    RegisterOpenInput, RegisterReport, RegisterState, RegisterStatus, SessionChoice, session_for_sale,
};

/// Council users may work any register; a cashier only the one their tablet is registered to.
fn may_operate(actor: &Principal, register_id: i64) -> Result<()> {
    allow(actor.may_operate_register(register_id))
}

/// The register and its event, refusing a settled event (locked) and, for `opening`, any event
/// that is not open for sales.
async fn register(tx: &mut Tx, register_id: i64, opening: bool) -> Result<db::sales::RegisterRow> {
    let register = db::sales::register(tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    match register.state()? {
        EventState::Settled => Err(Error::Conflict(
            "このイベントは精算済みのため、レジを操作できません".into(),
        )),
        EventState::Planned => Err(Error::Conflict("このイベントはまだ開始していません".into())),
        EventState::Closed if opening => Err(Error::Conflict(
            "このイベントは終了しています。レジを開けるにはイベントを再開してください".into(),
        )),
        _ => Ok(register),
    }
}

/// How far a tablet's clock may run ahead of the server's before a sale "sold" after its
/// register's close counts as sold after it (and is refused) rather than late.
const LATE_GRACE: chrono::Duration = chrono::Duration::minutes(5);

/// The session a record rung up now goes to, and whether it is late. A register nobody opened
/// is opened here with a ¥0 float (flagged), so a sale is never refused for it.
pub(crate) async fn session_for_record(
    tx: &mut Tx,
    register_id: i64,
    sold_at: DateTime<Utc>,
    actor: &Principal,
) -> Result<(String, bool)> {
    let open = db::register_sessions::claim_open(tx, register_id).await?;
    // The last closed session matters only to a sale from before the open one, or with none.
    let closed = match &open {
        Some(open) if sold_at >= open.opened_at => None,
        _ => db::register_sessions::last_closed(tx, register_id).await?,
    };
    let choice = session_for_sale(
        sold_at,
        open.as_ref().map(|s| (s.id.as_str(), s.opened_at)),
        closed.as_ref().map(|s| s.id.as_str()),
    );
    match choice {
        SessionChoice::Current(id) => Ok((id, false)),
        SessionChoice::Late(id) => {
            // Sold before the close (offline): late. Sold after it: the register is closed.
            if let Some(closed_at) = closed.as_ref().and_then(|s| s.closed_at)
                && sold_at > closed_at + LATE_GRACE
            {
                return Err(Error::Conflict(
                    "このレジは締め済みです。販売を続けるにはレジを開けてください".into(),
                ));
            }
            Ok((id, true))
        }
        SessionChoice::OpenNew => {
            let id = uuid::Uuid::now_v7().to_string();
            let new = db::register_sessions::NewSession {
                id: &id,
                register_id,
                opened_by: actor.user_id,
                auto_opened: true,
                float_counts: &CashCount::default(),
            };
            if !db::register_sessions::insert(tx, &new, Utc::now()).await? {
                // A concurrent record opened it first (PostgreSQL waits for it): use that one.
                return match db::register_sessions::claim_open(tx, register_id).await? {
                    Some(open) => Ok((open.id, false)),
                    None => Err(Error::Conflict(
                        "レジの状態が変わりました。もう一度送信してください".into(),
                    )),
                };
            }
            audit::record(
                tx,
                actor,
                "register.auto_open",
                "register",
                register_id,
                None::<&()>,
                Some(&id),
            )
            .await?;
            Ok((id, false))
        }
    }
}

/// The session's record: cash against the count, every tender, and what arrived late.
pub(crate) async fn report(tx: &mut Tx, row: &db::register_sessions::SessionRow) -> Result<RegisterReport> {
    let kinds = db::register_sessions::kind_sums(tx, &row.id).await?;
    let tender_sums = db::register_sessions::tender_sums(tx, &row.id).await?;
    report_of(tx, row, &kinds, &tender_sums).await
}

/// [`report`] from the session's journal sums, already read.
async fn report_of(
    tx: &mut Tx,
    row: &db::register_sessions::SessionRow,
    kinds: &[db::register_sessions::KindSum],
    tender_sums: &[db::register_sessions::TenderSum],
) -> Result<RegisterReport> {
    let on_time = db::register_sessions::tender_totals(tender_sums, kinds, |_, late| !late)?;
    let cash_of = |kind: &str, late: bool| -> i64 {
        let taken: i64 = tender_sums
            .iter()
            .filter(|t| t.kind == kind && t.late == late && t.tender == "cash")
            .map(|t| t.amount)
            .sum();
        let change: i64 = kinds
            .iter()
            .filter(|k| k.kind == kind && k.late == late)
            .map(|k| k.change_due)
            .sum();
        taken - change
    };
    let cash_sales = Yen(cash_of("sale", false));
    let cash_refunds = Yen(-(cash_of("void", false) + cash_of("refund", false)));
    let payouts = db::register_sessions::payouts(tx, &row.id).await?;
    let paid_out = Yen(payouts.iter().map(|p| p.amount.0).sum());
    let cash = CashFigures::new(
        Yen(row.float_total),
        cash_sales,
        cash_refunds,
        paid_out,
        row.counted.map(Yen),
    );
    let sum_of = |pick: &dyn Fn(&db::register_sessions::KindSum) -> bool| -> (i64, i64) {
        kinds
            .iter()
            .filter(|k| pick(k))
            .fold((0, 0), |(n, t), k| (n + k.records, t + k.total))
    };
    let (sales_count, sales_total) = sum_of(&|k| !k.late && k.kind == "sale");
    let (returns_count, returns_total) = sum_of(&|k| !k.late && k.kind != "sale");
    let (late_count, late_total) = sum_of(&|k| k.late);
    let voucher_surplus = (kinds.iter())
        .filter(|k| !k.late)
        .map(|k| k.voucher_surplus)
        .sum();
    let late_cash = ["sale", "void", "refund"].iter().map(|k| cash_of(k, true)).sum();
    Ok(RegisterReport {
        session: row.to_session()?,
        cash,
        tenders: on_time,
        sales_count,
        sales_total: Yen(sales_total),
        returns_count,
        returns_total: Yen(-returns_total),
        voucher_surplus: Yen(voucher_surplus),
        payouts,
        late: LateSales {
            count: late_count,
            total: Yen(late_total),
            cash: Yen(late_cash),
            receipt_numbers: db::register_sessions::late_receipts(tx, &row.id).await?,
        },
    })
}

async fn status_in(tx: &mut Tx, register_id: i64) -> Result<RegisterStatus> {
    if let Some(open) = db::register_sessions::open_session(tx, register_id).await? {
        return Ok(RegisterStatus {
            register_id,
            state: RegisterState::Open,
            report: Some(report(tx, &open).await?),
        });
    }
    Ok(match db::register_sessions::last_closed(tx, register_id).await? {
        Some(closed) => RegisterStatus {
            register_id,
            state: RegisterState::Closed,
            report: Some(report(tx, &closed).await?),
        },
        None => RegisterStatus {
            register_id,
            state: RegisterState::NeverOpened,
            report: None,
        },
    })
}

/// Where the register is, with the figures of its open (or last) session.
pub async fn status(db: &Db, actor: &Principal, register_id: i64) -> Result<RegisterStatus> {
    may_operate(actor, register_id)?;
    let mut tx = db.read().await?;
    db::sales::register(&mut tx, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    status_in(&mut tx, register_id).await
}

/// レジ開け with a float counted by denomination. A retry (same id) answers the status again.
pub async fn open(
    db: &Db,
    actor: &Principal,
    register_id: i64,
    input: &RegisterOpenInput,
) -> Result<RegisterStatus> {
    may_operate(actor, register_id)?;
    input.validated().map_err(Error::Validation)?;
    let id = input.id.to_string();
    let recorded = async |tx: &mut Tx| match db::register_sessions::get(tx, &id).await? {
        Some(existing) if existing.register_id != register_id => {
            Err(Error::Conflict("このIDは別のレジで使われています".into()))
        }
        Some(_) => status_in(tx, register_id).await.map(Some),
        None => Ok(None),
    };
    let mut tx = match once::begin(db, recorded).await? {
        Once::Replayed(status) => return Ok(status),
        Once::First(tx) => tx,
    };
    register(&mut tx, register_id, true).await?;
    let new = db::register_sessions::NewSession {
        id: &id,
        register_id,
        opened_by: actor.user_id,
        auto_opened: false,
        float_counts: &input.counts,
    };
    if !db::register_sessions::insert(&mut tx, &new, Utc::now()).await? {
        return Err(Error::Conflict(
            "このレジはすでに開いています。先にレジ締めをしてください".into(),
        ));
    }
    let status = status_in(&mut tx, register_id).await?;
    audit::record(
        &mut tx,
        actor,
        "register.open",
        "register",
        register_id,
        None::<&()>,
        status.report.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// 釣銭準備金の後入力・訂正: a council user enters the float of an open session late (one
/// opened by its first sale with ¥0) or corrects it. The session's float is replaced, so the
/// expected cash and the close use it; the session stays flagged as opened by a sale; the
/// entry is kept and audited. A closed session is refused (409); a retry (same id) is applied
/// once and answers the session's report.
pub async fn set_float(
    db: &Db,
    actor: &Principal,
    session_id: &str,
    input: &RegisterFloatInput,
) -> Result<RegisterReport> {
    // Only the council: a cashier counts the float at レジ開け, before the first sale.
    allow(actor.is_council())?;
    input.validated().map_err(Error::Validation)?;
    let id = input.id.to_string();
    let recorded = async |tx: &mut Tx| match db::register_sessions::float_entry_exists(tx, &id).await? {
        Some(other) if other != session_id => {
            Err(Error::Conflict("このIDは別のレジ締めで使われています".into()))
        }
        Some(_) => {
            let row = db::register_sessions::get(tx, session_id)
                .await?
                .ok_or(Error::NotFound("レジ締め"))?;
            report(tx, &row).await.map(Some)
        }
        None => Ok(None),
    };
    let mut tx = match once::begin(db, recorded).await? {
        Once::Replayed(report) => return Ok(report),
        Once::First(tx) => tx,
    };
    let row = db::register_sessions::get(&mut tx, session_id)
        .await?
        .ok_or(Error::NotFound("レジ締め"))?;
    register(&mut tx, row.register_id, false).await?;
    let closed = || {
        Error::Conflict(
            "このレジは締め済みです。締めた後の釣銭準備金は変更できません(調整は精算で行ってください)".into(),
        )
    };
    if row.closed_at.is_some() {
        return Err(closed());
    }
    let before = report(&mut tx, &row).await?;
    let entry = db::register_sessions::FloatEntryWrite {
        id: &id,
        session_id,
        counts: &input.counts,
        previous_total: row.float_total,
        reason: input.reason.trim(),
        by: actor.user_id,
    };
    if !db::register_sessions::set_float(&mut tx, &entry, Utc::now()).await? {
        return Err(closed());
    }
    let updated = db::register_sessions::get(&mut tx, session_id)
        .await?
        .ok_or(Error::NotFound("レジ締め"))?;
    let after = report(&mut tx, &updated).await?;
    audit::record(
        &mut tx,
        actor,
        "register.float",
        "register",
        row.register_id,
        Some(
            &serde_json::json!({"session_id": session_id, "float": before.cash.float,
            "float_counts": before.session.float_counts, "auto_opened": row.auto_opened}),
        ),
        Some(
            &serde_json::json!({"session_id": session_id, "float": after.cash.float,
            "float_counts": input.counts, "reason": input.reason.trim(), "entry_id": id}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// 出金: cash taken out of the open drawer, with a reason. Above the council's
/// `payout_approval_limit` a cashier needs a manager's approval (used once, here); a council
/// user approves their own.
pub async fn payout(
    db: &Db,
    actor: &Principal,
    register_id: i64,
    input: &PayoutInput,
) -> Result<RegisterStatus> {
    may_operate(actor, register_id)?;
    input.validated().map_err(Error::Validation)?;
    let id = input.id.to_string();
    let recorded = async |tx: &mut Tx| match db::register_sessions::payout_exists(tx, &id).await? {
        true => status_in(tx, register_id).await.map(Some),
        false => Ok(None),
    };
    let mut tx = match once::begin(db, recorded).await? {
        Once::Replayed(status) => return Ok(status),
        Once::First(tx) => tx,
    };
    register(&mut tx, register_id, false).await?;
    let open = db::register_sessions::open_session(&mut tx, register_id)
        .await?
        .ok_or_else(|| Error::Conflict("このレジは開いていません".into()))?;
    let limit = db::council::get(&mut tx)
        .await?
        .map_or(DEFAULT_PAYOUT_APPROVAL_LIMIT, |c| c.payout_approval_limit);
    if payout_needs_approval(input.amount, limit) && !actor.is_council() {
        let approval = input
            .approval_id
            .ok_or_else(|| Error::Conflict(format!("{limit}を超える出金には責任者の承認(PIN)が必要です")))?;
        let wanted = approvals::Wanted {
            action: ApprovalAction::Payout,
            sale_id: None,
            amount: Some(input.amount),
            at: Utc::now(),
        };
        approvals::consume(&mut tx, actor, approval, wanted).await?;
    }
    db::register_sessions::insert_payout(
        &mut tx,
        &id,
        &open.id,
        input.amount,
        input.reason.trim(),
        actor.user_id,
        Utc::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "register.payout",
        "register",
        register_id,
        None::<&()>,
        Some(input),
    )
    .await?;
    let status = status_in(&mut tx, register_id).await?;
    tx.commit().await?;
    Ok(status)
}

/// レジ締め: the count is stored and checked against the record; a difference needs a note.
/// The session is closed first, so no sale can slip in between the check and the close.
pub async fn close(
    db: &Db,
    actor: &Principal,
    register_id: i64,
    input: &RegisterCloseInput,
) -> Result<RegisterReport> {
    may_operate(actor, register_id)?;
    let close_id = input.id.to_string();
    let recorded = async |tx: &mut Tx| match db::register_sessions::by_close_id(tx, &close_id).await? {
        Some(done) => report(tx, &done).await.map(Some),
        None => Ok(None),
    };
    let mut tx = match once::begin(db, recorded).await? {
        Once::Replayed(report) => return Ok(report),
        Once::First(tx) => tx,
    };
    register(&mut tx, register_id, false).await?;
    let open = db::register_sessions::open_session(&mut tx, register_id)
        .await?
        .ok_or_else(|| Error::Conflict("このレジは開いていません(締め済みか、まだ開けていません)".into()))?;
    let mut count_errors = selpos_domain::validation::FieldErrors::default();
    input.counts.validate("counts", &mut count_errors);
    if !count_errors.is_empty() {
        return Err(Error::Validation(count_errors));
    }
    let closing = db::register_sessions::Close {
        session_id: &open.id,
        close_id: &close_id,
        closed_by: actor.user_id,
        counts: &input.counts,
        note: input.note.trim(),
    };
    if !db::register_sessions::close(&mut tx, &closing, Utc::now()).await? {
        return Err(Error::Conflict("このレジは締められたところです".into()));
    }
    let closed = db::register_sessions::get(&mut tx, &open.id)
        .await?
        .ok_or(Error::NotFound("レジ締め"))?;
    let report = report(&mut tx, &closed).await?;
    // Dropping the transaction undoes the close when the note is missing.
    input.validated(report.cash.expected).map_err(Error::Validation)?;
    audit::commit(
        tx,
        actor,
        "register.close",
        "register",
        register_id,
        None::<&()>,
        report,
    )
    .await
}

/// One session's report (the printed 締めレポート).
pub async fn session_report(db: &Db, actor: &Principal, session_id: &str) -> Result<RegisterReport> {
    allow(actor.is_council() || actor.role == Role::Cashier)?;
    let mut tx = db.read().await?;
    let row = db::register_sessions::get(&mut tx, session_id)
        .await?
        .ok_or(Error::NotFound("レジ締め"))?;
    may_operate(actor, row.register_id)?;
    report(&mut tx, &row).await
}

/// Every session of an event, for the council's close of the day.
pub async fn event_reports(db: &Db, actor: &Principal, event_id: i64) -> Result<Vec<RegisterReport>> {
    allow(actor.may_see_event_registers())?;
    let mut tx = db.report().await?;
    db::events::get(&mut tx, event_id)
        .await?
        .ok_or(Error::NotFound("イベント"))?;
    Ok(event_journal(&mut tx, event_id).await?.reports)
}

/// An event's journal summed: over the whole event, and per register session.
pub(crate) struct EventJournal {
    pub kinds: Vec<db::register_sessions::KindSum>,
    pub tenders: Vec<db::register_sessions::TenderSum>,
    pub reports: Vec<RegisterReport>,
}

/// Reads the event's journal once, grouped by session, and makes both the event's sums and
/// every session's report of it (a query per session made the settlement wait on each).
pub(crate) async fn event_journal(tx: &mut Tx, event_id: i64) -> Result<EventJournal> {
    let scope = db::settlement::Scope::Event(event_id);
    let kinds = db::register_sessions::kind_sums_by_session(tx, scope).await?;
    let tenders = db::register_sessions::tender_sums_by_session(tx, scope).await?;
    let of_session = |id: &str| {
        let kinds: Vec<_> = (kinds.iter())
            .filter(|k| k.session_id.as_deref() == Some(id))
            .map(|k| k.sum.clone())
            .collect();
        let tenders: Vec<_> = (tenders.iter())
            .filter(|t| t.session_id.as_deref() == Some(id))
            .map(|t| t.sum.clone())
            .collect();
        (kinds, tenders)
    };
    let rows = db::register_sessions::of_event(tx, event_id).await?;
    let mut reports = Vec::with_capacity(rows.len());
    for row in &rows {
        let (session_kinds, session_tenders) = of_session(&row.id);
        reports.push(report_of(tx, row, &session_kinds, &session_tenders).await?);
    }
    Ok(EventJournal {
        kinds: kinds.into_iter().map(|k| k.sum).collect(),
        tenders: tenders.into_iter().map(|t| t.sum).collect(),
        reports,
    })
}

/// The journal's sums over the records of `scope` (a standing shop's period), without the
/// per-session reports.
pub(crate) async fn scope_sums(
    tx: &mut Tx,
    scope: db::settlement::Scope,
) -> Result<(
    Vec<db::register_sessions::KindSum>,
    Vec<db::register_sessions::TenderSum>,
)> {
    let kinds = db::register_sessions::kind_sums_by_session(tx, scope).await?;
    let tenders = db::register_sessions::tender_sums_by_session(tx, scope).await?;
    Ok((
        kinds.into_iter().map(|k| k.sum).collect(),
        tenders.into_iter().map(|t| t.sum).collect(),
    ))
}
