//! Importing a facility's product list and its intake counts from CSV, as Excel writes it
//! (UTF-8 with or without BOM, or Shift_JIS). Every row is checked first; nothing is written
//! if any row is wrong, and the message names the row and the problem.

use crate::db::constraints::Unique;
use crate::db::{self, Db};
use crate::error::{Error, OnUnique, Result};
use crate::usecases::audit;
use crate::usecases::stock;
use chrono::Utc;
use selpos_domain::TaxRate;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::products::import::{
    ImportColumns, ImportOutcome, ImportRow, ImportedRow, ProductImport, plan_import,
};
use selpos_domain::products::{Product, ProductInput};
use selpos_domain::stock::{
    EventStock, MAX_LINE_QUANTITY, MovementKind, StockLineInput, StockOperationInput,
};
use selpos_domain::validation::FieldErrors;

/// The most rows one file may have: a facility's list is a few hundred at most.
pub const MAX_ROWS: usize = 2000;

/// The text of an uploaded file: UTF-8 (a BOM is dropped) or else Shift_JIS (Excel's "CSV").
pub fn decode(bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(file_error(
            "文字コードを読み取れません。UTF-8 または Shift_JIS の CSV で保存してください",
        ));
    }
    Ok(text.into_owned())
}

fn file_error(message: &str) -> Error {
    Error::field("file", "format", message)
}

/// A CSV read by its header: which of the wanted columns it has, and each row's cells in the
/// order of the wanted columns ("" where the file has none) with its line number.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) present: Vec<bool>,
    pub(crate) rows: Vec<(usize, Vec<String>)>,
}

/// The rows of a CSV with a header (see [`Table`]); a column whose key ends in `?` may be missing.
pub(crate) fn rows(text: &str, columns: &[(&'static str, &[&str])]) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| file_error("1行目に見出しが必要です"))?
        .clone();
    // Map each wanted column to its position, by any of its accepted names.
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|(_, names)| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        })
        .collect();
    if let Some(((_, names), _)) = columns
        .iter()
        .zip(&positions)
        .find(|((key, _), p)| p.is_none() && !key.ends_with('?'))
    {
        return Err(file_error(&format!("見出しに「{}」の列がありません", names[0])));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|_| file_error(&format!("{line}行目を読み取れません")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if out.len() >= MAX_ROWS {
            return Err(file_error(&format!("行数が多すぎます({MAX_ROWS}行まで)")));
        }
        out.push((
            line,
            positions
                .iter()
                .map(|p| p.and_then(|p| record.get(p)).unwrap_or("").to_string())
                .collect(),
        ));
    }
    if out.is_empty() {
        return Err(file_error("データの行がありません"));
    }
    Ok(Table {
        present: positions.iter().map(Option::is_some).collect(),
        rows: out,
    })
}

fn parse_number(text: &str) -> Option<i64> {
    selpos_domain::codes::normalise_digits(text)
        .replace([',', '円', '¥', '￥'], "")
        .trim()
        .parse()
        .ok()
}

fn parse_rate(text: &str) -> Option<TaxRate> {
    match selpos_domain::codes::normalise_digits(text)
        .replace('%', "")
        .trim()
    {
        "8" | "軽減" | "reduced" => Some(TaxRate::Reduced),
        "10" | "標準" | "standard" => Some(TaxRate::Standard),
        _ => None,
    }
}

const PRODUCT_COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["商品名", "name"]),
    ("kana?", &["ふりがな", "kana"]),
    ("price", &["価格", "税込価格", "price"]),
    ("tax_rate", &["税率", "tax_rate"]),
    ("jan?", &["JAN", "JANコード", "jan"]),
    ("category?", &["分類", "category"]),
];

