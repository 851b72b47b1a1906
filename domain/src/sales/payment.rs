//! Paying for a cart (お会計): one or more tenders, and the change.
//!
//! The tablet and the server both run this code, so the change on the screen is the change
//! recorded. Bad input gives an error, never a panic or a wrapped value.

use crate::money::Yen;
use serde::{Deserialize, Serialize};

/// How the customer pays (支払方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TenderKind {
    Cash,
    CreditCard,
    QrPayment,
    EMoney,
    /// 商品券: gives change only if the event is configured so.
    GiftVoucher,
}

impl TenderKind {
    pub const ALL: [TenderKind; 5] = [
        TenderKind::Cash,
        TenderKind::CreditCard,
        TenderKind::QrPayment,
        TenderKind::EMoney,
        TenderKind::GiftVoucher,
    ];

    pub fn label_ja(self) -> &'static str {
        match self {
            TenderKind::Cash => "現金",
            TenderKind::CreditCard => "クレジットカード",
            TenderKind::QrPayment => "QRコード決済",
            TenderKind::EMoney => "電子マネー",
            TenderKind::GiftVoucher => "商品券",
        }
    }

    /// Card, QR and e-money are charged for an exact amount: they can never give change.
    pub fn is_cashless(self) -> bool {
        matches!(
            self,
            TenderKind::CreditCard | TenderKind::QrPayment | TenderKind::EMoney
        )
    }
}

/// One payment handed over (お預り).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tender {
    pub kind: TenderKind,
    pub amount: Yen,
}

/// The outcome of paying a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// Sum of all tenders (お預り合計).
    pub paid: Yen,
    /// お釣り, always paid out of the cash drawer; never negative.
    pub change: Yen,
    /// Cash handed over by the customer.
    pub cash_received: Yen,
    /// Net cash into the drawer: `cash_received − change`. Negative when a voucher that
    /// gives change is worth more than the total plus the cash received.
    pub cash_kept: Yen,
    /// The part of vouchers above the total that gives no change (おつりの出ない商品券):
    /// kept by the council, to be booked apart from sales.
    pub voucher_surplus: Yen,
}

/// Why a payment is refused. The `Display` text is the Japanese message for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("合計金額がマイナスです（{0}）")]
    NegativeTotal(Yen),
    #[error("{}の金額は1円以上にしてください（{amount}）", .kind.label_ja())]
    TenderNotPositive { kind: TenderKind, amount: Yen },
    #[error("お預りが{short}不足しています")]
    Insufficient { short: Yen },
    #[error(
        "カード・QR・電子マネーの合計（{cashless}）がお支払残額（{due}）を超えています。キャッシュレス決済からおつりは出せません"
    )]
    CashlessExceedsDue { cashless: Yen, due: Yen },
    #[error("金額が大きすぎて計算できません")]
    Overflow,
}

impl PaymentError {
    /// Machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::NegativeTotal(_) => "negative_total",
            PaymentError::TenderNotPositive { .. } => "tender_not_positive",
            PaymentError::Insufficient { .. } => "insufficient_payment",
            PaymentError::CashlessExceedsDue { .. } => "cashless_exceeds_due",
            PaymentError::Overflow => "amount_overflow",
        }
    }
}

