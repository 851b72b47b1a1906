//! CSV for Excel, the one way selpos writes it: UTF-8 with a BOM (so Excel reads Japanese),
//! and every text cell that Excel would run as a formula made plain text. A facility or product
//! name, a reason or a note typed as `=HYPERLINK(…)` or `@SUM(…)` would otherwise become a live
//! formula in the council's spreadsheet (CSV injection). Numbers (a negative amount such as
//! `-200`) stay numbers.

use crate::error::{Error, Result};

/// A CSV document being written for Excel.
pub struct ExcelCsv {
    out: csv::Writer<Vec<u8>>,
}

/// The characters that make Excel (and LibreOffice) read a cell as a formula, or that can
/// smuggle one in at the start of a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as Excel should show it: text that would start a formula gets a leading `'`
/// (Excel's own mark for "this is text", not shown in the cell); numbers are left alone.
pub fn plain_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let is_number = cell.parse::<i64>().is_ok() || cell.parse::<f64>().is_ok_and(f64::is_finite);
    if cell.starts_with(FORMULA_STARTS) && !is_number {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

impl ExcelCsv {
    pub fn new() -> ExcelCsv {
        ExcelCsv {
            out: csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        }
    }

    /// Writes one row, each cell made plain ([`plain_cell`]).
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| plain_cell(c.as_ref()).into_owned())
            .collect();
        self.out.write_record(&cells).map_err(csv_error)
    }

    /// The document's bytes.
    pub fn finish(self) -> Result<Vec<u8>> {
        self.out
            .into_inner()
            .map_err(|e| Error::Internal(format!("CSV: {e}")))
    }
}

impl Default for ExcelCsv {
    fn default() -> Self {
        ExcelCsv::new()
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(format!("CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
            ("+81-3", "'+81-3"),
            ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-200", "-200"),
            ("12.5", "12.5"),
            ("クッキー", "クッキー"),
            ("", ""),
        ] {
            assert_eq!(plain_cell(cell), shown, "{cell:?}");
        }
    }

    #[test]
    fn a_document_starts_with_the_bom_and_quotes_as_csv_does() {
        let mut doc = ExcelCsv::new();
        doc.row(["名前", "金額"]).expect("row");
        doc.row(["=1+1", "-200"]).expect("row");
        let bytes = doc.finish().expect("bytes");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            "\u{feff}名前,金額\n'=1+1,-200\n"
        );
    }
}
