//! 一括送信: a till catching up after an outage sends its queued sales in one request
//! (`POST /api/v1/sales/batch`) instead of one round trip each. Every sale in it is still a
//! request of its own: recorded once by its id, all or nothing, and answered on its own —
//! recorded, a replay of what was recorded before, or refused with its reason — in the
//! request's order, so one bad sale never holds up the others.

use super::{Sale, SaleInput};
use crate::validation::{ErrorDetail, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// At most this many sales in one batch: a few minutes of a busy till's queue, small enough
/// for one request to be answered well within the server's 30 s.
pub const MAX_BATCH_SALES: usize = 500;

/// `POST /api/v1/sales/batch`: queued sales, oldest first, each as `POST /api/v1/sales` takes
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleBatchInput {
    /// 1 to 500 sales. The same id twice is one sale: the later copies are answered as
    /// replays of the first and never recorded again.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub sales: Vec<SaleInput>,
}

/// A batch holds 1 to [`MAX_BATCH_SALES`] sales (422 on `sales` otherwise).
pub fn check_batch_len(len: usize) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    if len == 0 || len > MAX_BATCH_SALES {
        e.add(
            "sales",
            "out_of_range",
            format!("一度に送れる売上は1〜{MAX_BATCH_SALES}件です"),
        );
    }
    e.into_result(())
}

impl SaleBatchInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        check_batch_len(self.sales.len())
    }
}

/// For each sale of a batch (by its id, `None` when it has none that could be read), the
/// position of an earlier sale with the same id: that one is the sale, this a copy of it.
pub fn repeats(ids: &[Option<Uuid>]) -> Vec<Option<usize>> {
    let mut first: HashMap<Uuid, usize> = HashMap::with_capacity(ids.len());
    ids.iter()
        .enumerate()
        .map(|(i, id)| match first.entry((*id)?) {
            Entry::Occupied(seen) => Some(*seen.get()),
            Entry::Vacant(new) => {
                new.insert(i);
                None
            }
        })
        .collect()
}

/// `POST /api/v1/sales/batch` answers 200 with one result per sale, in the request's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleBatchAnswer {
    pub results: Vec<SaleBatchResult>,
}

/// What became of one sale of a batch. `http_status` is what `POST /api/v1/sales` would have
/// answered for it alone, so a till treats each sale as it treats a single answer (the rule
/// of `domain::sync::outcome`: 2xx forget it, 4xx park it, 5xx send it again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SaleBatchResult {
    /// Recorded by this request (201 alone): the sale as stored.
    Recorded {
        id: Uuid,
        #[cfg_attr(feature = "openapi", schema(minimum = 201, maximum = 201))]
        http_status: u16,
        sale: Sale,
    },
    /// Recorded before, by an earlier request or earlier in this batch (200 alone): the sale
    /// as it was stored then.
    Replay {
        id: Uuid,
        #[cfg_attr(feature = "openapi", schema(minimum = 200, maximum = 200))]
        http_status: u16,
        sale: Sale,
    },
    /// Refused (4xx alone, with the error's code, message and fields): nothing was written; a
    /// till parks it for staff. `id` is null when the entry had no readable id.
    Refused {
        #[cfg_attr(feature = "openapi", schema(required = true))]
        id: Option<Uuid>,
        #[cfg_attr(feature = "openapi", schema(minimum = 400, maximum = 499))]
        http_status: u16,
        error: ErrorDetail,
    },
    /// Not recorded now (5xx alone: the server failed): send it again later.
    Failed {
        #[cfg_attr(feature = "openapi", schema(required = true))]
        id: Option<Uuid>,
        #[cfg_attr(feature = "openapi", schema(minimum = 500, maximum = 599))]
        http_status: u16,
        error: ErrorDetail,
    },
}

/// [`SaleBatchAnswer`] as a till reads it: the same JSON, each result a [`SaleBatchReply`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SaleBatchReplies {
    pub results: Vec<SaleBatchReply>,
}

