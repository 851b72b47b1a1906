//! 自主製品: the products facilities make and sell, and the checks on what staff enter.

pub mod import;

use crate::codes::Gtin;
use crate::money::Yen;
use crate::tax::TaxRate;
use crate::validation::{FieldErrors, kana, yes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The highest unit price a product may have: a sanity limit far above anything at a bazaar.
pub const MAX_PRICE: Yen = Yen(10_000_000);

fn default_low_stock() -> i64 {
    3
}

/// 自主製品: a product of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: i64,
    pub facility_id: i64,
    pub name: String,
    pub kana: String,
    /// Unit price, tax included (内税).
    pub price: Yen,
    pub tax_rate: TaxRate,
    /// JAN / EAN code, when the product has one.
    pub jan: Option<String>,
    pub category: String,
    /// At or below this many left at an event, the product shows as running low.
    pub low_stock_threshold: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Where its photo is served (`photos::photo_url`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductInput {
    pub facility_id: i64,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    pub price: Yen,
    pub tax_rate: TaxRate,
    #[serde(default)]
    pub jan: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default = "default_low_stock")]
    pub low_stock_threshold: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

impl ProductInput {
    pub fn validated(&self) -> Result<ProductInput, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.facility_id <= 0 {
            e.add("facility_id", "required", "事業所を選んでください");
        }
        let name = e.required_text("name", &self.name, 100);
        let kana = kana(&mut e, &self.kana);
        e.range("price", self.price.0, 1, MAX_PRICE.0);
        let jan = match self.jan.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => match Gtin::parse(code) {
                Ok(g) => Some(String::from(g)),
                Err(err) => {
                    e.add("jan", err.code(), err.to_string());
                    None
                }
            },
        };
        let category = e.optional_text("category", &self.category, 40);
        e.range("low_stock_threshold", self.low_stock_threshold, 0, 10_000);
        e.into_result(ProductInput {
            name,
            kana,
            jan,
            category,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::field_codes as fields;

    #[test]
    fn product_price_and_jan() {
        let p = ProductInput {
            facility_id: 1,
            name: "クッキー".into(),
            kana: "くっきー".into(),
            price: Yen(0),
            tax_rate: TaxRate::Reduced,
            jan: Some("4006381333932".into()),
            category: "焼き菓子".into(),
            low_stock_threshold: 3,
            active: true,
        };
        assert_eq!(
            fields(p.validated().expect_err("invalid")),
            vec![
                ("price".into(), "out_of_range".into()),
                ("jan".into(), "check_digit".into())
            ]
        );
        let ok = ProductInput {
            price: Yen(300),
            jan: Some(" ４００６３８１３３３９３１ ".into()),
            ..p
        }
        .validated()
        .expect("valid");
        assert_eq!(ok.jan.as_deref(), Some("4006381333931"));
        let no_jan = ProductInput {
            jan: Some(String::new()),
            ..ok
        }
        .validated()
        .expect("valid");
        assert_eq!(no_jan.jan, None);
    }
}
