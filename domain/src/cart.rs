//! The cart (お会計): line amounts with discounts (値引き), totals per tax rate for the
//! simplified qualified invoice, and settling the total with one or more tenders.
//!
//! The tablet and the server both run this code, so the figure on the screen is the figure
//! recorded. Every sum is checked: bad input gives an error, never a panic or a wrapped value.

use crate::money::Yen;
use crate::tax::{RoundingMode, TaxRate};
use serde::{Deserialize, Serialize};

/// The largest quantity of one line; more is almost certainly a typo (a JAN code in the
/// quantity field).
pub const MAX_QUANTITY: i64 = 999;

/// One line of the cart: a product, how many, and an optional discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub product_id: i64,
    pub facility_id: i64,
    pub name: String,
    /// Tax-included unit price (内税).
    pub unit_price: Yen,
    /// 1..=[`MAX_QUANTITY`]
    pub quantity: i64,
    pub tax_rate: TaxRate,
    #[serde(default)]
    pub discount: Option<Discount>,
    /// Whether the facility is a registered qualified-invoice issuer (適格請求書発行事業者).
    /// Only then may the council put the line on its invoice (媒介者交付特例); other lines
    /// are printed apart and their tax is not stated.
    pub invoice_eligible: bool,
}

/// 値引き on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Discount {
    /// A fixed amount off the line (not per unit).
    Yen(Yen),
    /// Whole percent 1..=100 of the line's gross amount. The discount is rounded **down**
    /// to the yen, so the customer never gets more off than the percent says.
    Percent(i64),
}

impl Discount {
    /// Whether it takes anything off (¥0 and 0% do not).
    pub fn takes_off(self) -> bool {
        match self {
            Discount::Yen(yen) => yen.0 != 0,
            Discount::Percent(percent) => percent != 0,
        }
    }
}

/// Whether a line is sold at other than its list price — a discount (値引き) or another unit
/// price — which, rung up by a cashier, is a price override (売価変更) needing a manager's
/// approval. Selling at the `previous` list price (price, when it changed) before it changed
/// is not an override: a tablet's offline catalogue was made before the change.
pub fn overrides_price(
    unit_price: Yen,
    discount: Option<Discount>,
    list_price: Yen,
    previous: Option<(Yen, chrono::DateTime<chrono::Utc>)>,
    sold_at: chrono::DateTime<chrono::Utc>,
) -> bool {
    let discounted = discount.is_some_and(Discount::takes_off);
    let stale = previous.is_some_and(|(price, changed_at)| price == unit_price && sold_at < changed_at);
    let repriced = unit_price != list_price && !stale;
    discounted || repriced
}

/// The amounts of one line, all tax included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineAmounts {
    /// unit price × quantity
    pub gross: Yen,
    pub discount: Yen,
    /// gross − discount: what the customer pays for the line.
    pub net: Yen,
}

/// The invoice total of one tax rate: only lines of invoice-eligible facilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateTotal {
    pub rate: TaxRate,
    /// Tax-included total of the rate (税率ごとに区分した対価の額).
    pub total: Yen,
    /// The tax contained in `total`, rounded once for the rate ([`TaxRate::included_tax`]).
    pub tax: Yen,
}

/// Everything a till, a receipt and the sales record need from a cart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartTotals {
    /// One entry per cart line, in the cart's order.
    pub lines: Vec<LineAmounts>,
    /// Per tax rate (standard first), only rates that occur on invoice-eligible lines.
    pub by_rate: Vec<RateTotal>,
    /// Lines of facilities that are not registered issuers: outside the invoice, tax not stated.
    pub non_invoice_total: Yen,
    /// What the customer pays: every line's net amount.
    pub total: Yen,
    /// Number of items (the sum of the quantities, お買上点数).
    pub item_count: i64,
}

impl CartTotals {
    /// The invoice total of `rate`, if the cart has invoice-eligible lines of that rate.
    pub fn rate(&self, rate: TaxRate) -> Option<&RateTotal> {
        self.by_rate.iter().find(|r| r.rate == rate)
    }
}