/// One [`SaleBatchResult`] read as a flat record, its `status` a plain string. Reading the
/// internally tagged enum itself makes serde buffer each result and build a second decoder for
/// the whole sale, about 5% of the till's WASM for the same information.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SaleBatchReply {
    /// `recorded`, `replay`, `refused` or `failed`.
    pub status: String,
    pub id: Option<Uuid>,
    pub http_status: u16,
    /// The sale as stored (recorded, replay).
    #[serde(default)]
    pub sale: Option<Sale>,
    /// Why it was not recorded (refused, failed).
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

impl SaleBatchReply {
    /// The answer `POST /api/v1/sales` would have given for this sale alone: its status, and
    /// the sale when recorded (2xx) or the error otherwise. `None` when the reply does not
    /// hold what its status says it holds (no answer to act on).
    pub fn into_single(self) -> Option<(u16, Result<Sale, ErrorDetail>)> {
        match (self.http_status, self.sale, self.error) {
            (200..=299, Some(sale), _) => Some((self.http_status, Ok(sale))),
            (400..=599, _, Some(error)) => Some((self.http_status, Err(error))),
            _ => None,
        }
    }
}

impl SaleBatchResult {
    /// The sale the server holds: a recorded sale or a replay.
    pub fn recorded(sale: Sale, created: bool) -> SaleBatchResult {
        let id = sale.id;
        if created {
            SaleBatchResult::Recorded {
                id,
                http_status: 201,
                sale,
            }
        } else {
            SaleBatchResult::Replay {
                id,
                http_status: 200,
                sale,
            }
        }
    }

