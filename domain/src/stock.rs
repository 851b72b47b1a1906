//! Consignment stock (委託在庫): what a facility brought to an event, what sold, what is left.
//! Stock of a product at a location is the sum of its movements; this module names the
//! movements and reads a product's figures off their sums.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};

/// Why stock moved. Sales, refunds and voids are written by the till; the rest by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MovementKind {
    /// 搬入: delivered to the event from the facility.
    Intake,
    /// 搬出: taken back home at the end.
    Return,
    /// Moved from one event (or the SELP SHOP) to another.
    Transfer,
    /// 破損・紛失: lost or damaged.
    Loss,
    /// 在庫調整: corrected by hand.
    Adjustment,
    /// 棚卸: the difference found by counting.
    Count,
    Sale,
    Refund,
    Void,
}

impl MovementKind {
    pub const ALL: [MovementKind; 9] = [
        MovementKind::Intake,
        MovementKind::Return,
        MovementKind::Transfer,
        MovementKind::Loss,
        MovementKind::Adjustment,
        MovementKind::Count,
        MovementKind::Sale,
        MovementKind::Refund,
        MovementKind::Void,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MovementKind::Intake => "intake",
            MovementKind::Return => "return",
            MovementKind::Transfer => "transfer",
            MovementKind::Loss => "loss",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Count => "count",
            MovementKind::Sale => "sale",
            MovementKind::Refund => "refund",
            MovementKind::Void => "void",
        }
    }

    pub fn from_code(code: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            MovementKind::Intake => "搬入",
            MovementKind::Return => "搬出",
            MovementKind::Transfer => "移動",
            MovementKind::Loss => "破損・紛失",
            MovementKind::Adjustment => "在庫調整",
            MovementKind::Count => "棚卸差異",
            MovementKind::Sale => "販売",
            MovementKind::Refund => "返品",
            MovementKind::Void => "取消",
        }
    }

    /// Changes made by hand that need a manager's approval when a cashier asks.
    pub fn needs_approval(self) -> bool {
        matches!(self, MovementKind::Loss | MovementKind::Adjustment)
    }
}

/// How a product's stock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StockStatus {
    Ok,
    /// At or below the product's threshold.
    Low,
    /// 完売
    SoldOut,
    /// More sold than there was (the goods were physically sold): to be explained.
    Negative,
}

/// A product's figures at an event, from the sums of its movements by kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockFigures {
    /// Brought in: intake and transfers in.
    pub brought: i64,
    pub sold: i64,
    /// Came back by refunds and voids.
    pub refunded: i64,
    /// Taken home, or transferred out.
    pub taken_out: i64,
    /// Losses, adjustments and count differences (signed).
    pub adjusted: i64,
    /// What should be on the table now.
    pub on_hand: i64,
}

impl StockFigures {
    /// Adds the sum of one kind of movement (signed as stored: out is negative).
    pub fn add(&mut self, kind: MovementKind, sum: i64) {
        match kind {
            MovementKind::Intake => self.brought += sum,
            MovementKind::Transfer if sum > 0 => self.brought += sum,
            MovementKind::Transfer | MovementKind::Return => self.taken_out -= sum,
            MovementKind::Sale => self.sold -= sum,
            MovementKind::Refund | MovementKind::Void => self.refunded += sum,
            MovementKind::Loss | MovementKind::Adjustment | MovementKind::Count => self.adjusted += sum,
        }
        self.on_hand += sum;
    }

    pub fn status(&self, low_threshold: i64) -> StockStatus {
        match self.on_hand {
            n if n < 0 => StockStatus::Negative,
            0 if self.brought > 0 => StockStatus::SoldOut,
            n if n <= low_threshold && self.brought > 0 => StockStatus::Low,
            _ => StockStatus::Ok,
        }
    }
}

/// One product and quantity of a stock operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLineInput {
    pub product_id: i64,
    /// How many (positive). For an adjustment: the change, signed.
    pub quantity: i64,
}

