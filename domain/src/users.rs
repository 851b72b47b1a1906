//! Users and signing in: staff with a password, cashiers with a PIN on a registered tablet.

use crate::access::Role;
use crate::events::RegisterRef;
use crate::validation::{FieldErrors, yes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/session`: staff sign in with their id and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// `POST /api/v1/session/pin`: a cashier signs in with a PIN on a registered tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinLoginInput {
    pub login: String,
    pub pin: String,
}

/// The longest login a sign-in may name: no user has a longer one ([`UserInput::validated`]).
pub const MAX_LOGIN_CHARS: usize = 32;
/// The longest password accepted, at sign-in as when it is set.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The longest PIN accepted, at sign-in or approval as when it is set.
pub const MAX_PIN_CHARS: usize = 8;

/// Checks the sizes of what a sign-in (or an approval) sends, before anything is looked up or
/// hashed: a login of at most [`MAX_LOGIN_CHARS`] and a secret of at most `max_secret`
/// characters, neither empty. Nothing longer is ever hashed, stored or written to the log.
pub fn check_sign_in(
    login_field: &str,
    login: &str,
    secret_field: &str,
    secret: &str,
    max_secret: usize,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    let login = login.trim();
    if login.is_empty() {
        e.add(login_field, "required", "ログインIDを入力してください");
    } else if login.chars().count() > MAX_LOGIN_CHARS {
        e.add(
            login_field,
            "too_long",
            format!("ログインIDは{MAX_LOGIN_CHARS}文字以内です"),
        );
    }
    if secret.is_empty() {
        e.add(secret_field, "required", "パスワード(PIN)を入力してください");
    } else if secret.chars().count() > max_secret {
        e.add(
            secret_field,
            "too_long",
            format!("パスワード(PIN)は{max_secret}文字以内です"),
        );
    }
    e.into_result(())
}

impl LoginInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        check_sign_in(
            "login",
            &self.login,
            "password",
            &self.password,
            MAX_PASSWORD_CHARS,
        )
    }
}

impl PinLoginInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        check_sign_in("login", &self.login, "pin", &self.pin, MAX_PIN_CHARS)
    }
}

/// A user as others see it (never any secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub facility_id: Option<i64>,
    /// Whether the user has a PIN (cashiers sign in with it; council users approve with it).
    pub has_pin: bool,
    pub active: bool,
    /// Signs in to the やさしいレジ: the till for workers with disabilities (issue 21).
    #[serde(default)]
    pub easy_till: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Creates or changes a user. A blank `password` or `pin` on update keeps the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub facility_id: Option<i64>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    /// The cashier's till opens as the やさしいレジ.
    #[serde(default)]
    pub easy_till: bool,
}

/// `GET /api/v1/session`: who is signed in, and the token to send back as `X-CSRF-Token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// The register of this tablet, when it is a registered till.
    pub register: Option<RegisterRef>,
}

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; staff handle money).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a password; the message says what is wrong.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err("パスワードは10文字以上にしてください")
    } else if password.chars().count() > MAX_PASSWORD_CHARS {
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

impl UserInput {
    /// `creating`: a new user needs a password (staff) or a PIN (cashiers).
    pub fn validated(&self, creating: bool) -> Result<UserInput, FieldErrors> {
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
        e.into_result(UserInput {
            login,
            display_name,
            password: password.map(String::from),
            pin: pin.map(String::from),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> UserInput {
        UserInput {
            login: "Sato.K".into(),
            display_name: "佐藤".into(),
            role,
            facility_id: None,
            password: Some("correct horse battery".into()),
            pin: None,
            active: true,
            easy_till: false,
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
    fn sign_ins_are_bounded_before_anything_is_hashed() {
        let ok = LoginInput {
            login: "admin".into(),
            password: "x".repeat(MAX_PASSWORD_CHARS),
        };
        assert!(ok.validated().is_ok());
        let long = LoginInput {
            login: "a".repeat(MAX_LOGIN_CHARS + 1),
            password: "x".repeat(MAX_PASSWORD_CHARS + 1),
        };
        let fields: Vec<_> = long
            .validated()
            .expect_err("too long")
            .0
            .into_iter()
            .map(|f| (f.field, f.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("login".to_string(), "too_long".to_string()),
                ("password".to_string(), "too_long".to_string())
            ]
        );
        let empty = PinLoginInput {
            login: " ".into(),
            pin: String::new(),
        };
        assert_eq!(empty.validated().expect_err("empty").0.len(), 2);
        let pin = PinLoginInput {
            login: "vol".into(),
            pin: "1".repeat(MAX_PIN_CHARS + 1),
        };
        assert_eq!(pin.validated().expect_err("long pin").0[0].field, "pin");
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
