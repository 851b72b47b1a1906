//! Exactly once. A request that moves money or stock carries an id the client made (UUID v7),
//! and a retry — after a timeout, a dropped connection, a second tab — must get the first
//! answer and change nothing. Such a use case opens its write transaction with [`begin`],
//! which asks whether the id is recorded: if it is, the transaction ends unwritten and the
//! stored answer is returned instead. Two copies racing past the check meet the database's
//! unique key on the id: the later insert finds the row and answers as a replay too.

use crate::db::{Db, Tx};
use crate::error::Result;

pub enum Once<T> {
    /// The request was recorded before: its stored answer.
    Replayed(T),
    /// The request is new: the write transaction to record it in.
    First(Tx),
}

/// Opens a write transaction and looks for the request in it: `recorded` answers `Some` with
/// what a replay returns, `None` for a new request.
pub async fn begin<T>(db: &Db, recorded: impl AsyncFnOnce(&mut Tx) -> Result<Option<T>>) -> Result<Once<T>> {
    let mut tx = db.write().await?;
    Ok(match recorded(&mut tx).await? {
        Some(answer) => {
            // On SQLite the record may be an earlier member's of this write group, not yet on
            // disk: the replay is answered once it is (`rollback` waits for the group).
            tx.rollback().await?;
            Once::Replayed(answer)
        }
        None => Once::First(tx),
    })
}
