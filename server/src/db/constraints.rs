//! The unique constraints whose violations the use cases turn into a 409 with their own message
//! ([`crate::error::OnUnique`]), each named once with its table and columns. The names are the
//! ones PostgreSQL gave them (`{table}_{column}_key`); SQLite keeps no constraint names, so a
//! violation there is recognised by its message, built from the table and columns.
//! `tests/schema.rs` checks every entry against both migrated schemas.

use sqlx::error::DatabaseError;
use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

/// Declares [`Unique`] and its [`Unique::ALL`] from one list, so no entry can miss the checks.
macro_rules! unique_constraints {
    ($($(#[$doc:meta])* $variant:ident = $name:literal on $table:ident ($($column:ident),+);)+) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Unique {
            $($(#[$doc])* $variant,)+
        }

        impl Unique {
            /// Every entry, for the schema test.
            pub const ALL: &[Unique] = &[$(Unique::$variant),+];

            /// The constraint's name on PostgreSQL.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Unique::$variant => $name,)+
                }
            }

            pub const fn table(self) -> &'static str {
                match self {
                    $(Unique::$variant => stringify!($table),)+
                }
            }

            /// In the constraint's order, which is the order of SQLite's message.
            pub const fn columns(self) -> &'static [&'static str] {
                match self {
                    $(Unique::$variant => &[$(stringify!($column)),+],)+
                }
            }
        }
    };
}

unique_constraints! {
    /// 事業所番号.
    FacilityNumber = "facilities_number_key" on facilities (number);
    /// A JAN code names one product in the whole council.
    ProductJan = "products_jan_key" on products (jan);
    /// An in-store code (JAN prefix 02, 20–29) names one product of its facility.
    ProductInStoreCode = "products_facility_id_in_store_code_key" on products (facility_id, in_store_code);
    /// Event codes (case-folded before they are stored).
    EventCode = "events_code_key" on events (code);
    UserLogin = "users_login_key" on users (login);
    /// The council's code of a vending machine.
    VendingMachineCode = "vending_machines_code_key" on vending_machines (code);
    /// 受付番号 of a gift order within its season (gift pre-orders, issue 24).
    GiftOrderNumber = "gift_orders_season_id_number_key" on gift_orders (season_id, number);
}

impl Unique {
    /// SQLite's message for a violation: `UNIQUE constraint failed: t.a, t.b`.
    pub fn sqlite_message(self) -> String {
        let columns: Vec<String> = self
            .columns()
            .iter()
            .map(|column| format!("{}.{column}", self.table()))
            .collect();
        format!("UNIQUE constraint failed: {}", columns.join(", "))
    }

    /// Whether `error` (a unique violation) is one of this constraint. The SQLite message is
    /// compared whole: a prefix would also match `t.a` against a violation of `t.a_other`.
    pub fn is_violated_by(self, error: &(dyn DatabaseError + 'static)) -> bool {
        if let Some(pg) = error.try_downcast_ref::<PgDatabaseError>() {
            pg.constraint() == Some(self.name())
        } else if let Some(sqlite) = error.try_downcast_ref::<SqliteError>() {
            sqlite.message() == self.sqlite_message()
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn sqlite_messages_name_every_column() {
        assert_eq!(
            Unique::FacilityNumber.sqlite_message(),
            "UNIQUE constraint failed: facilities.number"
        );
        assert_eq!(Unique::ProductJan.columns(), ["jan"]);
    }

    #[test]
    fn names_are_distinct() {
        let names: HashSet<_> = Unique::ALL.iter().map(|u| u.name()).collect();
        assert_eq!(names.len(), Unique::ALL.len());
    }

    /// On SQLite the column list must match whole: `products.jan_other` is not `products.jan`.
    #[tokio::test]
    async fn sqlite_violations_match_their_own_columns_only() -> Result<(), sqlx::Error> {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
        sqlx::query("CREATE TABLE products (jan TEXT UNIQUE, jan_other TEXT UNIQUE)")
            .execute(&pool)
            .await?;
        sqlx::query("INSERT INTO products VALUES ('1', '1')")
            .execute(&pool)
            .await?;
        for (insert, matches) in [
            ("INSERT INTO products VALUES ('1', '2')", true),
            ("INSERT INTO products VALUES ('2', '1')", false),
        ] {
            let Err(sqlx::Error::Database(error)) = sqlx::query(insert).execute(&pool).await else {
                panic!("{insert}: no unique violation");
            };
            assert!(error.is_unique_violation());
            assert_eq!(
                Unique::ProductJan.is_violated_by(error.as_ref()),
                matches,
                "{insert}"
            );
        }
        Ok(())
    }
}
