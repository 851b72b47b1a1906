//! A manager's approval on the spot (voids, refunds, price overrides, stock adjustments,
//! payouts above the council's limit).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a manager approves on the spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalAction {
    /// 取消: void a sale just made.
    Void,
    /// 返品: refund items of an earlier sale.
    Refund,
    /// 売価変更: sell below or above the list price.
    PriceOverride,
    /// 在庫調整: adjust stock by hand.
    StockAdjustment,
    /// 出金: cash taken out of the drawer above the council's limit.
    Payout,
}

impl ApprovalAction {
    pub const ALL: [ApprovalAction; 5] = [
        ApprovalAction::Void,
        ApprovalAction::Refund,
        ApprovalAction::PriceOverride,
        ApprovalAction::StockAdjustment,
        ApprovalAction::Payout,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApprovalAction::Void => "void",
            ApprovalAction::Refund => "refund",
            ApprovalAction::PriceOverride => "price_override",
            ApprovalAction::StockAdjustment => "stock_adjustment",
            ApprovalAction::Payout => "payout",
        }
    }

    pub fn from_code(code: &str) -> Option<ApprovalAction> {
        ApprovalAction::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ApprovalAction::Void => "取消",
            ApprovalAction::Refund => "返品",
            ApprovalAction::PriceOverride => "売価変更",
            ApprovalAction::StockAdjustment => "在庫調整",
            ApprovalAction::Payout => "出金",
        }
    }
}

/// `POST /api/v1/approvals`: a council user enters their PIN on the cashier's tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalInput {
    pub action: ApprovalAction,
    pub approver_login: String,
    pub pin: String,
    /// What is being approved, in words (e.g. the receipt number).
    #[serde(default)]
    pub reason: String,
}

/// A granted approval: single use, valid for a few minutes, for the action it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: uuid::Uuid,
    pub action: ApprovalAction,
    pub approver_login: String,
    pub expires_at: DateTime<Utc>,
}
