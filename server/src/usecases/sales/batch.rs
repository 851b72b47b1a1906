//! 一括送信: a till's queued sales in one request. Each sale goes through the same two steps
//! as one sent alone ([`super::prepare`], [`super::write_sale`]) and gets its own answer;
//! what changes is how they share the work:
//!
//! - sales are priced a few at a time (each in a read snapshot of its own), the next sales
//!   while the ones before them are written;
//! - up to [`WRITTEN_TOGETHER`] sales are written in one write transaction, in the batch's
//!   order (so their receipt numbers follow it), each in a savepoint of its own: a refused or
//!   failed sale takes only its own writes away, and one commit (one fsync) makes them all
//!   durable. A crash before it leaves none of them; the ones before are whole sales.
//!
//! A sale whose id came earlier in the batch is no second sale: it is answered as the first
//! was (a recorded first makes it a replay), never written.

use super::{Prepared, ReplayOf, SaleToWrite, Written, check_replay, prepare, write_sale};
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::allow;
use futures_util::{StreamExt, stream};
use selpos_domain::access::Principal;
use selpos_domain::sales::batch::repeats;
use selpos_domain::sales::{Sale, SaleInput};

/// How many sales of a batch are priced at once, each on a read connection of its own (the
/// tills and reports keep the others).
const PRICED_AT_ONCE: usize = 4;

/// Sales written in one transaction. Each holds the database's write turn for all of them
/// (on SQLite the file's, on PostgreSQL its register's receipt counter): a few milliseconds,
/// which the other tills' sales wait at most; and 1,000 sales cost 20 commits, not 1,000.
const WRITTEN_TOGETHER: usize = 50;

/// What became of one sale of a batch.
#[derive(Debug)]
pub enum BatchAnswer {
    /// Its own answer: the sale and whether this request recorded it, or why it was not.
    Own(Box<Result<(Sale, bool)>>),
    /// The answer of the batch's sale at this position applies to it too: it repeats that
    /// sale's id, or was written in the same transaction, which failed with that sale's error.
    SharedWith(usize),
}

impl BatchAnswer {
    fn own(answer: Result<(Sale, bool)>) -> BatchAnswer {
        BatchAnswer::Own(Box::new(answer))
    }
}

/// Records the sales of a batch, each once, all or nothing on its own. Answers one
/// [`BatchAnswer`] per sale, in order; the batch as a whole is refused only when the caller
/// may sell on no register (a tablet of a register is needed, as for one sale).
pub async fn record_batch(db: &Db, actor: &Principal, sales: &[SaleInput]) -> Result<Vec<BatchAnswer>> {
    allow(actor.register_id.is_some_and(|r| actor.may_sell_on(r)))?;
    let ids: Vec<_> = sales.iter().map(|s| Some(s.id)).collect();
    let repeated = repeats(&ids);
    let mut answers: Vec<Option<BatchAnswer>> =
        repeated.iter().map(|r| r.map(BatchAnswer::SharedWith)).collect();
    let firsts: Vec<usize> = (0..sales.len()).filter(|&i| repeated[i].is_none()).collect();
    let chunks: Vec<&[usize]> = firsts.chunks(WRITTEN_TOGETHER).collect();

    let mut prepared = prepare_all(db, actor, sales, chunks.first().copied().unwrap_or_default()).await;
    for k in 0..chunks.len() {
        let next = chunks.get(k + 1).copied().unwrap_or_default();
        let (written, following) = tokio::join!(
            write_chunk(db, actor, std::mem::take(&mut prepared)),
            prepare_all(db, actor, sales, next)
        );
        for (i, answer) in written {
            answers[i] = Some(answer);
        }
        prepared = following;
    }
    Ok(answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| {
                BatchAnswer::own(Err(Error::Internal(
                    "a sale of a batch was left unanswered".into(),
                )))
            })
        })
        .collect())
}

/// The read step of the sales at positions `indices`, a few at a time, in order.
async fn prepare_all(
    db: &Db,
    actor: &Principal,
    sales: &[SaleInput],
    indices: &[usize],
) -> Vec<(usize, Result<Prepared>)> {
    stream::iter(indices.iter().copied())
        .map(|i| async move { (i, prepare(db, actor, &sales[i]).await) })
        .buffered(PRICED_AT_ONCE)
        .collect()
        .await
}

/// Answers the sales of one chunk: refusals and replays as their read step found them, and
/// the new sales written together.
async fn write_chunk(
    db: &Db,
    actor: &Principal,
    prepared: Vec<(usize, Result<Prepared>)>,
) -> Vec<(usize, BatchAnswer)> {
    let mut answers = Vec::with_capacity(prepared.len());
    let mut new = Vec::new();
    for (i, step) in prepared {
        match step {
            Ok(Prepared::New(sale)) => new.push((i, sale)),
            Ok(Prepared::Replay(sale)) => answers.push((i, BatchAnswer::own(Ok((sale, false))))),
            Err(e) => answers.push((i, BatchAnswer::own(Err(e)))),
        }
    }
    let Some(&(first, _)) = new.first() else {
        return answers;
    };
    let positions: Vec<usize> = new.iter().map(|(i, _)| *i).collect();
    match write_together(db, actor, new).await {
        Ok(written) => answers.extend(written),
        // Nothing of the transaction was kept: every sale in it is sent again later.
        Err(e) => {
            answers.push((first, BatchAnswer::own(Err(e))));
            answers.extend(
                positions[1..]
                    .iter()
                    .map(|&i| (i, BatchAnswer::SharedWith(first))),
            );
        }
    }
    answers
}

/// Writes `sales` in one write transaction, each in a savepoint of its own; their answers hold
/// once it is committed (an error: none of them is recorded).
async fn write_together(
    db: &Db,
    actor: &Principal,
    sales: Vec<(usize, SaleToWrite)>,
) -> Result<Vec<(usize, BatchAnswer)>> {
    let mut tx = db.write().await?;
    let mut answers = Vec::with_capacity(sales.len());
    for (i, sale) in sales {
        let (id, this) = (sale.id.clone(), sale.replay_of());
        tx.begin_part().await?;
        let answer = match write_sale(&mut tx, actor, sale).await {
            Ok(Written::Recorded(sale)) => {
                tx.release_part().await?;
                Ok((*sale, true))
            }
            Ok(Written::AlreadyStored) => {
                tx.undo_part().await?;
                stored_in(&mut tx, actor, &id, this)
                    .await
                    .map(|sale| (sale, false))
            }
            Err(e) => {
                tx.undo_part().await?;
                Err(e)
            }
        };
        answers.push((i, BatchAnswer::own(answer)));
    }
    tx.commit().await?;
    Ok(answers)
}

/// The record stored under `id`, read in `tx` (it may be one this transaction's group wrote:
/// it is answered once `tx` is committed), if it is the replay the request may see.
async fn stored_in(tx: &mut Tx, actor: &Principal, id: &str, of: ReplayOf) -> Result<Sale> {
    let sale = db::sales::load(tx, id).await?.ok_or(Error::NotFound("売上"))?;
    check_replay(actor, &sale, of)?;
    Ok(sale)
}
