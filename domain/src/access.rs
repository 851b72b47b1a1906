//! Who may do what. Three kinds of people use selpos and money moves through it, so every
//! rule lives here, in one place, and the server asks these questions on every route.

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// 協議会 管理者: everything, including users and the council's settings.
    CouncilAdmin,
    /// 協議会 職員: master data, events, settlement, reports; no user administration.
    CouncilStaff,
    /// 事業所 職員: their own facility only.
    FacilityStaff,
    /// レジ担当 (volunteer): rings up sales on a registered tablet, nothing else.
    Cashier,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::CouncilAdmin,
        Role::CouncilStaff,
        Role::FacilityStaff,
        Role::Cashier,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CouncilAdmin => "council_admin",
            Role::CouncilStaff => "council_staff",
            Role::FacilityStaff => "facility_staff",
            Role::Cashier => "cashier",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Role::CouncilAdmin => "協議会 管理者",
            Role::CouncilStaff => "協議会 職員",
            Role::FacilityStaff => "事業所 職員",
            Role::Cashier => "レジ担当",
        }
    }

    pub fn is_council(self) -> bool {
        matches!(self, Role::CouncilAdmin | Role::CouncilStaff)
    }
}

/// The signed-in person a request acts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    /// The facility of facility staff.
    pub facility_id: Option<i64>,
    /// The register of the tablet a cashier signed in on.
    pub register_id: Option<i64>,
}

impl Principal {
    pub fn is_council(&self) -> bool {
        self.role.is_council()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::CouncilAdmin
    }

    /// Users, the council's own settings and the audit log.
    pub fn may_administer(&self) -> bool {
        self.is_admin()
    }

    /// Facilities, events, registers and tablets.
    pub fn may_manage_council_data(&self) -> bool {
        self.is_council()
    }

    /// Whether the caller may see data that belongs to `facility_id`.
    pub fn may_see_facility(&self, facility_id: i64) -> bool {
        match self.role {
            Role::CouncilAdmin | Role::CouncilStaff => true,
            Role::FacilityStaff => self.facility_id == Some(facility_id),
            // A cashier sees what is on sale: the catalogue of every facility.
            Role::Cashier => true,
        }
    }

    /// Whether the caller may create or change products (and later stock) of `facility_id`.
    pub fn may_edit_facility_goods(&self, facility_id: i64) -> bool {
        self.is_council() || (self.role == Role::FacilityStaff && self.facility_id == Some(facility_id))
    }

    /// Whether the caller may see `facility_id`'s settlement statements and wage figures: the
    /// council, or that facility's own staff (the people who manage its goods; not cashiers).
    pub fn may_see_facility_accounts(&self, facility_id: i64) -> bool {
        self.may_edit_facility_goods(facility_id)
    }

    /// The one facility a list must be narrowed to, for facility staff.
    pub fn facility_scope(&self) -> Option<i64> {
        match self.role {
            Role::FacilityStaff => Some(self.facility_id.unwrap_or(-1)),
            _ => None,
        }
    }

    /// Council users approve voids, refunds, price overrides and stock adjustments with their PIN.
    pub fn may_approve(&self) -> bool {
        self.is_council()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, facility_id: Option<i64>) -> Principal {
        Principal {
            user_id: 1,
            login: "u".into(),
            role,
            facility_id,
            register_id: None,
        }
    }

    #[test]
    fn facility_staff_see_and_edit_only_their_own_facility() {
        let staff = principal(Role::FacilityStaff, Some(7));
        assert!(staff.may_see_facility(7) && !staff.may_see_facility(8));
        assert!(staff.may_edit_facility_goods(7) && !staff.may_edit_facility_goods(8));
        assert!(staff.may_see_facility_accounts(7) && !staff.may_see_facility_accounts(8));
        assert_eq!(staff.facility_scope(), Some(7));
        assert!(!staff.may_manage_council_data() && !staff.may_administer() && !staff.may_approve());
        // Misconfigured facility staff without a facility see nothing.
        assert_eq!(principal(Role::FacilityStaff, None).facility_scope(), Some(-1));
        assert!(!principal(Role::FacilityStaff, None).may_see_facility(7));
    }

    #[test]
    fn council_roles() {
        let admin = principal(Role::CouncilAdmin, None);
        let staff = principal(Role::CouncilStaff, None);
        assert!(admin.may_administer() && !staff.may_administer());
        assert!(admin.may_manage_council_data() && staff.may_manage_council_data());
        assert!(staff.may_edit_facility_goods(3) && staff.may_approve());
    }

    #[test]
    fn cashiers_only_sell() {
        let cashier = principal(Role::Cashier, None);
        assert!(cashier.may_see_facility(3));
        assert!(!cashier.may_edit_facility_goods(3));
        assert!(
            !cashier.may_see_facility_accounts(3),
            "cashiers see no statements or wages"
        );
        assert!(!cashier.may_manage_council_data() && !cashier.may_administer() && !cashier.may_approve());
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
    }
}
