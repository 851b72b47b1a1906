//! Consignment stock (委託在庫): what a facility brought to an event, what sold, what is left.
//! Stock of a product at a location is the sum of its movements; this module names the
//! movements and reads a product's figures off their sums.

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
    fn codes_round_trip() {
        for kind in MovementKind::ALL {
            assert_eq!(MovementKind::from_code(kind.code()), Some(kind));
        }
    }
}