/// A facility's products from a CSV (商品名, ふりがな, 価格, 税率 8/10, JAN, 分類): each row
/// adds a product, or updates the one it matches (by JAN, else by name within the facility;
/// see [`plan_import`]), or finds it unchanged. Every row is checked first; nothing is written
/// if any row is wrong.
pub async fn import_products(
    db: &Db,
    actor: &Principal,
    facility_id: i64,
    bytes: &[u8],
) -> Result<ProductImport> {
    if !actor.may_edit_facility_goods(facility_id) {
        return Err(Error::Forbidden);
    }
    let text = decode(bytes)?;
    let table = rows(&text, PRODUCT_COLUMNS)?;
    let columns = ImportColumns {
        kana: table.present[1],
        jan: table.present[4],
        category: table.present[5],
    };
    let mut errors = FieldErrors::default();
    let mut valid_rows = Vec::new();
    for (line, cells) in table.rows {
        let field = |name: &str| format!("rows[{line}].{name}");
        let price = parse_number(&cells[2]);
        let rate = parse_rate(&cells[3]);
        if price.is_none() {
            errors.add(
                field("price"),
                "format",
                format!("{line}行目: 価格を数字で入力してください"),
            );
        }
        if rate.is_none() {
            errors.add(
                field("tax_rate"),
                "format",
                format!("{line}行目: 税率は 8 または 10 にしてください"),
            );
        }
        let input = ProductInput {
            facility_id,
            name: cells[0].clone(),
            kana: cells[1].clone(),
            price: Yen(price.unwrap_or(1)),
            tax_rate: rate.unwrap_or(TaxRate::Standard),
            jan: (!cells[4].is_empty()).then(|| cells[4].clone()),
            category: cells[5].clone(),
            low_stock_threshold: 3,
            active: true,
        };
        match input.validated() {
            Ok(input) => valid_rows.push(ImportRow { line, input }),
            Err(fields) => {
                for f in fields.0 {
                    errors.add(
                        field(&f.field),
                        &f.code,
                        format!("{line}行目: {}: {}", column_label(&f.field), f.message),
                    );
                }
            }
        }
    }
    let mut tx = db.write().await?;
    if db::facilities::get(&mut tx, facility_id).await?.is_none() {
        return Err(Error::NotFound("事業所"));
    }
    let catalogue = db::products::list(&mut tx, &db::products::ProductFilter::default()).await?;
    // The rows' own problems and how they meet the catalogue, all in one answer.
    let plan = match plan_import(facility_id, &catalogue, columns, &valid_rows) {
        Ok(plan) if errors.is_empty() => plan,
        Ok(_) => return Err(Error::Validation(errors)),
        Err(matching) => {
            errors.0.extend(matching.0);
            return Err(Error::Validation(errors));
        }
    };
    let now = Utc::now();
    let mut answered = Vec::with_capacity(plan.len());
    for row in plan {
        let conflict = format!(
            "{}行目: JANコード {} はすでに別の商品に登録されています",
            row.line,
            row.input.jan.as_deref().unwrap_or("")
        );
        let product = match (row.outcome, row.product_id) {
            (ImportOutcome::Unchanged, Some(id)) => db::products::get(&mut tx, id)
                .await?
                .ok_or(Error::NotFound("商品"))?,
            (_, Some(id)) => {
                let before = db::products::get(&mut tx, id)
                    .await?
                    .ok_or(Error::NotFound("商品"))?;
                let after = db::products::update(&mut tx, id, &row.input, now)
                    .await
                    .on_unique(Unique::ProductJan, &conflict)
                    .on_unique(Unique::ProductInStoreCode, &conflict)?
                    .ok_or(Error::NotFound("商品"))?;
                audit::record(
                    &mut tx,
                    actor,
                    "product.import",
                    "product",
                    id,
                    Some(&before),
                    Some(&after),
                )
                .await?;
                after
            }
            (_, None) => {
                let created = db::products::insert(&mut tx, &row.input, now)
                    .await
                    .on_unique(Unique::ProductJan, &conflict)
                    .on_unique(Unique::ProductInStoreCode, &conflict)?;
                audit::record(
                    &mut tx,
                    actor,
                    "product.import",
                    "product",
                    created.id,
                    None::<&Product>,
                    Some(&created),
                )
                .await?;
                created
            }
        };
        answered.push(ImportedRow {
            line: row.line,
            outcome: row.outcome,
            product,
        });
    }
    tx.commit().await?;
    Ok(ProductImport::of(answered))
}

