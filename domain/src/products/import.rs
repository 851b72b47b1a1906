//! 商品CSVの取り込み: a facility's product list uploaded again (an edited catalogue) updates
//! the products it already has instead of adding them twice. Each row is matched to a product
//! of the facility by its JAN, else by its name; it is then added, updated, or unchanged.
//!
//! - A JAN (or in-store code) in the file finds the facility's product with that code. A real
//!   JAN another facility's product has is refused: it names one product in the catalogue.
//! - A row whose code finds nothing takes the first not yet matched product of the facility
//!   with the same name (its JAN, if the file gives one, is then updated).
//! - Each product is matched by one row at most: two rows of the same name match two products
//!   of that name, in order, so uploading the same file twice changes nothing.
//! - A column the file lacks (ふりがな, JAN, 分類) leaves that value of a matched product as
//!   it is; the active flag and the low-stock threshold are never the file's.

use super::{Product, ProductInput};
use crate::codes::CodeScope;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which of the optional columns the file has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportColumns {
    pub kana: bool,
    pub jan: bool,
    pub category: bool,
}

impl ImportColumns {
    pub const ALL: ImportColumns = ImportColumns {
        kana: true,
        jan: true,
        category: true,
    };
}

/// One row of the file, validated ([`ProductInput::validated`]), with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: usize,
    pub input: ProductInput,
}

/// What the import did with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new product (追加).
    Added,
    /// A product of the facility, changed to the row (更新).
    Updated,
    /// A product of the facility that already was as the row says (変更なし).
    Unchanged,
}

impl ImportOutcome {
    pub fn label_ja(self) -> &'static str {
        match self {
            ImportOutcome::Added => "追加",
            ImportOutcome::Updated => "更新",
            ImportOutcome::Unchanged => "変更なし",
        }
    }
}

/// What to do with one row: add `input`, or change product `product_id` to `input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    pub line: usize,
    pub outcome: ImportOutcome,
    /// The matched product (`None`: added).
    pub product_id: Option<i64>,
    /// The product as it will be.
    pub input: ProductInput,
}

/// One row's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportedRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub outcome: ImportOutcome,
    pub product: Product,
}

/// `POST /api/v1/facilities/{id}/products/import`: the counts, and each row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductImport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rows: Vec<ImportedRow>,
}

impl ProductImport {
    pub fn of(rows: Vec<ImportedRow>) -> ProductImport {
        let count = |o: ImportOutcome| rows.iter().filter(|r| r.outcome == o).count();
        ProductImport {
            added: count(ImportOutcome::Added),
            updated: count(ImportOutcome::Updated),
            unchanged: count(ImportOutcome::Unchanged),
            rows,
        }
    }
}

/// Whether `product` already is as `input` says (the fields a file can set).
fn same(product: &Product, input: &ProductInput) -> bool {
    product.name == input.name
        && product.kana == input.kana
        && product.price == input.price
        && product.tax_rate == input.tax_rate
        && product.jan == input.jan
        && product.category == input.category
}

