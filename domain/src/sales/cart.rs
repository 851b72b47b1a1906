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

/// Why a line cannot be rung as eaten on the spot (イートイン).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EatInError {
    #[error("このイベントにはイートイン(飲食スペース)がありません")]
    NoTables,
    #[error("イートインにできるのは軽減税率(8%)の飲食料品だけです")]
    NotFood,
}

impl EatInError {
    /// Machine-readable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            EatInError::NoTables => "eat_in_not_offered",
            EatInError::NotFood => "not_reduced_rate",
        }
    }
}

/// The tax rate a line is sold at: the product's, except that food eaten on the spot
/// (`eat_in`, at an event that `offers_eat_in`) is a meal served there, taxed at the standard
/// rate. Eat-in is refused where there are no tables, and for what is not reduced-rate food.
pub fn line_tax_rate(
    product_rate: TaxRate,
    eat_in: bool,
    offers_eat_in: bool,
) -> Result<TaxRate, EatInError> {
    match (eat_in, offers_eat_in, product_rate) {
        (false, _, rate) => Ok(rate),
        (true, false, _) => Err(EatInError::NoTables),
        (true, true, TaxRate::Standard) => Err(EatInError::NotFood),
        (true, true, TaxRate::Reduced) => Ok(TaxRate::Standard),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn eat_in_food_is_taxed_at_the_standard_rate() {
        use TaxRate::{Reduced, Standard};
        assert_eq!(line_tax_rate(Reduced, false, false), Ok(Reduced));
        assert_eq!(
            line_tax_rate(Reduced, false, true),
            Ok(Reduced),
            "take-away stays 8%"
        );
        assert_eq!(line_tax_rate(Standard, false, true), Ok(Standard));
        assert_eq!(
            line_tax_rate(Reduced, true, true),
            Ok(Standard),
            "eaten there: 10%"
        );
        assert_eq!(line_tax_rate(Reduced, true, false), Err(EatInError::NoTables));
        assert_eq!(line_tax_rate(Standard, true, false), Err(EatInError::NoTables));
        assert_eq!(line_tax_rate(Standard, true, true), Err(EatInError::NotFood));
        assert_eq!(EatInError::NotFood.code(), "not_reduced_rate");
    }

    #[test]
    fn an_eat_in_line_moves_to_the_standard_rate_total() {
        // ¥216 of food: taken away 216 × 8/108 = 16; eaten there 216 × 10/110 = 19.6 → 19.
        let rate = |eat_in| line_tax_rate(TaxRate::Reduced, eat_in, true).expect("food at tables");
        let take_away = [line("おにぎり", 216, 1, rate(false), true)];
        let eaten_there = [line("おにぎり", 216, 1, rate(true), true)];
        let totals = |lines: &[CartLine]| cart_totals(lines, RoundingMode::Down).expect("totals").by_rate;
        assert_eq!(
            totals(&take_away),
            vec![RateTotal {
                rate: TaxRate::Reduced,
                total: Yen(216),
                tax: Yen(16)
            }]
        );
        assert_eq!(
            totals(&eaten_there),
            vec![RateTotal {
                rate: TaxRate::Standard,
                total: Yen(216),
                tax: Yen(19)
            }]
        );
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
    }

    fn any_line() -> impl Strategy<Value = CartLine> {
        (
            prop_oneof![0i64..100_000, 0i64..i64::MAX],
            1i64..=MAX_QUANTITY,
            any::<bool>(),
            any::<bool>(),
            prop_oneof![
                Just(None),
                (1i64..=100).prop_map(|p| Some(Discount::Percent(p))),
                (1i64..50_000).prop_map(|y| Some(Discount::Yen(Yen(y)))),
            ],
        )
            .prop_map(|(price, quantity, reduced, eligible, discount)| CartLine {
                discount,
                ..line(
                    "品",
                    price,
                    quantity,
                    if reduced {
                        TaxRate::Reduced
                    } else {
                        TaxRate::Standard
                    },
                    eligible,
                )
            })
    }

    proptest! {
        /// Ringing any food lines as eaten on the spot moves exactly their amounts from the 8 %
        /// total to the 10 % total: the customer pays the same, and each rate's tax is the
        /// rate's own on its new total.
        #[test]
        fn eat_in_moves_lines_between_rates_and_keeps_the_total(
            lines in prop::collection::vec((1i64..20_000, 1i64..=20, any::<bool>()), 1..20),
        ) {
            let cart = |eat_in: bool| -> Vec<CartLine> {
                lines.iter().map(|&(price, quantity, here)| {
                    let rate = line_tax_rate(TaxRate::Reduced, eat_in && here, true).expect("food at tables");
                    line("食品", price, quantity, rate, true)
                }).collect()
            };
            let away = cart_totals(&cart(false), RoundingMode::Down).expect("totals");
            let mixed = cart_totals(&cart(true), RoundingMode::Down).expect("totals");
            prop_assert_eq!(away.total, mixed.total);
            let eaten: i64 = lines.iter().filter(|l| l.2).map(|&(p, q, _)| p * q).sum();
            let of = |t: &CartTotals, rate| t.rate(rate).map_or(0, |r| r.total.0);
            prop_assert_eq!(of(&mixed, TaxRate::Standard), eaten);
            prop_assert_eq!(of(&mixed, TaxRate::Reduced) + eaten, of(&away, TaxRate::Reduced));
            for r in &mixed.by_rate {
                prop_assert_eq!(r.tax, r.rate.included_tax(r.total, RoundingMode::Down));
            }
        }

        /// Whatever the cart: the invoice totals per rate and the total outside the invoice add
        /// up to the total, each line pays its gross less its discount, each rate's tax is
        /// computed once from the rate's total, and a cart past `i64` is an error, never a
        /// panic or a wrapped figure.
        #[test]
        fn totals_add_up(
            lines in prop::collection::vec(any_line(), 0..30),
            rounding in prop_oneof![Just(RoundingMode::Down), Just(RoundingMode::HalfUp), Just(RoundingMode::Up)],
        ) {
            match cart_totals(&lines, rounding) {
                Ok(t) => {
                    let by_rate: i128 = t.by_rate.iter().map(|r| i128::from(r.total.0)).sum();
                    prop_assert_eq!(by_rate + i128::from(t.non_invoice_total.0), i128::from(t.total.0));
                    for (l, a) in lines.iter().zip(&t.lines) {
                        prop_assert_eq!(a.net.0, a.gross.0 - a.discount.0);
                        prop_assert!(a.discount.0 >= 0 && a.net.0 >= 0);
                        prop_assert_eq!(i128::from(a.gross.0), i128::from(l.unit_price.0) * i128::from(l.quantity));
                    }
                    for r in &t.by_rate {
                        prop_assert_eq!(r.tax, r.rate.included_tax(r.total, rounding));
                    }
                    prop_assert_eq!(t.item_count, lines.iter().map(|l| l.quantity).sum::<i64>());
                }
                Err(CartError::Overflow) => {
                    let gross: i128 = lines.iter().map(|l| i128::from(l.unit_price.0) * i128::from(l.quantity)).sum();
                    prop_assert!(gross > i128::from(i64::MAX) || lines.iter().any(|l| i128::from(l.unit_price.0) * i128::from(l.quantity) > i128::from(i64::MAX)));
                }
                // A yen discount above the line's gross is refused, as it should be.
                Err(CartError::DiscountExceedsGross { .. }) => {}
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