/// Pays `total` with split tenders. The order of the tenders does not matter: vouchers
/// are applied first (fixed denominations), then cashless tenders for an exact amount, then
/// cash, which gives the change. Vouchers give change only if `voucher_gives_change`;
/// otherwise their surplus is reported as [`Payment::voucher_surplus`].
pub fn pay(total: Yen, tenders: &[Tender], voucher_gives_change: bool) -> Result<Payment, PaymentError> {
    if total.0 < 0 {
        return Err(PaymentError::NegativeTotal(total));
    }
    if let Some(t) = tenders.iter().find(|t| t.amount.0 <= 0) {
        return Err(PaymentError::TenderNotPositive {
            kind: t.kind,
            amount: t.amount,
        });
    }
    let sum_of = |keep: fn(TenderKind) -> bool| {
        tenders
            .iter()
            .filter(|t| keep(t.kind))
            .try_fold(Yen::ZERO, |sum, t| sum.checked_add(t.amount))
            .ok_or(PaymentError::Overflow)
    };
    let vouchers = sum_of(|k| k == TenderKind::GiftVoucher)?;
    let cashless = sum_of(TenderKind::is_cashless)?;
    let cash = sum_of(|k| k == TenderKind::Cash)?;
    let paid = sum_of(|_| true)?;
    if paid < total {
        return Err(PaymentError::Insufficient {
            short: Yen(total.0 - paid.0),
        });
    }

    // Every value below lies between 0 and `paid`, so plain arithmetic cannot overflow.
    let due_after_vouchers = Yen((total.0 - vouchers.0).max(0));
    if cashless > due_after_vouchers {
        return Err(PaymentError::CashlessExceedsDue {
            cashless,
            due: due_after_vouchers,
        });
    }
    let voucher_excess = Yen((vouchers.0 - total.0).max(0));
    // `paid ≥ total` makes this non-negative.
    let cash_excess = Yen(cash.0 - (due_after_vouchers.0 - cashless.0));
    let (change, voucher_surplus) = if voucher_gives_change {
        (Yen(cash_excess.0 + voucher_excess.0), Yen::ZERO)
    } else {
        (cash_excess, voucher_excess)
    };
    Ok(Payment {
        paid,
        change,
        cash_received: cash,
        cash_kept: Yen(cash.0 - change.0),
        voucher_surplus,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tender(kind: TenderKind, amount: i64) -> Tender {
        Tender {
            kind,
            amount: Yen(amount),
        }
    }

    #[test]
    fn cash_gives_change() {
        let s = pay(Yen(2540), &[tender(TenderKind::Cash, 3000)], false).expect("should succeed");
        assert_eq!(
            s,
            Payment {
                paid: Yen(3000),
                change: Yen(460),
                cash_received: Yen(3000),
                cash_kept: Yen(2540),
                voucher_surplus: Yen(0),
            }
        );
    }

    #[test]
    fn exact_card_payment_and_split_with_cash() {
        let card = pay(Yen(1234), &[tender(TenderKind::CreditCard, 1234)], false).expect("should succeed");
        assert_eq!(
            (card.change, card.cash_received, card.cash_kept),
            (Yen(0), Yen(0), Yen(0))
        );

        // ¥600 by card, a ¥500 coin for the remaining ¥400: ¥100 change from the cash.
        let split = pay(
            Yen(1000),
            &[tender(TenderKind::Cash, 500), tender(TenderKind::QrPayment, 600)],
            false,
        )
        .expect("should succeed");
        assert_eq!(
            (split.paid, split.change, split.cash_kept),
            (Yen(1100), Yen(100), Yen(400))
        );
    }

    #[test]
    fn no_change_from_a_card() {
        let err =
            pay(Yen(1000), &[tender(TenderKind::CreditCard, 1500)], false).expect_err("should be refused");
        assert_eq!(
            err,
            PaymentError::CashlessExceedsDue {
                cashless: Yen(1500),
                due: Yen(1000)
            }
        );
        assert_eq!(err.code(), "cashless_exceeds_due");
        // E-money for the whole ¥1,000 plus a ¥500 coin: the coin is handed back, no more.
        let s = pay(
            Yen(1000),
            &[tender(TenderKind::Cash, 500), tender(TenderKind::EMoney, 1000)],
            false,
        );
        assert_eq!(s.map(|s| (s.change, s.cash_kept)), Ok((Yen(500), Yen(0))));
        // A voucher covers ¥800 of ¥1,000: at most ¥200 may go on the card.
        let err = pay(
            Yen(1000),
            &[
                tender(TenderKind::GiftVoucher, 800),
                tender(TenderKind::CreditCard, 300),
            ],
            true,
        )
        .expect_err("should be refused");
        assert_eq!(
            err,
            PaymentError::CashlessExceedsDue {
                cashless: Yen(300),
                due: Yen(200)
            }
        );
    }

    #[test]
    fn vouchers_give_change_only_when_configured() {
        let tenders = [tender(TenderKind::GiftVoucher, 1000)];
        let kept = pay(Yen(800), &tenders, false).expect("should succeed");
        assert_eq!(
            (kept.change, kept.voucher_surplus, kept.cash_kept),
            (Yen(0), Yen(200), Yen(0))
        );
        let returned = pay(Yen(800), &tenders, true).expect("should succeed");
        assert_eq!((returned.change, returned.voucher_surplus), (Yen(200), Yen(0)));
        // The change comes out of the drawer although no cash came in.
        assert_eq!(returned.cash_kept, Yen(-200));

        // Voucher ¥1,000 + cash ¥500 for ¥1,200: the voucher is used up, the cash gives ¥300.
        let mixed = pay(
            Yen(1200),
            &[
                tender(TenderKind::Cash, 500),
                tender(TenderKind::GiftVoucher, 1000),
            ],
            false,
        )
        .expect("should succeed");
        assert_eq!(
            (mixed.change, mixed.voucher_surplus, mixed.cash_kept),
            (Yen(300), Yen(0), Yen(200))
        );
    }

    #[test]
    fn payments_are_validated() {
        let short = pay(
            Yen(1000),
            &[tender(TenderKind::Cash, 600), tender(TenderKind::CreditCard, 300)],
            false,
        )
        .expect_err("should be refused");
        assert_eq!(short, PaymentError::Insufficient { short: Yen(100) });
        assert_eq!(short.to_string(), "お預りが¥100不足しています");
        assert_eq!(
            pay(Yen(500), &[], false).expect_err("should be refused").code(),
            "insufficient_payment"
        );

        let zero = pay(Yen(500), &[tender(TenderKind::Cash, 0)], false).expect_err("should be refused");
        assert_eq!(zero.code(), "tender_not_positive");
        assert_eq!(zero.to_string(), "現金の金額は1円以上にしてください（¥0）");
        let negative = pay(
            Yen(500),
            &[tender(TenderKind::Cash, 1000), tender(TenderKind::EMoney, -500)],
            false,
        );
        assert_eq!(
            negative.expect_err("should be refused").code(),
            "tender_not_positive"
        );

        assert_eq!(
            pay(Yen(-1), &[], false).expect_err("should be refused").code(),
            "negative_total"
        );
        let overflow = pay(
            Yen(1),
            &[tender(TenderKind::Cash, i64::MAX), tender(TenderKind::Cash, 1)],
            false,
        );
        assert_eq!(overflow, Err(PaymentError::Overflow));
    }

    #[test]
    fn a_free_cart_needs_no_tender() {
        let s = pay(Yen(0), &[], false).expect("should succeed");
        assert_eq!(s, Payment::default());
    }

    #[test]
    fn change_is_never_negative() {
        let kinds = TenderKind::ALL;
        for total in [0, 1, 999, 1000, 5432] {
            for (i, a) in kinds.iter().enumerate() {
                for b in &kinds[i..] {
                    for amounts in [(1, 1), (500, 700), (1000, 4432), (5000, 1)] {
                        let tenders = [tender(*a, amounts.0), tender(*b, amounts.1)];
                        for gives_change in [false, true] {
                            if let Ok(s) = pay(Yen(total), &tenders, gives_change) {
                                assert!(s.change.0 >= 0, "{tenders:?}");
                                assert_eq!(s.paid.0 - s.change.0 - s.voucher_surplus.0, total, "{tenders:?}");
                                assert!(s.change <= s.cash_received || gives_change, "{tenders:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn tender_kinds_serialise_as_codes() {
        let kinds: Vec<String> = TenderKind::ALL
            .iter()
            .map(|k| {
                serde_json::to_value(k)
                    .expect("should succeed")
                    .as_str()
                    .expect("should succeed")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kinds,
            ["cash", "credit_card", "qr_payment", "e_money", "gift_voucher"]
        );
    }
}