fn column_label(field: &str) -> &'static str {
    match field {
        "name" => "商品名",
        "kana" => "ふりがな",
        "price" => "価格",
        "jan" => "JAN",
        "category" => "分類",
        _ => "入力",
    }
}

const INTAKE_COLUMNS: &[(&str, &[&str])] = &[
    ("product", &["JAN", "商品名", "jan", "name", "product"]),
    ("quantity", &["数量", "quantity"]),
];

/// 搬入 from a CSV (JAN or 商品名, 数量): one intake operation of a facility at an event.
pub async fn import_intake(
    db: &Db,
    actor: &Principal,
    event_id: i64,
    facility_id: i64,
    operation_id: uuid::Uuid,
    bytes: &[u8],
) -> Result<EventStock> {
    if !actor.may_edit_facility_goods(facility_id) {
        return Err(Error::Forbidden);
    }
    let text = decode(bytes)?;
    let products = db::products::list(
        &mut db.read().await?,
        &db::products::ProductFilter {
            facility_id: Some(facility_id),
            ..Default::default()
        },
    )
    .await?;
    let mut errors = FieldErrors::default();
    let mut lines = Vec::new();
    for (line, cells) in rows(&text, INTAKE_COLUMNS)?.rows {
        let key = selpos_domain::codes::normalise_digits(&cells[0]);
        let product = products
            .iter()
            .find(|p| p.jan.as_deref() == Some(key.as_str()) || p.name == cells[0]);
        let quantity = parse_number(&cells[1]).filter(|q| (1..=MAX_LINE_QUANTITY).contains(q));
        match (product, quantity) {
            (Some(p), Some(q)) => lines.push(StockLineInput {
                product_id: p.id,
                quantity: q,
            }),
            (None, _) => errors.add(
                format!("rows[{line}].product"),
                "not_found",
                format!("{line}行目: 「{}」はこの事業所の商品にありません", cells[0]),
            ),
            (_, None) => errors.add(
                format!("rows[{line}].quantity"),
                "out_of_range",
                format!("{line}行目: 数量を1以上の数字で入力してください"),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let input = StockOperationInput {
        id: operation_id,
        kind: MovementKind::Intake,
        facility_id,
        to_event_id: None,
        lines,
        note: "CSV取込".into(),
        approval_id: None,
    };
    stock::record(db, actor, event_id, &input).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_encodings_are_read() {
        assert_eq!(
            decode("\u{feff}商品名,価格".as_bytes()).expect("utf8 bom"),
            "商品名,価格"
        );
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("商品名,価格\nクッキー,300");
        assert_eq!(decode(&sjis).expect("sjis"), "商品名,価格\nクッキー,300");
        assert!(decode(&[0x82, 0xff, 0xff, 0x00, 0x81]).is_err());
    }

    #[test]
    fn numbers_and_rates_as_people_type_them() {
        assert_eq!(parse_number("1,200円"), Some(1200));
        assert_eq!(parse_number("３００"), Some(300));
        assert_eq!(parse_rate("8%"), Some(TaxRate::Reduced));
        assert_eq!(parse_rate("標準"), Some(TaxRate::Standard));
        assert_eq!(parse_rate("5"), None);
    }

    #[test]
    fn headers_are_required_and_named() {
        let err = rows("名前,値段\nx,1", PRODUCT_COLUMNS).expect_err("no 商品名");
        assert!(format!("{err:?}").contains("商品名"));
        let ok = rows("商品名,価格,税率\nクッキー,300,8\n,,\n", PRODUCT_COLUMNS).expect("rows");
        assert_eq!(ok.rows.len(), 1, "blank rows are skipped");
        assert_eq!(ok.rows[0].0, 2);
        assert_eq!(ok.rows[0].1, ["クッキー", "", "300", "8", "", ""]);
        assert_eq!(ok.present, [true, false, true, true, false, false]);
    }
}