    /// The answer to a sale the server did not record: refused when the request was at
    /// fault (4xx), failed otherwise.
    pub fn not_recorded(id: Option<Uuid>, http_status: u16, error: ErrorDetail) -> SaleBatchResult {
        if (400..500).contains(&http_status) {
            SaleBatchResult::Refused {
                id,
                http_status,
                error,
            }
        } else {
            SaleBatchResult::Failed {
                id,
                http_status,
                error,
            }
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        match self {
            SaleBatchResult::Recorded { id, .. } | SaleBatchResult::Replay { id, .. } => Some(*id),
            SaleBatchResult::Refused { id, .. } | SaleBatchResult::Failed { id, .. } => *id,
        }
    }

    /// The status `POST /api/v1/sales` would have answered for this sale alone.
    pub fn http_status(&self) -> u16 {
        match self {
            SaleBatchResult::Recorded { http_status, .. }
            | SaleBatchResult::Replay { http_status, .. }
            | SaleBatchResult::Refused { http_status, .. }
            | SaleBatchResult::Failed { http_status, .. } => *http_status,
        }
    }

    /// What another sale of the batch with id `id` is answered when its fate is this one's:
    /// a later copy of a recorded sale is its replay; a sale whose write failed with this one
    /// failed too.
    pub fn shared_with(&self, id: Option<Uuid>) -> SaleBatchResult {
        match self {
            SaleBatchResult::Recorded { sale, .. } | SaleBatchResult::Replay { sale, .. } => {
                SaleBatchResult::recorded(sale.clone(), false)
            }
            SaleBatchResult::Refused {
                http_status, error, ..
            }
            | SaleBatchResult::Failed {
                http_status, error, ..
            } => SaleBatchResult::not_recorded(id, *http_status, error.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::field_codes;

    #[test]
    fn a_batch_holds_one_to_five_hundred_sales() {
        assert!(check_batch_len(1).is_ok());
        assert!(check_batch_len(MAX_BATCH_SALES).is_ok());
        for len in [0, MAX_BATCH_SALES + 1, usize::MAX] {
            let refused = check_batch_len(len).expect_err("refused");
            assert_eq!(
                field_codes(refused),
                [("sales".to_string(), "out_of_range".to_string())],
                "{len}"
            );
        }
    }

    #[test]
    fn a_repeated_id_points_at_its_first_sale() {
        let [a, b, c] = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        assert_eq!(
            repeats(&[Some(a), Some(b), Some(a), None, Some(c), Some(b), Some(a), None]),
            [None, None, Some(0), None, None, Some(1), Some(0), None]
        );
        assert!(repeats(&[]).is_empty());
    }

    #[test]
    fn a_till_reads_every_result_as_a_flat_reply() {
        let sale: Sale = serde_json::from_value(serde_json::json!({
            "id": "018f0000-0000-7000-8000-000000000001", "kind": "sale", "event_id": 1, "register_id": 2,
            "receipt_number": "HB-R2-0001", "local_number": "", "cashier_login": "c",
            "sold_at": "2026-11-28T01:00:00Z", "recorded_at": "2026-11-28T01:00:01Z", "original_sale_id": null,
            "lines": [], "tenders": [], "by_rate": [], "non_invoice_total": 0, "total": 0, "change": 0,
            "voucher_surplus": 0, "late": false, "voided": false, "reason": ""
        }))
        .expect("a sale");
        let read = |result: &SaleBatchResult| -> SaleBatchReply {
            serde_json::from_value(serde_json::to_value(result).expect("json")).expect("a reply")
        };
        for created in [true, false] {
            let reply = read(&SaleBatchResult::recorded(sale.clone(), created));
            assert_eq!(reply.id, Some(sale.id));
            assert_eq!(reply.status, if created { "recorded" } else { "replay" });
            assert_eq!(
                reply.into_single(),
                Some((if created { 201 } else { 200 }, Ok(sale.clone())))
            );
        }
        for (status, word) in [(422, "refused"), (503, "failed")] {
            let reply = read(&SaleBatchResult::not_recorded(None, status, error("x")));
            assert_eq!((reply.status.as_str(), reply.id), (word, None));
            assert_eq!(reply.into_single(), Some((status, Err(error("x")))));
        }
        let answer: SaleBatchReplies = serde_json::from_value(
            serde_json::to_value(SaleBatchAnswer {
                results: vec![SaleBatchResult::recorded(sale.clone(), true)],
            })
            .expect("json"),
        )
        .expect("replies");
        assert_eq!(answer.results.len(), 1);
        // A reply without what its status promises is no answer.
        let odd: SaleBatchReply =
            serde_json::from_value(serde_json::json!({"status": "recorded", "id": null, "http_status": 201}))
                .expect("reads");
        assert_eq!(odd.into_single(), None);
    }

    fn error(code: &str) -> ErrorDetail {
        ErrorDetail {
            code: code.into(),
            message: "x".into(),
            fields: vec![],
        }
    }

    #[test]
    fn statuses_say_refused_or_failed_and_copies_are_replays() {
        let id = Some(Uuid::now_v7());
        assert!(matches!(
            SaleBatchResult::not_recorded(id, 422, error("validation")),
            SaleBatchResult::Refused { http_status: 422, .. }
        ));
        assert!(matches!(
            SaleBatchResult::not_recorded(id, 500, error("internal")),
            SaleBatchResult::Failed { http_status: 500, .. }
        ));
        let other = Some(Uuid::now_v7());
        let failed = SaleBatchResult::not_recorded(id, 503, error("internal")).shared_with(other);
        assert_eq!(failed.id(), other, "a shared failure names its own sale");
        assert_eq!(failed.http_status(), 503);
    }

    #[test]
    fn the_answer_reads_as_the_api_documents_it() {
        let refused = SaleBatchResult::not_recorded(None, 409, error("id_in_use"));
        let json = serde_json::to_value(&refused).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"status": "refused", "id": null, "http_status": 409,
                "error": {"code": "id_in_use", "message": "x"}})
        );
        let back: SaleBatchResult = serde_json::from_value(json).expect("read back");
        assert_eq!(back, refused);
    }
}