/// Why a cart cannot be totalled. The `Display` text is the Japanese message for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("「{name}」の数量は1〜{max}にしてください（{quantity}）", max = MAX_QUANTITY)]
    QuantityOutOfRange { name: String, quantity: i64 },
    #[error("「{name}」の単価がマイナスです（{unit_price}）")]
    NegativePrice { name: String, unit_price: Yen },
    #[error("「{name}」の値引率は1〜100%にしてください（{percent}%）")]
    DiscountPercentOutOfRange { name: String, percent: i64 },
    #[error("「{name}」の値引額は1円以上にしてください（{amount}）")]
    DiscountNotPositive { name: String, amount: Yen },
    #[error("「{name}」の値引額（{discount}）が金額（{gross}）を超えています")]
    DiscountExceedsGross { name: String, discount: Yen, gross: Yen },
    #[error("金額が大きすぎて計算できません")]
    Overflow,
}

impl CartError {
    /// Machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            CartError::QuantityOutOfRange { .. } => "quantity_out_of_range",
            CartError::NegativePrice { .. } => "negative_price",
            CartError::DiscountPercentOutOfRange { .. } => "discount_percent_out_of_range",
            CartError::DiscountNotPositive { .. } => "discount_not_positive",
            CartError::DiscountExceedsGross { .. } => "discount_exceeds_gross",
            CartError::Overflow => "amount_overflow",
        }
    }
}

impl CartLine {
    /// The line's gross, discount and net amounts, after checking quantity and discount.
    pub fn amounts(&self) -> Result<LineAmounts, CartError> {
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            return Err(CartError::QuantityOutOfRange {
                name: self.name.clone(),
                quantity: self.quantity,
            });
        }
        if self.unit_price.0 < 0 {
            return Err(CartError::NegativePrice {
                name: self.name.clone(),
                unit_price: self.unit_price,
            });
        }
        let gross = self
            .unit_price
            .checked_mul(self.quantity)
            .ok_or(CartError::Overflow)?;
        let discount = match self.discount {
            None => Yen::ZERO,
            Some(discount) => self.discount_amount(discount, gross)?,
        };
        let net = gross.checked_sub(discount).ok_or(CartError::Overflow)?;
        Ok(LineAmounts { gross, discount, net })
    }

    fn discount_amount(&self, discount: Discount, gross: Yen) -> Result<Yen, CartError> {
        let amount = match discount {
            Discount::Yen(amount) if amount.0 <= 0 => {
                return Err(CartError::DiscountNotPositive {
                    name: self.name.clone(),
                    amount,
                });
            }
            Discount::Yen(amount) => amount,
            Discount::Percent(percent) if !(1..=100).contains(&percent) => {
                return Err(CartError::DiscountPercentOutOfRange {
                    name: self.name.clone(),
                    percent,
                });
            }
            Discount::Percent(percent) => {
                let off = RoundingMode::Down.divide(i128::from(gross.0) * i128::from(percent), 100);
                // At most 100% of an i64, so it fits.
                Yen(i64::try_from(off).map_err(|_| CartError::Overflow)?)
            }
        };
        if amount > gross {
            return Err(CartError::DiscountExceedsGross {
                name: self.name.clone(),
                discount: amount,
                gross,
            });
        }
        Ok(amount)
    }
}

/// Totals a cart: line amounts, invoice totals per rate with the tax rounded once per rate
/// (never per line), the total of lines outside the invoice, the grand total and item count.
pub fn cart_totals(lines: &[CartLine], rounding: RoundingMode) -> Result<CartTotals, CartError> {
    let amounts = lines
        .iter()
        .map(CartLine::amounts)
        .collect::<Result<Vec<_>, _>>()?;
    let nets = |keep: &dyn Fn(&CartLine) -> bool| {
        checked_sum(
            lines
                .iter()
                .zip(&amounts)
                .filter(|(line, _)| keep(line))
                .map(|(_, a)| a.net),
        )
    };

    let mut by_rate = Vec::new();
    for rate in TaxRate::ALL {
        let of_rate = |line: &CartLine| line.invoice_eligible && line.tax_rate == rate;
        if lines.iter().any(of_rate) {
            let total = nets(&of_rate)?;
            by_rate.push(RateTotal {
                rate,
                total,
                tax: rate.included_tax(total, rounding),
            });
        }
    }
    let item_count = lines
        .iter()
        .try_fold(0_i64, |count, line| count.checked_add(line.quantity))
        .ok_or(CartError::Overflow)?;

    Ok(CartTotals {
        non_invoice_total: nets(&|line| !line.invoice_eligible)?,
        total: checked_sum(amounts.iter().map(|a| a.net))?,
        lines: amounts,
        by_rate,
        item_count,
    })
}

