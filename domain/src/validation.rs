//! Validation of master data entered by staff. Inputs arrive as plain strings and numbers so
//! that every problem can be reported per field, in Japanese, at once.

use crate::api::{
    CommissionRule, CouncilInput, EventInput, EventKind, FacilityInput, ProductInput, RegisterInput,
};
use crate::codes::{Gtin, InvoiceRegistrationNumber};
use crate::money::Yen;
use serde::{Deserialize, Serialize};

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input field, as named in the API (`name`, `participants[2].facility_id`, …).
    pub field: String,
    /// Machine-readable reason: `required`, `too_long`, `out_of_range`, `format`, `check_digit`, …
    pub code: String,
    /// The message shown to staff (Japanese).
    pub message: String,
}

/// All the problems found in one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// A required text of at most `max` characters; returns it trimmed.
    fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "required", "入力してください");
        } else {
            self.max_len(field, trimmed, max);
        }
        trimmed.to_string()
    }

    /// An optional text of at most `max` characters; returns it trimmed.
    fn optional_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        self.max_len(field, trimmed, max);
        trimmed.to_string()
    }

    fn max_len(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, "too_long", format!("{max}文字以内で入力してください"));
        }
        if value.chars().any(|c| c.is_control() && c != '\n') {
            self.add(field, "format", "使用できない文字が含まれています");
        }
    }

    fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.add(
                field,
                "out_of_range",
                format!("{min}から{max}の範囲で入力してください"),
            );
        }
    }
}

/// Kana readings are for sorting and search: hiragana, katakana, the long vowel mark, spaces.
fn is_kana_reading(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '　' | '゛' | '゜' | 'ヽ' | 'ヾ' | 'ゝ' | 'ゞ')
            || c.is_ascii_alphanumeric()
    })
}

fn kana(errors: &mut FieldErrors, value: &str) -> String {
    let kana = errors.optional_text("kana", value, 100);
    if !is_kana_reading(&kana) {
        errors.add("kana", "format", "ふりがなはひらがな・カタカナで入力してください");
    }
    kana
}

fn invoice_number(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    match InvoiceRegistrationNumber::parse(trimmed) {
        Ok(n) => Some(n.into()),
        Err(e) => {
            errors.add(field, e.code(), e.to_string());
            None
        }
    }
}

/// The highest unit price a product may have: a sanity limit far above anything at a bazaar.
pub const MAX_PRICE: Yen = Yen(10_000_000);

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

fn commission(e: &mut FieldErrors, field: &str, rule: &CommissionRule) {
    match *rule {
        CommissionRule::Percent { basis_points } => {
            if !(0..=10_000).contains(&basis_points) {
                e.add(
                    field,
                    "out_of_range",
                    "手数料率は0%から100%の範囲で入力してください",
                );
            }
        }
        CommissionRule::Fixed { yen } => {
            if !(0..=MAX_PRICE.0).contains(&yen.0) {
                e.add(field, "out_of_range", "手数料は0円以上で入力してください");
            }
        }
    }
}