/// `POST /api/v1/events/{id}/stock`: goods moved by staff. The id (made by the client) is the
/// idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockOperationInput {
    pub id: uuid::Uuid,
    /// intake, return, transfer, loss or adjustment.
    pub kind: MovementKind,
    pub facility_id: i64,
    /// For a transfer: the event (or SELP SHOP) the goods go to.
    #[serde(default)]
    pub to_event_id: Option<i64>,
    pub lines: Vec<StockLineInput>,
    /// The reason, required for losses and adjustments.
    #[serde(default)]
    pub note: String,
    /// A manager approval (stock_adjustment) when a cashier records a loss or adjustment.
    #[serde(default)]
    pub approval_id: Option<uuid::Uuid>,
}

/// A counted quantity at the close (棚卸).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLineInput {
    pub product_id: i64,
    pub counted: i64,
}

/// `POST /api/v1/events/{id}/stock/count`: what staff counted of one facility's goods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCountInput {
    pub id: uuid::Uuid,
    pub facility_id: i64,
    pub lines: Vec<CountLineInput>,
    #[serde(default)]
    pub note: String,
}

/// The most lines one stock operation may have, and the most goods one line may move.
pub const MAX_OPERATION_LINES: usize = 500;
pub const MAX_LINE_QUANTITY: i64 = 100_000;

impl StockOperationInput {
    /// Checks what can be checked without the database: a kind staff may record, a note of at
    /// most 200 characters (required for losses and adjustments), a destination for a
    /// transfer, 1 to 500 lines with sensible quantities. Returns the input with its note
    /// trimmed. Whose goods they are is checked against the event by the use case.
    pub fn validated(&self) -> Result<StockOperationInput, FieldErrors> {
        let mut e = FieldErrors::default();
        if !matches!(
            self.kind,
            MovementKind::Intake
                | MovementKind::Return
                | MovementKind::Transfer
                | MovementKind::Loss
                | MovementKind::Adjustment
        ) {
            e.add(
                "kind",
                "format",
                "搬入・搬出・移動・破損紛失・在庫調整のいずれかを指定してください",
            );
        }
        let note = self.note.trim();
        if note.chars().count() > 200 {
            e.add("note", "too_long", "メモは200文字以内にしてください");
        } else if self.kind.needs_approval() && note.is_empty() {
            e.add("note", "required", "理由を入力してください");
        }
        if self.kind == MovementKind::Transfer && self.to_event_id.is_none() {
            e.add("to_event_id", "required", "移動先のイベントを指定してください");
        }
        if self.lines.is_empty() || self.lines.len() > MAX_OPERATION_LINES {
            e.add(
                "lines",
                "out_of_range",
                format!("商品を1〜{MAX_OPERATION_LINES}行で指定してください"),
            );
        }
        for (i, line) in self.lines.iter().enumerate() {
            let valid = match self.kind {
                MovementKind::Adjustment => {
                    // `unsigned_abs`: `abs` of i64::MIN overflows.
                    line.quantity != 0 && line.quantity.unsigned_abs() <= MAX_LINE_QUANTITY.unsigned_abs()
                }
                _ => (1..=MAX_LINE_QUANTITY).contains(&line.quantity),
            };
            if !valid {
                e.add(
                    format!("lines[{i}].quantity"),
                    "out_of_range",
                    "数量が正しくありません",
                );
            }
        }
        e.into_result(StockOperationInput {
            note: note.to_string(),
            ..self.clone()
        })
    }
}

impl StockCountInput {
    /// At least one line, each count 0 to 100,000.
    pub fn validated(&self) -> Result<StockCountInput, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.lines.is_empty()
            || self.lines.len() > MAX_OPERATION_LINES
            || self
                .lines
                .iter()
                .any(|l| !(0..=MAX_LINE_QUANTITY).contains(&l.counted))
        {
            e.add("lines", "out_of_range", "数えた数を0以上で入力してください");
        }
        e.into_result(StockCountInput {
            note: self.note.trim().to_string(),
            ..self.clone()
        })
    }
}

/// One product of a facility at an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductStock {
    pub product_id: i64,
    pub facility_id: i64,
    pub name: String,
    pub price: crate::Yen,
    #[serde(flatten)]
    pub figures: StockFigures,
    /// Net sales of the product at the event so far.
    pub sales: crate::Yen,
    pub low_stock_threshold: i64,
    pub status: StockStatus,
}

/// `GET /api/v1/events/{id}/stock`: the stock of an event, by product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventStock {
    pub event_id: i64,
    pub products: Vec<ProductStock>,
    /// Products whose stock is negative: sold more than was brought, to be explained.
    pub negative: i64,
}

