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
    /// The sale the approval is for: the sale voided or refunded, or for a price override the
    /// sale being rung up (its id is made on the tablet when the cart starts). Required for
    /// those three actions; an approval is used only by that sale.
    #[serde(default)]
    pub sale_id: Option<uuid::Uuid>,
    /// For a payout (出金): the most it may take out of the drawer. Required there, and only
    /// there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::Yen>,
}

impl ApprovalAction {
    /// Whether an approval of this action names the sale it is for.
    pub fn names_a_sale(self) -> bool {
        matches!(
            self,
            ApprovalAction::Void | ApprovalAction::Refund | ApprovalAction::PriceOverride
        )
    }
}

impl ApprovalInput {
    pub fn validated(&self) -> Result<(), crate::validation::FieldErrors> {
        let mut e = crate::validation::FieldErrors::default();
        if self.action.names_a_sale() && self.sale_id.is_none() {
            e.add(
                "sale_id",
                "required",
                format!("{}の承認には対象の売上を指定してください", self.action.label_ja()),
            );
        }
        if !self.action.names_a_sale() && self.sale_id.is_some() {
            e.add("sale_id", "not_allowed", "この承認には売上を指定できません");
        }
        match (self.action, self.amount) {
            (ApprovalAction::Payout, None) => {
                e.add("amount", "required", "出金の承認には金額を指定してください");
            }
            (ApprovalAction::Payout, Some(amount)) if amount.0 <= 0 => {
                e.add("amount", "out_of_range", "金額は1円以上で入力してください");
            }
            (ApprovalAction::Payout, Some(_)) | (_, None) => {}
            (_, Some(_)) => e.add("amount", "not_allowed", "この承認には金額を指定できません"),
        }
        if let Err(sizes) = crate::users::check_sign_in(
            "approver_login",
            &self.approver_login,
            "pin",
            &self.pin,
            crate::users::MAX_PIN_CHARS,
        ) {
            e.0.extend(sizes.0);
        }
        if self.reason.chars().count() > 200 {
            e.add("reason", "too_long", "理由は200文字以内で入力してください");
        }
        e.into_result(())
    }
}

/// A granted approval: single use, valid for a few minutes, for the action it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: uuid::Uuid,
    pub action: ApprovalAction,
    pub approver_login: String,
    /// The sale it is for, when the action names one.
    #[serde(default)]
    pub sale_id: Option<uuid::Uuid>,
    /// The most a payout it approves may take out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::Yen>,
    pub expires_at: DateTime<Utc>,
}

/// A stored approval, as the action that would use it finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedApproval {
    pub action: ApprovalAction,
    pub requested_by: i64,
    pub register_id: Option<i64>,
    pub sale_id: Option<uuid::Uuid>,
    pub amount: Option<crate::Yen>,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

/// What an action asks of the approval it presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalUse {
    pub action: ApprovalAction,
    /// The user presenting it: the cashier it was granted to.
    pub user_id: i64,
    /// The register the action is made at.
    pub register_id: Option<i64>,
    /// The sale it acts on (for voids, refunds and price overrides).
    pub sale_id: Option<uuid::Uuid>,
    /// The amount it moves (for payouts).
    pub amount: Option<crate::Yen>,
    pub at: DateTime<Utc>,
}

/// Why a presented approval does not cover the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    #[error("{0}の承認が見つかりません。責任者のPINをもう一度入力してください")]
    Missing(&'static str),
    #[error("{0}の承認の期限が切れています。責任者のPINをもう一度入力してください")]
    Expired(&'static str),
    #[error("この承認はすでに使われています。責任者のPINをもう一度入力してください")]
    Used,
    #[error("この承認は{granted}のためのもので、{asked}には使えません")]
    OtherAction {
        granted: &'static str,
        asked: &'static str,
    },
    #[error("この承認は別の売上のためのものです。この売上で責任者のPINをもう一度入力してください")]
    OtherSale,
    #[error("この承認は別のレジで出されたものです")]
    OtherRegister,
    #[error("この承認は別の担当者に出されたものです")]
    OtherUser,
    #[error("この承認は{0}までの出金のためのものです。金額を確かめて、責任者のPINをもう一度入力してください")]
    OverAmount(crate::Yen),
}

impl ApprovalRefusal {
    /// A machine-readable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            ApprovalRefusal::Missing(_) => "approval_missing",
            ApprovalRefusal::Expired(_) => "approval_expired",
            ApprovalRefusal::Used => "approval_used",
            ApprovalRefusal::OtherAction { .. } => "approval_other_action",
            ApprovalRefusal::OtherSale => "approval_other_sale",
            ApprovalRefusal::OtherRegister => "approval_other_register",
            ApprovalRefusal::OtherUser => "approval_other_user",
            ApprovalRefusal::OverAmount(_) => "approval_over_amount",
        }
    }
}