/// Event codes appear in receipt numbers (`HB2026A-R1-0001`), so they stay short and plain.
fn is_event_code(code: &str) -> bool {
    (2..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// The papers a register's printer may have: 80 mm (48 columns) and 58 mm (32 columns).
pub const PAPER_COLUMNS: [i64; 2] = [
    crate::receipt::COLUMNS_80MM as i64,
    crate::receipt::COLUMNS_58MM as i64,
];

impl EventInput {
    pub fn validated(&self) -> Result<EventInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = crate::codes::normalise_digits(self.code.trim()).to_ascii_uppercase();
        if !is_event_code(&code) {
            e.add(
                "code",
                "format",
                "イベントコードは英大文字・数字・ハイフンの2〜16文字で入力してください",
            );
        }
        let name = e.required_text("name", &self.name, 100);
        let venue = e.optional_text("venue", &self.venue, 100);
        if self.ends_on < self.starts_on {
            e.add("ends_on", "out_of_range", "終了日は開始日以降にしてください");
        }
        if (self.ends_on - self.starts_on).num_days() > 366 {
            e.add("ends_on", "out_of_range", "期間は1年以内にしてください");
        }
        if self.kind == EventKind::Other && name.is_empty() {
            e.add("kind", "required", "種別を選んでください");
        }
        commission(&mut e, "commission", &self.commission);
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.participants.iter().enumerate() {
            if !seen.insert(p.facility_id) {
                e.add(
                    format!("participants[{i}].facility_id"),
                    "duplicate",
                    "同じ事業所が重複しています",
                );
            }
            if let Some(rule) = &p.commission_override {
                commission(&mut e, &format!("participants[{i}].commission_override"), rule);
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        let mut registers = Vec::with_capacity(self.registers.len());
        for (i, r) in self.registers.iter().enumerate() {
            let code = crate::codes::normalise_digits(r.code.trim()).to_ascii_uppercase();
            if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                e.add(
                    format!("registers[{i}].code"),
                    "format",
                    "レジ番号は英数字8文字以内で入力してください",
                );
            } else if !codes.insert(code.clone()) {
                e.add(
                    format!("registers[{i}].code"),
                    "duplicate",
                    "レジ番号が重複しています",
                );
            }
            let name = e.required_text(&format!("registers[{i}].name"), &r.name, 40);
            let printer_addr = r
                .printer_addr
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned);
            if printer_addr
                .as_deref()
                .is_some_and(|a| crate::receipt::parse_printer_address(a).is_none())
            {
                e.add(
                    format!("registers[{i}].printer_addr"),
                    "format",
                    "プリンターのアドレスは「192.168.1.50」や「192.168.1.50:9100」の形で入力してください",
                );
            }
            if !PAPER_COLUMNS.contains(&r.paper_columns) {
                e.add(
                    format!("registers[{i}].paper_columns"),
                    "out_of_range",
                    "用紙は80mm(48桁)か58mm(32桁)を選んでください",
                );
            }
            registers.push(RegisterInput {
                code,
                name,
                printer_addr,
                paper_columns: r.paper_columns,
            });
        }
        if self.registers.len() > 100 {
            e.add("registers", "out_of_range", "レジは100台までです");
        }
        e.into_result(EventInput {
            code,
            name,
            venue,
            registers,
            ..self.clone()
        })
    }
}

impl CouncilInput {
    pub fn validated(&self) -> Result<CouncilInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.required_text("name", &self.name, 100);
        let invoice_number = invoice_number(
            &mut e,
            "invoice_number",
            self.invoice_number.as_deref().unwrap_or(""),
        );
        let receipt_footer = e.optional_text("receipt_footer", &self.receipt_footer, 400);
        let address = e.optional_text("address", &self.address, 200);
        let phone = e.optional_text("phone", &self.phone, 40);
        e.into_result(CouncilInput {
            name,
            invoice_number,
            receipt_footer,
            address,
            phone,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{EventState, Participant};
    use crate::tax::TaxRate;
    use chrono::NaiveDate;

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

    fn fields(errors: FieldErrors) -> Vec<(String, String)> {
        errors.0.into_iter().map(|f| (f.field, f.code)).collect()
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

    #[test]
    fn event_rules() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let ev = EventInput {
            code: "hb2026a".into(),
            kind: EventKind::Bazaar,
            name: "ハートバザール".into(),
            venue: "けやきウォーク前橋".into(),
            starts_on: day(28),
            ends_on: day(27),
            state: EventState::Planned,
            commission: CommissionRule::Percent { basis_points: 10_001 },
            participants: vec![
                Participant {
                    facility_id: 1,
                    commission_override: None,
                },
                Participant {
                    facility_id: 1,
                    commission_override: Some(CommissionRule::Fixed { yen: Yen(-1) }),
                },
            ],
            registers: vec![
                RegisterInput {
                    code: "r1".into(),
                    name: "レジ1".into(),
                    printer_addr: Some("http://192.168.1.50".into()),
                    paper_columns: 48,
                },
                RegisterInput {
                    code: "R1".into(),
                    name: "レジ2".into(),
                    printer_addr: None,
                    paper_columns: 40,
                },
            ],
            active: true,
        };
        assert_eq!(
            fields(ev.validated().expect_err("invalid")),
            vec![
                ("ends_on".into(), "out_of_range".into()),
                ("commission".into(), "out_of_range".into()),
                ("participants[1].facility_id".into(), "duplicate".into()),
                (
                    "participants[1].commission_override".into(),
                    "out_of_range".into()
                ),
                ("registers[0].printer_addr".into(), "format".into()),
                ("registers[1].code".into(), "duplicate".into()),
                ("registers[1].paper_columns".into(), "out_of_range".into()),
            ]
        );
        let ok = EventInput {
            ends_on: day(29),
            commission: CommissionRule::Percent { basis_points: 1000 },
            participants: vec![Participant {
                facility_id: 1,
                commission_override: None,
            }],
            registers: vec![
                RegisterInput {
                    code: "r1".into(),
                    name: "レジ1".into(),
                    printer_addr: Some(" 192.168.1.50:9101 ".into()),
                    paper_columns: 32,
                },
                RegisterInput {
                    code: "r2".into(),
                    name: "レジ2".into(),
                    printer_addr: Some("  ".into()),
                    paper_columns: 48,
                },
            ],
            ..ev
        }
        .validated()
        .expect("valid");
        assert_eq!(ok.code, "HB2026A");
        assert_eq!(ok.registers[0].code, "R1");
        assert_eq!(ok.registers[0].printer_addr.as_deref(), Some("192.168.1.50:9101"));
        assert_eq!(ok.registers[0].paper_columns, 32);
        assert_eq!(ok.registers[1].printer_addr, None, "blank: no printer");
    }
}

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; staff handle money).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a password; the message says what is wrong.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err("パスワードは10文字以上にしてください")
    } else if password.chars().count() > 128 {
        Err("パスワードは128文字以内にしてください")
    } else {
        Ok(())
    }
}

