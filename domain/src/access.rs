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

/// A rule's "no": the caller may not do or see this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("この操作を行う権限がありません")]
pub struct Denied;

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

    /// Whether the caller may add products at all: the council, or staff of a facility.
    pub fn may_add_goods(&self) -> bool {
        self.is_council() || (self.role == Role::FacilityStaff && self.facility_id.is_some())
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

    /// A cashier signed in on a tablet of this register.
    pub fn is_cashier_of(&self, register_id: i64) -> bool {
        self.role == Role::Cashier && self.register_id == Some(register_id)
    }

    /// Ring up sales on this register: signed in on a tablet registered to it (a cashier, or a
    /// council user standing in at the till).
    pub fn may_sell_on(&self, register_id: i64) -> bool {
        self.register_id == Some(register_id) && (self.is_council() || self.role == Role::Cashier)
    }

    /// Read a register's catalogue: anyone who may sell on it, and the council anywhere.
    pub fn may_read_catalog(&self, register_id: i64) -> bool {
        self.is_council() || self.may_sell_on(register_id)
    }

    /// Open, pay out of and close this register, print on its printer, see its sales: the
    /// council, or a cashier on one of its tablets.
    pub fn may_operate_register(&self, register_id: i64) -> bool {
        self.is_council() || self.is_cashier_of(register_id)
    }

    /// The register a void or refund of a sale rung up on `sale_register` is recorded on, if
    /// the caller may make it: a cashier on the sale's own register; a council user anywhere
    /// (on the tablet they stand at, else on the sale's register).
    pub fn reversal_register(&self, sale_register: i64) -> Option<i64> {
        match (self.is_council(), self.register_id) {
            (_, Some(register)) if register == sale_register || self.is_council() => Some(register),
            (true, None) => Some(sale_register),
            _ => None,
        }
    }

    /// Whether the caller may take returns at all: the council, or a cashier on a till (of the
    /// sale's own register, [`Principal::reversal_register`] says).
    pub fn may_refund(&self) -> bool {
        self.is_council() || (self.role == Role::Cashier && self.register_id.is_some())
    }

    /// The register a journal query must be narrowed to: `Ok(None)` for the council (all),
    /// `Ok(Some(r))` for a cashier (their own register, if they asked for it or for none),
    /// `Err(Denied)` for anyone else.
    pub fn journal_scope(&self, asked: Option<i64>) -> Result<Option<i64>, Denied> {
        if self.is_council() {
            return Ok(asked);
        }
        match (self.role, self.register_id) {
            (Role::Cashier, Some(own)) if asked.is_none_or(|r| r == own) => Ok(Some(own)),
            _ => Err(Denied),
        }
    }

    /// Register reports of a whole event: the council.
    pub fn may_see_event_registers(&self) -> bool {
        self.is_council()
    }

    /// An event's live sales and stock: the council (all facilities, `Ok(None)`), facility
    /// staff (their own, `Ok(Some(f))`); cashiers see neither.
    pub fn event_figures_scope(&self) -> Result<Option<i64>, Denied> {
        match self.role {
            Role::CouncilAdmin | Role::CouncilStaff => Ok(None),
            Role::FacilityStaff => Ok(self.facility_scope()),
            Role::Cashier => Err(Denied),
        }
    }

    /// Record a stock movement of `facility_id`'s goods at `event_id`: council users any;
    /// facility staff their own goods; a cashier only movements that need a manager's approval
    /// (losses, adjustments), at the event of their register (`register_event`).
    pub fn may_move_stock(
        &self,
        facility_id: i64,
        event_id: i64,
        needs_approval: bool,
        register_event: Option<i64>,
    ) -> bool {
        match self.role {
            Role::CouncilAdmin | Role::CouncilStaff => true,
            Role::FacilityStaff => self.facility_id == Some(facility_id),
            Role::Cashier => needs_approval && register_event == Some(event_id),
        }
    }

    /// Settle an event, adjust it, see the whole settlement and dashboards: the council.
    pub fn may_settle(&self) -> bool {
        self.is_council()
    }

    /// The prefecture's wage table of every facility: the council and facility staff.
    pub fn may_see_wage_table(&self) -> bool {
        self.is_council() || self.role == Role::FacilityStaff
    }

    /// The council's other channels (vending machines, …): the council, and facility staff
    /// for their own facility's part ([`Principal::facility_scope`] narrows it).
    pub fn may_see_channels(&self) -> bool {
        self.is_council() || self.role == Role::FacilityStaff
    }

    /// Take gift orders (中元・歳暮) and read the seasons' catalogues: the council, facility
    /// staff (on the form, for their own facility) and a cashier on a till (paid at once).
    pub fn may_take_gift_orders(&self) -> bool {
        self.may_see_channels() || (self.role == Role::Cashier && self.register_id.is_some())
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
        assert!(staff.may_add_goods() && !principal(Role::FacilityStaff, None).may_add_goods());
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
        assert!(!cashier.may_edit_facility_goods(3) && !cashier.may_add_goods());
        assert!(
            !cashier.may_see_facility_accounts(3),
            "cashiers see no statements or wages"
        );
        assert!(!cashier.may_manage_council_data() && !cashier.may_administer() && !cashier.may_approve());
    }

    #[test]
    fn register_rules() {
        let cashier = Principal {
            register_id: Some(4),
            ..principal(Role::Cashier, None)
        };
        let staff_at_till = Principal {
            register_id: Some(4),
            ..principal(Role::CouncilStaff, None)
        };
        let staff = principal(Role::CouncilStaff, None);
        let facility = principal(Role::FacilityStaff, Some(7));
        assert!(cashier.is_cashier_of(4) && !cashier.is_cashier_of(5) && !staff_at_till.is_cashier_of(4));
        assert!(cashier.may_sell_on(4) && !cashier.may_sell_on(5));
        assert!(staff_at_till.may_sell_on(4) && !staff.may_sell_on(4) && staff.may_read_catalog(4));
        assert!(
            cashier.may_operate_register(4)
                && !cashier.may_operate_register(5)
                && staff.may_operate_register(5)
        );
        assert!(!facility.may_operate_register(4) && !facility.may_sell_on(4));
        assert_eq!(cashier.reversal_register(4), Some(4));
        assert_eq!(cashier.reversal_register(5), None);
        assert_eq!(
            staff_at_till.reversal_register(5),
            Some(4),
            "recorded where they stand"
        );
        assert_eq!(staff.reversal_register(5), Some(5));
        assert_eq!(facility.reversal_register(5), None);
        assert!(cashier.may_refund() && staff.may_refund() && !facility.may_refund());
        assert!(!principal(Role::Cashier, None).may_refund(), "not on a till");
        assert_eq!(cashier.journal_scope(None), Ok(Some(4)));
        assert_eq!(cashier.journal_scope(Some(5)), Err(Denied));
        assert_eq!(staff.journal_scope(Some(5)), Ok(Some(5)));
        assert_eq!(facility.journal_scope(None), Err(Denied));
    }

    #[test]
    fn stock_and_figures_rules() {
        let cashier = Principal {
            register_id: Some(4),
            ..principal(Role::Cashier, None)
        };
        let facility = principal(Role::FacilityStaff, Some(7));
        assert!(facility.may_move_stock(7, 1, false, None) && !facility.may_move_stock(8, 1, false, None));
        assert!(cashier.may_move_stock(7, 1, true, Some(1)));
        assert!(
            !cashier.may_move_stock(7, 1, false, Some(1)),
            "intake is not a cashier's"
        );
        assert!(!cashier.may_move_stock(7, 2, true, Some(1)), "another event");
        assert_eq!(facility.event_figures_scope(), Ok(Some(7)));
        assert_eq!(cashier.event_figures_scope(), Err(Denied));
        assert!(facility.may_see_wage_table() && !cashier.may_see_wage_table());
        assert!(!facility.may_settle() && principal(Role::CouncilAdmin, None).may_settle());
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
    }
}