/// The result of a count: expected, counted and the variance written as an adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLine {
    pub product_id: i64,
    pub name: String,
    pub expected: i64,
    pub counted: i64,
    pub variance: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_add_up_to_what_is_on_hand() {
        let mut f = StockFigures::default();
        f.add(MovementKind::Intake, 20);
        f.add(MovementKind::Transfer, 5);
        f.add(MovementKind::Sale, -18);
        f.add(MovementKind::Refund, 1);
        f.add(MovementKind::Loss, -1);
        f.add(MovementKind::Transfer, -2);
        assert_eq!(
            f,
            StockFigures {
                brought: 25,
                sold: 18,
                refunded: 1,
                taken_out: 2,
                adjusted: -1,
                on_hand: 5
            }
        );
        assert_eq!(
            f.brought - f.sold + f.refunded - f.taken_out + f.adjusted,
            f.on_hand
        );
        assert_eq!(f.status(3), StockStatus::Ok);
        f.add(MovementKind::Sale, -3);
        assert_eq!(f.status(3), StockStatus::Low);
        f.add(MovementKind::Sale, -2);
        assert_eq!(f.status(3), StockStatus::SoldOut);
        f.add(MovementKind::Sale, -1);
        assert_eq!(f.status(3), StockStatus::Negative);
    }

    #[test]
    fn nothing_brought_is_not_sold_out() {
        assert_eq!(StockFigures::default().status(3), StockStatus::Ok);
    }

    #[test]
    fn stock_operations_are_checked_before_the_database() {
        let line = |product_id, quantity| StockLineInput { product_id, quantity };
        let op = StockOperationInput {
            id: uuid::Uuid::nil(),
            kind: MovementKind::Loss,
            facility_id: 1,
            to_event_id: None,
            lines: vec![line(1, 2)],
            note: "  割れ ".into(),
            approval_id: None,
        };
        assert_eq!(op.validated().expect("valid").note, "割れ");
        let bad = StockOperationInput {
            kind: MovementKind::Transfer,
            lines: vec![line(1, 0), line(2, 100_001)],
            note: String::new(),
            ..op.clone()
        };
        let fields: Vec<String> = bad
            .validated()
            .expect_err("bad")
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["to_event_id", "lines[0].quantity", "lines[1].quantity"]);
        let no_reason = StockOperationInput {
            note: " ".into(),
            ..op.clone()
        };
        assert_eq!(no_reason.validated().expect_err("reason").0[0].field, "note");
        let adjustment = StockOperationInput {
            kind: MovementKind::Adjustment,
            lines: vec![line(1, -3)],
            ..op.clone()
        };
        assert!(adjustment.validated().is_ok(), "an adjustment may take away");
        for (kind, quantity, ok) in [
            (MovementKind::Adjustment, i64::MIN, false),
            (MovementKind::Adjustment, i64::MAX, false),
            (MovementKind::Adjustment, -MAX_LINE_QUANTITY - 1, false),
            (MovementKind::Adjustment, -MAX_LINE_QUANTITY, true),
            (MovementKind::Adjustment, MAX_LINE_QUANTITY, true),
            (MovementKind::Adjustment, MAX_LINE_QUANTITY + 1, false),
            (MovementKind::Intake, i64::MIN, false),
            (MovementKind::Intake, i64::MAX, false),
            (MovementKind::Intake, MAX_LINE_QUANTITY, true),
        ] {
            let input = StockOperationInput {
                kind,
                lines: vec![line(1, quantity)],
                ..op.clone()
            };
            match input.validated() {
                Ok(_) => assert!(ok, "{kind:?} {quantity} accepted"),
                Err(e) => {
                    assert!(!ok, "{kind:?} {quantity} refused");
                    assert_eq!(e.0[0].field, "lines[0].quantity");
                    assert_eq!(e.0[0].code, "out_of_range");
                }
            }
        }
        let sale = StockOperationInput {
            kind: MovementKind::Sale,
            ..op
        };
        assert_eq!(sale.validated().expect_err("kind").0[0].field, "kind");
    }

    #[test]
    fn codes_round_trip() {
        for kind in MovementKind::ALL {
            assert_eq!(MovementKind::from_code(kind.code()), Some(kind));
        }
    }
}