/// Checks a PIN: 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), &'static str> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("PINは4〜8桁の数字にしてください")
    }
}

impl crate::api::UserInput {
    /// `creating`: a new user needs a password (staff) or a PIN (cashiers).
    pub fn validated(&self, creating: bool) -> Result<crate::api::UserInput, FieldErrors> {
        use crate::access::Role;
        let mut e = FieldErrors::default();
        let login = self.login.trim().to_ascii_lowercase();
        if !(3..=32).contains(&login.len())
            || !login
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
        {
            e.add(
                "login",
                "format",
                "ログインIDは英小文字・数字・._- の3〜32文字にしてください",
            );
        }
        let display_name = e.required_text("display_name", &self.display_name, 40);
        match (self.role, self.facility_id) {
            (Role::FacilityStaff, None) => e.add(
                "facility_id",
                "required",
                "事業所職員には事業所を指定してください",
            ),
            (Role::FacilityStaff, Some(_)) | (_, None) => {}
            (_, Some(_)) => e.add(
                "facility_id",
                "format",
                "事業所を指定できるのは事業所職員だけです",
            ),
        }
        let password = self.password.as_deref().filter(|p| !p.is_empty());
        let pin = self.pin.as_deref().map(str::trim).filter(|p| !p.is_empty());
        if let Some(password) = password
            && let Err(message) = check_password(password)
        {
            e.add("password", "format", message);
        }
        if let Some(pin) = pin
            && let Err(message) = check_pin(pin)
        {
            e.add("pin", "format", message);
        }
        if creating {
            if self.role == Role::Cashier && pin.is_none() {
                e.add("pin", "required", "レジ担当にはPINを設定してください");
            }
            if self.role != Role::Cashier && password.is_none() {
                e.add("password", "required", "パスワードを設定してください");
            }
        }
        e.into_result(crate::api::UserInput {
            login,
            display_name,
            password: password.map(String::from),
            pin: pin.map(String::from),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod user_tests {
    use crate::access::Role;
    use crate::api::UserInput;

    fn user(role: Role) -> UserInput {
        UserInput {
            login: "Sato.K".into(),
            display_name: "佐藤".into(),
            role,
            facility_id: None,
            password: Some("correct horse battery".into()),
            pin: None,
            active: true,
        }
    }

    #[test]
    fn logins_are_lowercased_and_checked() {
        assert_eq!(
            user(Role::CouncilStaff).validated(true).expect("valid").login,
            "sato.k"
        );
        let bad = UserInput {
            login: "佐藤".into(),
            ..user(Role::CouncilStaff)
        };
        assert_eq!(bad.validated(true).expect_err("bad").0[0].field, "login");
    }

    #[test]
    fn passwords_and_pins() {
        let short = UserInput {
            password: Some("short".into()),
            ..user(Role::CouncilAdmin)
        };
        assert_eq!(short.validated(true).expect_err("short").0[0].field, "password");
        let cashier = UserInput {
            password: None,
            pin: Some("12a4".into()),
            ..user(Role::Cashier)
        };
        assert_eq!(cashier.validated(true).expect_err("pin").0[0].code, "format");
        let cashier = UserInput {
            password: None,
            pin: None,
            ..user(Role::Cashier)
        };
        assert_eq!(cashier.validated(true).expect_err("no pin").0[0].field, "pin");
        assert!(
            UserInput {
                password: None,
                pin: None,
                ..user(Role::Cashier)
            }
            .validated(false)
            .is_ok()
        );
        assert!(
            UserInput {
                password: None,
                pin: Some("2468".into()),
                ..user(Role::Cashier)
            }
            .validated(true)
            .is_ok()
        );
    }

    #[test]
    fn only_facility_staff_have_a_facility() {
        let staff = UserInput {
            facility_id: None,
            ..user(Role::FacilityStaff)
        };
        assert_eq!(
            staff.validated(true).expect_err("facility").0[0].field,
            "facility_id"
        );
        let admin = UserInput {
            facility_id: Some(3),
            ..user(Role::CouncilAdmin)
        };
        assert_eq!(
            admin.validated(true).expect_err("facility").0[0].field,
            "facility_id"
        );
        assert!(
            UserInput {
                facility_id: Some(3),
                ..user(Role::FacilityStaff)
            }
            .validated(true)
            .is_ok()
        );
    }
}