/// Matches the file's rows to `facility_id`'s products in `catalogue` (every product: a real
/// JAN of another facility is refused) and decides each row's outcome. All rows or none: any
/// problem is answered, row by row, as field errors `rows[{line}].jan`.
pub fn plan_import(
    facility_id: i64,
    catalogue: &[Product],
    columns: ImportColumns,
    rows: &[ImportRow],
) -> Result<Vec<PlannedRow>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut own: Vec<&Product> = catalogue
        .iter()
        .filter(|p| p.facility_id == facility_id)
        .collect();
    own.sort_by_key(|p| p.id);
    // product id → the line that matched it.
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    let mut matched: Vec<Option<&Product>> = vec![None; rows.len()];
    // By code first, so that a name never takes a product whose code another row gives.
    let mut codes: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(code) = row.input.jan.as_deref().filter(|_| columns.jan) else {
            continue;
        };
        let field = format!("rows[{}].jan", row.line);
        if let Some(first) = codes.insert(code, row.line) {
            errors.add(
                field,
                "duplicate",
                format!("{}行目: JANコード {code} が{first}行目と重複しています", row.line),
            );
            continue;
        }
        let holder = catalogue.iter().find(|p| {
            p.jan
                .as_deref()
                .is_some_and(|held| CodeScope::same_product_code(code, facility_id, held, p.facility_id))
        });
        match holder {
            Some(p) if p.facility_id == facility_id => {
                claimed.insert(p.id, row.line);
                matched[i] = Some(p);
            }
            Some(p) => errors.add(
                field,
                "conflict",
                format!(
                    "{}行目: JANコード {code} はすでに別の事業所の商品「{}」に登録されています",
                    row.line, p.name
                ),
            ),
            None => {}
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if matched[i].is_some() {
            continue;
        }
        if let Some(p) = own
            .iter()
            .find(|p| p.name == row.input.name && !claimed.contains_key(&p.id))
        {
            claimed.insert(p.id, row.line);
            matched[i] = Some(p);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(rows
        .iter()
        .zip(matched)
        .map(|(row, product)| match product {
            None => PlannedRow {
                line: row.line,
                outcome: ImportOutcome::Added,
                product_id: None,
                input: ProductInput {
                    facility_id,
                    ..row.input.clone()
                },
            },
            Some(p) => {
                let input = ProductInput {
                    facility_id,
                    name: row.input.name.clone(),
                    kana: if columns.kana {
                        row.input.kana.clone()
                    } else {
                        p.kana.clone()
                    },
                    price: row.input.price,
                    tax_rate: row.input.tax_rate,
                    jan: if columns.jan {
                        row.input.jan.clone()
                    } else {
                        p.jan.clone()
                    },
                    category: if columns.category {
                        row.input.category.clone()
                    } else {
                        p.category.clone()
                    },
                    low_stock_threshold: p.low_stock_threshold,
                    active: p.active,
                };
                PlannedRow {
                    line: row.line,
                    outcome: if same(p, &input) {
                        ImportOutcome::Unchanged
                    } else {
                        ImportOutcome::Updated
                    },
                    product_id: Some(p.id),
                    input,
                }
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Yen;
    use crate::tax::TaxRate;
    use chrono::DateTime;

    fn product(id: i64, facility_id: i64, name: &str, price: i64, jan: Option<&str>) -> Product {
        Product {
            id,
            facility_id,
            name: name.into(),
            kana: String::new(),
            price: Yen(price),
            tax_rate: TaxRate::Reduced,
            jan: jan.map(String::from),
            category: String::new(),
            low_stock_threshold: 3,
            active: true,
            photo: None,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn row(line: usize, name: &str, price: i64, jan: Option<&str>) -> ImportRow {
        ImportRow {
            line,
            input: ProductInput {
                facility_id: 1,
                name: name.into(),
                kana: String::new(),
                price: Yen(price),
                tax_rate: TaxRate::Reduced,
                jan: jan.map(String::from),
                category: String::new(),
                low_stock_threshold: 3,
                active: true,
            },
        }
    }

    fn outcomes(plan: &[PlannedRow]) -> Vec<(ImportOutcome, Option<i64>)> {
        plan.iter().map(|r| (r.outcome, r.product_id)).collect()
    }

    use ImportOutcome::{Added, Unchanged, Updated};

    const JAN: &str = "4901234567894";
    const IN_STORE: &str = "2000000000015";

    #[test]
    fn a_new_file_adds_and_the_same_file_again_changes_nothing() {
        let rows = [row(2, "クッキー", 300, Some(JAN)), row(3, "布ぞうり", 900, None)];
        let first = plan_import(1, &[], ImportColumns::ALL, &rows).expect("plan");
        assert_eq!(outcomes(&first), [(Added, None), (Added, None)]);
        // What the first upload stored.
        let stored = [
            product(10, 1, "クッキー", 300, Some(JAN)),
            product(11, 1, "布ぞうり", 900, None),
        ];
        let again = plan_import(1, &stored, ImportColumns::ALL, &rows).expect("plan");
        assert_eq!(outcomes(&again), [(Unchanged, Some(10)), (Unchanged, Some(11))]);
    }

    #[test]
    fn a_jan_finds_its_product_whatever_its_name_and_a_name_finds_the_rest() {
        let stored = [
            product(10, 1, "クッキー", 300, Some(JAN)),
            product(11, 1, "布ぞうり", 900, None),
            product(12, 2, "布ぞうり", 800, None),
        ];
        let rows = [
            row(2, "手作りクッキー", 300, Some(JAN)),
            row(3, "布ぞうり", 950, Some(IN_STORE)),
            row(4, "しおり", 150, None),
        ];
        let plan = plan_import(1, &stored, ImportColumns::ALL, &rows).expect("plan");
        assert_eq!(
            outcomes(&plan),
            [(Updated, Some(10)), (Updated, Some(11)), (Added, None)]
        );
        assert_eq!(plan[0].input.name, "手作りクッキー");
        assert_eq!(plan[1].input.price, Yen(950));
        assert_eq!(plan[1].input.jan.as_deref(), Some(IN_STORE));
    }

    #[test]
    fn two_rows_of_one_name_match_two_products_of_that_name() {
        let stored = [
            product(10, 1, "ブローチ", 500, None),
            product(11, 1, "ブローチ", 500, None),
        ];
        let rows = [
            row(2, "ブローチ", 500, None),
            row(3, "ブローチ", 600, None),
            row(4, "ブローチ", 700, None),
        ];
        let plan = plan_import(1, &stored, ImportColumns::ALL, &rows).expect("plan");
        assert_eq!(
            outcomes(&plan),
            [(Unchanged, Some(10)), (Updated, Some(11)), (Added, None)]
        );
    }

    #[test]
    fn a_name_never_takes_the_product_another_row_names_by_code() {
        let stored = [product(10, 1, "クッキー", 300, Some(JAN))];
        // Row 2 has the name, row 3 the code: the code wins, row 2 is a new product.
        let rows = [
            row(2, "クッキー", 300, None),
            row(3, "クッキー大袋", 600, Some(JAN)),
        ];
        let plan = plan_import(1, &stored, ImportColumns::ALL, &rows).expect("plan");
        assert_eq!(outcomes(&plan), [(Added, None), (Updated, Some(10))]);
    }

    #[test]
    fn codes_of_other_facilities() {
        // Another facility's in-store code is theirs: here it is a product of our own.
        let stored = [
            product(20, 2, "パン", 200, Some(IN_STORE)),
            product(21, 2, "ジャム", 500, Some(JAN)),
        ];
        let plan = plan_import(
            1,
            &stored,
            ImportColumns::ALL,
            &[row(2, "パン", 200, Some(IN_STORE))],
        )
        .expect("plan");
        assert_eq!(outcomes(&plan), [(Added, None)]);
        // A real JAN names one product in the catalogue: another facility's is refused.
        let errors = plan_import(
            1,
            &stored,
            ImportColumns::ALL,
            &[row(2, "ジャム", 500, Some(JAN))],
        )
        .expect_err("taken");
        assert_eq!(errors.0[0].field, "rows[2].jan");
        assert_eq!(errors.0[0].code, "conflict");
        assert!(errors.0[0].message.contains(JAN) && errors.0[0].message.contains("ジャム"));
    }

    #[test]
    fn a_code_twice_in_the_file_is_refused() {
        let errors = plan_import(
            1,
            &[],
            ImportColumns::ALL,
            &[row(2, "A", 100, Some(IN_STORE)), row(5, "B", 100, Some(IN_STORE))],
        )
        .expect_err("twice");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "rows[5].jan");
        assert!(errors.0[0].message.starts_with("5行目") && errors.0[0].message.contains("2行目"));
    }

    #[test]
    fn columns_the_file_lacks_keep_their_values() {
        let mut stored = product(10, 1, "クッキー", 300, Some(JAN));
        stored.kana = "くっきー".into();
        stored.category = "焼き菓子".into();
        stored.active = false;
        stored.low_stock_threshold = 9;
        let columns = ImportColumns::default();
        let plan =
            plan_import(1, &[stored.clone()], columns, &[row(2, "クッキー", 300, None)]).expect("plan");
        assert_eq!(outcomes(&plan), [(Unchanged, Some(10))]);
        assert_eq!(plan[0].input.jan.as_deref(), Some(JAN));
        assert_eq!(plan[0].input.kana, "くっきー");
        assert!(!plan[0].input.active);
        assert_eq!(plan[0].input.low_stock_threshold, 9);
        // With the columns, the file says what they are: an empty 分類 clears it.
        let plan = plan_import(
            1,
            &[stored],
            ImportColumns::ALL,
            &[row(2, "クッキー", 300, Some(JAN))],
        )
        .expect("plan");
        assert_eq!(outcomes(&plan), [(Updated, Some(10))]);
        assert_eq!(plan[0].input.category, "");
    }

    #[test]
    fn counts() {
        let p = product(1, 1, "A", 1, None);
        let rows = [Added, Updated, Unchanged, Unchanged].map(|outcome| ImportedRow {
            line: 2,
            outcome,
            product: p.clone(),
        });
        let answer = ProductImport::of(rows.to_vec());
        assert_eq!((answer.added, answer.updated, answer.unchanged), (1, 1, 2));
    }
}
