//! 事業所: the council's member facilities, and the checks on what staff enter for one.

use crate::validation::{FieldErrors, invoice_number, kana, yes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 法人種別: the corporation type codes 1–6 of the prefecture's wage table.
/// The table itself carries no legend; these labels are the usual categories of the
/// national wage survey, in the table's order.
pub const CORPORATION_TYPES: [(i64, &str); 6] = [
    (1, "公営・社会福祉協議会"),
    (2, "社会福祉法人"),
    (3, "医療法人"),
    (4, "営利法人"),
    (5, "特定非営利活動法人"),
    (6, "その他"),
];

pub fn corporation_type_label(code: i64) -> &'static str {
    CORPORATION_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("不明", |(_, label)| label)
}

/// 事業所: a member facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facility {
    pub id: i64,
    /// The facility's number in the council's (and the prefecture's) list.
    pub number: i64,
    pub name: String,
    pub kana: String,
    /// 法人種別 1–6.
    pub corporation_type: i64,
    /// 定員
    pub capacity: i64,
    /// 登録番号 `T` + 13 digits, when the facility has one.
    pub invoice_number: Option<String>,
    /// Whether the facility is a registered qualified-invoice issuer (適格請求書発行事業者).
    pub invoice_issuer: bool,
    pub contact: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityInput {
    pub number: i64,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    pub corporation_type: i64,
    pub capacity: i64,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub invoice_issuer: bool,
    #[serde(default)]
    pub contact: String,
    #[serde(default = "yes")]
    pub active: bool,
}

impl FacilityInput {
    /// Checks every field and returns the input trimmed and normalised.
    pub fn validated(&self) -> Result<FacilityInput, FieldErrors> {
        let mut e = FieldErrors::default();
        e.range("number", self.number, 1, 99_999);
        let name = e.required_text("name", &self.name, 100);
        let kana = kana(&mut e, &self.kana);
        e.range("corporation_type", self.corporation_type, 1, 6);
        e.range("capacity", self.capacity, 0, 1_000);
        let invoice_number = invoice_number(
            &mut e,
            "invoice_number",
            self.invoice_number.as_deref().unwrap_or(""),
        );
        if self.invoice_issuer && invoice_number.is_none() && !e.0.iter().any(|f| f.field == "invoice_number")
        {
            e.add(
                "invoice_number",
                "required",
                "適格請求書発行事業者は登録番号を入力してください",
            );
        }
        let contact = e.optional_text("contact", &self.contact, 200);
        e.into_result(FacilityInput {
            name,
            kana,
            invoice_number,
            contact,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::field_codes as fields;

    #[test]
    fn unknown_fields_are_rejected() {
        let json = r#"{"number":1,"name":"a","corporation_type":2,"capacity":20,"admin":true}"#;
        let err = serde_json::from_str::<FacilityInput>(json).expect_err("unknown field");
        assert!(err.to_string().contains("admin"), "{err}");
    }

    fn facility() -> FacilityInput {
        FacilityInput {
            number: 1,
            name: " わーくはうすてっぷ ".into(),
            kana: "わーくはうすてっぷ".into(),
            corporation_type: 2,
            capacity: 20,
            invoice_number: Some("T7000012050002".into()),
            invoice_issuer: true,
            contact: String::new(),
            active: true,
        }
    }

    #[test]
    fn valid_facility_is_trimmed() {
        let ok = facility().validated().expect("valid");
        assert_eq!(ok.name, "わーくはうすてっぷ");
    }

    #[test]
    fn facility_reports_every_field() {
        let bad = FacilityInput {
            number: 0,
            name: "  ".into(),
            kana: "漢字".into(),
            corporation_type: 7,
            capacity: -1,
            invoice_number: Some("T1234567890123".into()),
            ..facility()
        };
        let got = fields(bad.validated().expect_err("invalid"));
        assert_eq!(
            got,
            vec![
                ("number".into(), "out_of_range".into()),
                ("name".into(), "required".into()),
                ("kana".into(), "format".into()),
                ("corporation_type".into(), "out_of_range".into()),
                ("capacity".into(), "out_of_range".into()),
                ("invoice_number".into(), "check_digit".into()),
            ]
        );
    }

    #[test]
    fn an_invoice_issuer_needs_a_number() {
        let bad = FacilityInput {
            invoice_number: None,
            ..facility()
        };
        assert_eq!(
            fields(bad.validated().expect_err("invalid")),
            vec![("invoice_number".into(), "required".into())]
        );
        let exempt = FacilityInput {
            invoice_number: None,
            invoice_issuer: false,
            ..facility()
        };
        assert!(exempt.validated().is_ok());
    }
}