/// Whether `granted` covers `wanted`: the same action, by the user it was granted to, at the
/// register it was granted at, for the sale it names, unused and within its lifetime.
pub fn check_use(granted: Option<&GrantedApproval>, wanted: &ApprovalUse) -> Result<(), ApprovalRefusal> {
    let asked = wanted.action.label_ja();
    let Some(g) = granted else {
        return Err(ApprovalRefusal::Missing(asked));
    };
    if g.action != wanted.action {
        return Err(ApprovalRefusal::OtherAction {
            granted: g.action.label_ja(),
            asked,
        });
    }
    if g.requested_by != wanted.user_id {
        return Err(ApprovalRefusal::OtherUser);
    }
    if g.register_id != wanted.register_id {
        return Err(ApprovalRefusal::OtherRegister);
    }
    if g.action.names_a_sale() && g.sale_id != wanted.sale_id {
        return Err(ApprovalRefusal::OtherSale);
    }
    if let Some(limit) = g.amount
        && wanted.amount.is_none_or(|a| a > limit)
    {
        return Err(ApprovalRefusal::OverAmount(limit));
    }
    if g.used {
        return Err(ApprovalRefusal::Used);
    }
    if g.expires_at <= wanted.at {
        return Err(ApprovalRefusal::Expired(asked));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn granted() -> GrantedApproval {
        GrantedApproval {
            action: ApprovalAction::Void,
            requested_by: 7,
            register_id: Some(3),
            sale_id: Some(uuid::Uuid::from_u128(1)),
            amount: None,
            expires_at: Utc::now() + Duration::minutes(5),
            used: false,
        }
    }

    fn wanted() -> ApprovalUse {
        ApprovalUse {
            action: ApprovalAction::Void,
            user_id: 7,
            register_id: Some(3),
            sale_id: Some(uuid::Uuid::from_u128(1)),
            amount: None,
            at: Utc::now(),
        }
    }

    #[test]
    fn an_approval_covers_only_what_it_names() {
        assert_eq!(check_use(Some(&granted()), &wanted()), Ok(()));
        let cases: [(ApprovalUse, ApprovalRefusal); 4] = [
            (
                ApprovalUse {
                    sale_id: Some(uuid::Uuid::from_u128(2)),
                    ..wanted()
                },
                ApprovalRefusal::OtherSale,
            ),
            (
                ApprovalUse {
                    register_id: Some(4),
                    ..wanted()
                },
                ApprovalRefusal::OtherRegister,
            ),
            (
                ApprovalUse {
                    user_id: 8,
                    ..wanted()
                },
                ApprovalRefusal::OtherUser,
            ),
            (
                ApprovalUse {
                    action: ApprovalAction::Refund,
                    ..wanted()
                },
                ApprovalRefusal::OtherAction {
                    granted: "取消",
                    asked: "返品",
                },
            ),
        ];
        for (asked, refusal) in cases {
            assert_eq!(check_use(Some(&granted()), &asked), Err(refusal));
        }
    }

    #[test]
    fn a_payout_approval_covers_up_to_its_amount() {
        let granted = GrantedApproval {
            action: ApprovalAction::Payout,
            sale_id: None,
            amount: Some(crate::Yen(6_000)),
            ..granted()
        };
        let payout = |amount| ApprovalUse {
            action: ApprovalAction::Payout,
            sale_id: None,
            amount: Some(crate::Yen(amount)),
            ..wanted()
        };
        assert_eq!(check_use(Some(&granted), &payout(6_000)), Ok(()));
        assert_eq!(check_use(Some(&granted), &payout(5_000)), Ok(()));
        assert_eq!(
            check_use(Some(&granted), &payout(6_001)),
            Err(ApprovalRefusal::OverAmount(crate::Yen(6_000)))
        );
    }

    #[test]
    fn an_approval_is_used_once_and_expires() {
        let used = GrantedApproval {
            used: true,
            ..granted()
        };
        assert_eq!(check_use(Some(&used), &wanted()), Err(ApprovalRefusal::Used));
        let late = ApprovalUse {
            at: Utc::now() + Duration::minutes(6),
            ..wanted()
        };
        assert_eq!(
            check_use(Some(&granted()), &late),
            Err(ApprovalRefusal::Expired("取消"))
        );
        assert_eq!(check_use(None, &wanted()), Err(ApprovalRefusal::Missing("取消")));
    }

    #[test]
    fn voids_refunds_and_overrides_name_their_sale() {
        let input = |action, sale_id| ApprovalInput {
            action,
            approver_login: "admin".into(),
            pin: "1234".into(),
            reason: String::new(),
            sale_id,
            amount: None,
        };
        assert!(input(ApprovalAction::Void, None).validated().is_err());
        assert!(input(ApprovalAction::PriceOverride, None).validated().is_err());
        assert!(
            input(ApprovalAction::Refund, Some(uuid::Uuid::from_u128(1)))
                .validated()
                .is_ok()
        );
        assert!(input(ApprovalAction::StockAdjustment, None).validated().is_ok());
        assert!(
            input(ApprovalAction::StockAdjustment, Some(uuid::Uuid::from_u128(1)))
                .validated()
                .is_err()
        );
        let payout = |amount: Option<i64>| ApprovalInput {
            amount: amount.map(crate::Yen),
            ..input(ApprovalAction::Payout, None)
        };
        assert!(payout(Some(6_000)).validated().is_ok());
        assert!(
            payout(None).validated().is_err(),
            "a payout approval names its amount"
        );
        assert!(payout(Some(0)).validated().is_err());
    }
}