fn checked_sum(mut amounts: impl Iterator<Item = Yen>) -> Result<Yen, CartError> {
    amounts
        .try_fold(Yen::ZERO, |sum, amount| sum.checked_add(amount))
        .ok_or(CartError::Overflow)
}

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
pub struct Settlement {
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

/// Settles `total` with split tenders. The order of the tenders does not matter: vouchers
/// are applied first (fixed denominations), then cashless tenders for an exact amount, then
/// cash, which gives the change. Vouchers give change only if `voucher_gives_change`;
/// otherwise their surplus is reported as [`Settlement::voucher_surplus`].
pub fn settle(
    total: Yen,
    tenders: &[Tender],
    voucher_gives_change: bool,
) -> Result<Settlement, PaymentError> {
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
    Ok(Settlement {
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

    #[test]
    fn a_discount_or_another_price_overrides_the_list_price() {
        let at = |h: u32| {
            chrono::DateTime::parse_from_rfc3339(&format!("2026-11-28T{h:02}:00:00Z"))
                .expect("time")
                .with_timezone(&chrono::Utc)
        };
        let (price, sold_at) = (Yen(300), at(3));
        let was_250 = |h| Some((Yen(250), at(h)));
        assert!(!overrides_price(Yen(300), None, price, None, sold_at));
        assert!(!overrides_price(
            Yen(300),
            Some(Discount::Yen(Yen(0))),
            price,
            None,
            sold_at
        ));
        assert!(!overrides_price(
            Yen(300),
            Some(Discount::Percent(0)),
            price,
            None,
            sold_at
        ));
        assert!(overrides_price(
            Yen(300),
            Some(Discount::Yen(Yen(50))),
            price,
            None,
            sold_at
        ));
        assert!(overrides_price(
            Yen(300),
            Some(Discount::Percent(10)),
            price,
            None,
            sold_at
        ));
        assert!(overrides_price(Yen(250), None, price, None, sold_at));
        assert!(
            overrides_price(Yen(350), None, price, None, sold_at),
            "above the list too"
        );
        // The old price, sold before it changed (an offline catalogue): no override.
        assert!(!overrides_price(Yen(250), None, price, was_250(4), sold_at));
        // The old price after the change, or another price before it: overrides.
        assert!(overrides_price(Yen(250), None, price, was_250(2), sold_at));
        assert!(overrides_price(Yen(200), None, price, was_250(4), sold_at));
    }

    fn line(name: &str, unit_price: i64, quantity: i64, tax_rate: TaxRate, eligible: bool) -> CartLine {
        CartLine {
            product_id: 1,
            facility_id: 1,
            name: name.into(),
            unit_price: Yen(unit_price),
            quantity,
            tax_rate,
            discount: None,
            invoice_eligible: eligible,
        }
    }

    fn with_discount(mut line: CartLine, discount: Discount) -> CartLine {
        line.discount = Some(discount);
        line
    }

    fn tender(kind: TenderKind, amount: i64) -> Tender {
        Tender {
            kind,
            amount: Yen(amount),
        }
    }

    #[test]
    fn line_amounts_with_and_without_discount() {
        let plain = line("クッキー", 120, 3, TaxRate::Reduced, true);
        assert_eq!(
            plain.amounts(),
            Ok(LineAmounts {
                gross: Yen(360),
                discount: Yen(0),
                net: Yen(360)
            })
        );
        let yen_off = with_discount(plain.clone(), Discount::Yen(Yen(60)));
        assert_eq!(yen_off.amounts().map(|a| a.net), Ok(Yen(300)));
        let all_off = with_discount(plain, Discount::Percent(100));
        assert_eq!(
            all_off.amounts().map(|a| (a.discount, a.net)),
            Ok((Yen(360), Yen(0)))
        );
    }

    #[test]
    fn percent_discount_rounds_the_discount_down() {
        // 10% of ¥1,999 is ¥199.9: ¥199 off, the customer pays ¥1,800.
        let l = with_discount(
            line("ポーチ", 1999, 1, TaxRate::Standard, true),
            Discount::Percent(10),
        );
        assert_eq!(
            l.amounts(),
            Ok(LineAmounts {
                gross: Yen(1999),
                discount: Yen(199),
                net: Yen(1800)
            })
        );
        // 33% of ¥100 × 3 = ¥99 exactly.
        let l = with_discount(
            line("しおり", 100, 3, TaxRate::Standard, true),
            Discount::Percent(33),
        );
        assert_eq!(l.amounts().map(|a| a.discount), Ok(Yen(99)));
    }

    #[test]
    fn quantity_must_be_1_to_999() {
        for quantity in [0, -1, 1000, 4_901_234_567_894] {
            let err = line("水", 100, quantity, TaxRate::Reduced, true)
                .amounts()
                .expect_err("should be refused");
            assert_eq!(err.code(), "quantity_out_of_range");
            assert!(err.to_string().contains("「水」の数量は1〜999"), "{err}");
        }
        assert!(line("水", 100, 999, TaxRate::Reduced, true).amounts().is_ok());
    }

    #[test]
    fn discounts_are_validated() {
        let base = line("ジャム", 500, 2, TaxRate::Reduced, true);
        let cases = [
            (Discount::Yen(Yen(0)), "discount_not_positive"),
            (Discount::Yen(Yen(-10)), "discount_not_positive"),
            (Discount::Yen(Yen(1001)), "discount_exceeds_gross"),
            (Discount::Percent(0), "discount_percent_out_of_range"),
            (Discount::Percent(101), "discount_percent_out_of_range"),
            (Discount::Percent(-5), "discount_percent_out_of_range"),
        ];
        for (discount, code) in cases {
            let err = with_discount(base.clone(), discount)
                .amounts()
                .expect_err("should be refused");
            assert_eq!(err.code(), code, "{discount:?}");
        }
        let err = with_discount(base.clone(), Discount::Yen(Yen(1001)))
            .amounts()
            .expect_err("should be refused");
        assert_eq!(
            err.to_string(),
            "「ジャム」の値引額（¥1,001）が金額（¥1,000）を超えています"
        );
        assert!(with_discount(base, Discount::Yen(Yen(1000))).amounts().is_ok());
    }

    #[test]
    fn negative_price_is_refused() {
        let err = line("返品", -100, 1, TaxRate::Standard, true)
            .amounts()
            .expect_err("should be refused");
        assert_eq!(err.code(), "negative_price");
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let huge = line("金塊", i64::MAX / 2, 3, TaxRate::Standard, true);
        assert_eq!(huge.amounts(), Err(CartError::Overflow));
        let big = line("金塊", i64::MAX / 2, 1, TaxRate::Standard, true);
        assert_eq!(
            cart_totals(&[big.clone(), big.clone(), big], RoundingMode::Down),
            Err(CartError::Overflow)
        );
        // A percent discount on the largest gross does not overflow.
        let max = with_discount(
            line("金塊", i64::MAX, 1, TaxRate::Standard, true),
            Discount::Percent(50),
        );
        assert_eq!(max.amounts().map(|a| a.discount), Ok(Yen(i64::MAX / 2)));
    }

    #[test]
    fn tax_is_rounded_once_per_rate() {
        // Two ¥120 items at 8%: per line 8 + 8 = 16, once for the rate 240 × 8/108 = 17.78 → 17.
        // ¥780 + ¥320 at 10%: per line 70 + 29 = 99, once for the rate 1,100 × 10/110 = 100.
        let lines = [
            line("クッキー", 120, 2, TaxRate::Reduced, true),
            line("ポーチ", 780, 1, TaxRate::Standard, true),
            line("コースター", 320, 1, TaxRate::Standard, true),
        ];
        let totals = cart_totals(&lines, RoundingMode::Down).expect("should succeed");
        assert_eq!(
            totals.by_rate,
            vec![
                RateTotal {
                    rate: TaxRate::Standard,
                    total: Yen(1100),
                    tax: Yen(100)
                },
                RateTotal {
                    rate: TaxRate::Reduced,
                    total: Yen(240),
                    tax: Yen(17)
                },
            ]
        );
        assert_eq!(totals.total, Yen(1340));
        assert_eq!(totals.item_count, 4);
        assert_eq!(totals.non_invoice_total, Yen(0));
    }

    #[test]
    fn rounding_mode_applies_to_the_rate_total() {
        // 1,000 × 10/110 = 90.9…
        let lines = [line("ポーチ", 500, 2, TaxRate::Standard, true)];
        let tax = |mode| {
            cart_totals(&lines, mode)
                .expect("should succeed")
                .rate(TaxRate::Standard)
                .map(|r| r.tax)
        };
        assert_eq!(tax(RoundingMode::Down), Some(Yen(90)));
        assert_eq!(tax(RoundingMode::HalfUp), Some(Yen(91)));
        assert_eq!(tax(RoundingMode::Up), Some(Yen(91)));
    }

    #[test]
    fn discounts_reduce_the_rate_total_before_the_tax() {
        // 8%: ¥450 − ¥50 = ¥400 and ¥240: 640 × 8/108 = 47.4 → 47 (per line 29 + 17 = 46).
        let lines = [
            with_discount(
                line("ケーキ", 450, 1, TaxRate::Reduced, true),
                Discount::Yen(Yen(50)),
            ),
            line("クッキー", 120, 2, TaxRate::Reduced, true),
        ];
        let totals = cart_totals(&lines, RoundingMode::Down).expect("should succeed");
        assert_eq!(
            totals.lines[0],
            LineAmounts {
                gross: Yen(450),
                discount: Yen(50),
                net: Yen(400)
            }
        );
        assert_eq!(
            totals.rate(TaxRate::Reduced).map(|r| (r.total, r.tax)),
            Some((Yen(640), Yen(47)))
        );
        assert_eq!(totals.rate(TaxRate::Standard), None);
    }

    #[test]
    fn lines_of_unregistered_facilities_stay_outside_the_invoice() {
        let lines = [
            line("クッキー", 120, 2, TaxRate::Reduced, true),
            line("しおり", 150, 2, TaxRate::Standard, false),
            line("ジャム", 500, 1, TaxRate::Reduced, false),
        ];
        let totals = cart_totals(&lines, RoundingMode::Down).expect("should succeed");
        assert_eq!(
            totals.by_rate,
            vec![RateTotal {
                rate: TaxRate::Reduced,
                total: Yen(240),
                tax: Yen(17)
            }]
        );
        assert_eq!(totals.non_invoice_total, Yen(800));
        assert_eq!(totals.total, Yen(1040));
        assert_eq!(totals.item_count, 5);
    }

    #[test]
    fn empty_cart_totals_zero() {
        let totals = cart_totals(&[], RoundingMode::Down).expect("should succeed");
        assert_eq!(totals, CartTotals::default());
    }

    #[test]
    fn the_first_bad_line_is_reported() {
        let lines = [
            line("水", 100, 1, TaxRate::Reduced, true),
            line("茶", 100, 0, TaxRate::Reduced, true),
        ];
        let err = cart_totals(&lines, RoundingMode::Down).expect_err("should be refused");
        assert_eq!(
            err,
            CartError::QuantityOutOfRange {
                name: "茶".into(),
                quantity: 0
            }
        );
    }

    #[test]
    fn serde_shapes() {
        let l = with_discount(line("水", 100, 1, TaxRate::Reduced, true), Discount::Percent(10));
        let json = serde_json::to_value(&l).expect("should succeed");
        assert_eq!(json["discount"], serde_json::json!({"percent": 10}));
        assert_eq!(json["tax_rate"], "reduced");
        let back: CartLine = serde_json::from_value(json).expect("should succeed");
        assert_eq!(back, l);
        assert_eq!(
            serde_json::to_value(Discount::Yen(Yen(50))).expect("should succeed"),
            serde_json::json!({"yen": 50})
        );
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

    #[test]
    fn cash_gives_change() {
        let s = settle(Yen(2540), &[tender(TenderKind::Cash, 3000)], false).expect("should succeed");
        assert_eq!(
            s,
            Settlement {
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
        let card = settle(Yen(1234), &[tender(TenderKind::CreditCard, 1234)], false).expect("should succeed");
        assert_eq!(
            (card.change, card.cash_received, card.cash_kept),
            (Yen(0), Yen(0), Yen(0))
        );

        // ¥600 by card, a ¥500 coin for the remaining ¥400: ¥100 change from the cash.
        let split = settle(
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
            settle(Yen(1000), &[tender(TenderKind::CreditCard, 1500)], false).expect_err("should be refused");
        assert_eq!(
            err,
            PaymentError::CashlessExceedsDue {
                cashless: Yen(1500),
                due: Yen(1000)
            }
        );
        assert_eq!(err.code(), "cashless_exceeds_due");
        // E-money for the whole ¥1,000 plus a ¥500 coin: the coin is handed back, no more.
        let s = settle(
            Yen(1000),
            &[tender(TenderKind::Cash, 500), tender(TenderKind::EMoney, 1000)],
            false,
        );
        assert_eq!(s.map(|s| (s.change, s.cash_kept)), Ok((Yen(500), Yen(0))));
        // A voucher covers ¥800 of ¥1,000: at most ¥200 may go on the card.
        let err = settle(
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
        let kept = settle(Yen(800), &tenders, false).expect("should succeed");
        assert_eq!(
            (kept.change, kept.voucher_surplus, kept.cash_kept),
            (Yen(0), Yen(200), Yen(0))
        );
        let returned = settle(Yen(800), &tenders, true).expect("should succeed");
        assert_eq!((returned.change, returned.voucher_surplus), (Yen(200), Yen(0)));
        // The change comes out of the drawer although no cash came in.
        assert_eq!(returned.cash_kept, Yen(-200));

        // Voucher ¥1,000 + cash ¥500 for ¥1,200: the voucher is used up, the cash gives ¥300.
        let mixed = settle(
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
        let short = settle(
            Yen(1000),
            &[tender(TenderKind::Cash, 600), tender(TenderKind::CreditCard, 300)],
            false,
        )
        .expect_err("should be refused");
        assert_eq!(short, PaymentError::Insufficient { short: Yen(100) });
        assert_eq!(short.to_string(), "お預りが¥100不足しています");
        assert_eq!(
            settle(Yen(500), &[], false)
                .expect_err("should be refused")
                .code(),
            "insufficient_payment"
        );

        let zero = settle(Yen(500), &[tender(TenderKind::Cash, 0)], false).expect_err("should be refused");
        assert_eq!(zero.code(), "tender_not_positive");
        assert_eq!(zero.to_string(), "現金の金額は1円以上にしてください（¥0）");
        let negative = settle(
            Yen(500),
            &[tender(TenderKind::Cash, 1000), tender(TenderKind::EMoney, -500)],
            false,
        );
        assert_eq!(
            negative.expect_err("should be refused").code(),
            "tender_not_positive"
        );

        assert_eq!(
            settle(Yen(-1), &[], false).expect_err("should be refused").code(),
            "negative_total"
        );
        let overflow = settle(
            Yen(1),
            &[tender(TenderKind::Cash, i64::MAX), tender(TenderKind::Cash, 1)],
            false,
        );
        assert_eq!(overflow, Err(PaymentError::Overflow));
    }

    #[test]
    fn a_free_cart_needs_no_tender() {
        let s = settle(Yen(0), &[], false).expect("should succeed");
        assert_eq!(s, Settlement::default());
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
                            if let Ok(s) = settle(Yen(total), &tenders, gives_change) {
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
}
