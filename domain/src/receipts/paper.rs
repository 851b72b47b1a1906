//! The receipt on paper: its lines as a thermal printer prints them, measured in half-width
//! columns (full-width characters count two), with wrapping that follows kinsoku rules.
//! The server turns these lines into ESC/POS bytes; the tablet shows [`render_text`].

use super::{Receipt, ReceiptLine};
use crate::money::Yen;
use crate::sales::SaleKind;
use crate::sales::cart::CartTotals;
use crate::sales::payment::TenderKind;
use crate::tax::TaxRate;
use chrono::{Datelike, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Not 領収書: that word is kept for the formal receipt that names the buyer.
pub(super) const TITLE: &str = "レシート";

/// A void (取消) and a refund (返品) print under their own titles, with negative amounts.
pub(super) const VOID_TITLE: &str = "取消レシート";

pub(super) const REFUND_TITLE: &str = "返品レシート";

/// A receipt printed again later is marked, so it is never taken for a second purchase.
pub(super) const REPRINT_MARK: &str = "【再発行】";

/// A void or refund names the sale it reverses: its date and receipt number.
pub(super) const ORIGINAL_SALE: &str = "元の売上";

/// On a void, change the customer hands back (the change a voucher gave at the sale).
pub(super) const CHANGE_RETURNED: &str = "お釣りのご返却";

pub(super) const REDUCED_MARK: &str = "※";

pub(super) const REDUCED_LEGEND: &str = "※は軽減税率(8%)対象";

pub(super) const NON_INVOICE_NOTE: &str = "下記は適格請求書の対象外です";

pub(super) const NON_INVOICE_REASON: &str = "(適格請求書発行事業者でない事業所の商品)";

/// Narrower layouts make no sense; smaller values are raised to this.
pub const MIN_COLUMNS: usize = 16;

/// How a text is placed on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// One step of a printout, independent of the printer's command set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PrintLine {
    /// One printed line. Layouts keep `text` within the line (half the columns when
    /// `double`, which doubles width and height); a longer text wraps as on the printer.
    Text {
        text: String,
        align: Align,
        bold: bool,
        double: bool,
    },
    /// A horizontal rule across the paper.
    Rule,
    /// A QR code of the text, centred.
    Qr(String),
    /// Blank lines.
    Feed(u8),
    /// Feed to the cutter and cut.
    Cut,
}

impl PrintLine {
    pub fn text(text: impl Into<String>, align: Align) -> Self {
        PrintLine::Text {
            text: text.into(),
            align,
            bold: false,
            double: false,
        }
    }

    /// The same line in bold (no effect on other kinds).
    pub fn bold(mut self) -> Self {
        if let PrintLine::Text { bold, .. } = &mut self {
            *bold = true;
        }
        self
    }

    /// The same line in double width and height (no effect on other kinds).
    pub fn double(mut self) -> Self {
        if let PrintLine::Text { double, .. } = &mut self {
            *double = true;
        }
        self
    }
}

/// Columns a character takes on the printer: 1 for ASCII, half-width katakana, `¥` and `‾`
/// (single bytes in Shift_JIS), 0 for control characters, 2 for everything else.
pub fn char_width(c: char) -> usize {
    match c {
        ' '..='~' | '¥' | '‾' | '\u{FF61}'..='\u{FF9F}' => 1,
        c if c.is_control() => 0,
        _ => 2,
    }
}

/// Columns a text takes on the printer (see [`char_width`]).
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Breaks `text` into lines of at most `width` columns, never inside a character. Where it
/// can, it keeps a half-width word (`150g`) whole and applies the basic Japanese rule that
/// a line does not start with `ー`, `。`, `）` or a small kana (行頭禁則, by moving the last
/// character down). A break swallows the spaces around it. Always at least one line; widths below 2
/// are treated as 2 so that a full-width character fits.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if display_width(&current) + char_width(c) > width && !current.is_empty() {
            let carried = carry_over(&current, c, width);
            let kept = current[..current.len() - carried.len()]
                .trim_end_matches(' ')
                .to_owned();
            current = carried;
            lines.push(kept);
            if c == ' ' && current.is_empty() {
                continue;
            }
        }
        current.push(c);
    }
    lines.push(current);
    lines
}

/// The end of `line` that should move down with `next`: the start of a half-width word, or
/// one character before a character that may not start a line. Empty if nothing should, or
/// if the moved part would not fit the next line or would leave this one empty.
fn carry_over(line: &str, next: char, width: usize) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '%' | '¥' | '-');
    let start = if is_word(next) {
        line.char_indices()
            .rev()
            .take_while(|&(_, c)| is_word(c))
            .last()
            .map(|(i, _)| i)
    } else if NO_LINE_START.contains(next) {
        line.char_indices().last().map(|(i, _)| i)
    } else {
        None
    };
    match start {
        Some(i) if i > 0 && display_width(&line[i..]) + char_width(next) <= width => line[i..].to_owned(),
        _ => String::new(),
    }
}

/// Characters a Japanese line should not start with (行頭禁則文字, the common subset).
const NO_LINE_START: &str = "、。，．,.）)」』】〕ー・：；？！ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々";

/// Lays a receipt out for a printer with `columns` half-width columns (48 for 80 mm, 32 for
/// 58 mm): header, items grouped by facility, invoice totals per rate, the items outside the
/// invoice apart with a note, total, tenders, change, footer, QR code and cut.
pub fn layout(receipt: &Receipt, columns: usize) -> Vec<PrintLine> {
    let mut page = Page::new(columns);
    // A council without a number issues no invoice: no number, no tax figures, no note.
    let issues_invoice = receipt.issuer_invoice_number.is_some();
    let (invoice, other): (Vec<&ReceiptLine>, Vec<&ReceiptLine>) = receipt
        .lines
        .iter()
        .partition(|line| issues_invoice && line.invoice_eligible);

    header(&mut page, receipt, !invoice.is_empty());
    page.rule();
    if !invoice.is_empty() {
        items(&mut page, &invoice);
        page.rule();
        rate_totals(&mut page, &receipt.totals);
    }
    if !other.is_empty() {
        if issues_invoice {
            if !invoice.is_empty() {
                page.rule();
            }
            non_invoice_items(&mut page, &other, receipt.totals.non_invoice_total);
        } else {
            items(&mut page, &other);
        }
    }
    if receipt.lines.iter().any(|line| line.tax_rate == TaxRate::Reduced) {
        page.text(REDUCED_LEGEND, Align::Left);
    }
    page.rule();
    payment(&mut page, receipt);
    footer(&mut page, receipt);
    page.lines
}

fn header(page: &mut Page, receipt: &Receipt, show_number: bool) {
    let title = match receipt.kind {
        SaleKind::Sale => TITLE,
        SaleKind::Void => VOID_TITLE,
        SaleKind::Refund => REFUND_TITLE,
    };
    page.styled(title, Align::Center, true, true);
    if receipt.reprint {
        page.styled(REPRINT_MARK, Align::Center, true, false);
    }
    page.styled(&receipt.issuer_name, Align::Center, true, false);
    if let Some(number) = receipt.issuer_invoice_number.as_deref().filter(|_| show_number) {
        page.text(&format!("登録番号 {number}"), Align::Center);
    }
    page.text(&japanese_date_time(receipt.issued_at_local), Align::Left);
    page.text(&receipt.event_name, Align::Left);
    page.pair(
        &format!("レジ: {}", receipt.register_name),
        &format!("No.{}", receipt.receipt_number),
    );
    if let Some(original) = &receipt.original_receipt_number {
        // 元の売上: 2026/11/30 10:15 R-01-0012, so the original is found from the paper alone.
        let text = match receipt.original_sold_at_local {
            Some(at) => format!("{ORIGINAL_SALE}: {} {original}", at.format("%Y/%m/%d %H:%M")),
            None => format!("{ORIGINAL_SALE}: {original}"),
        };
        page.text(&text, Align::Left);
    }
}

/// `2025年11月23日(日) 14:05`
fn japanese_date_time(at: NaiveDateTime) -> String {
    const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    let weekday = WEEKDAYS[at.weekday().num_days_from_monday() as usize];
    format!("{}({weekday}) {}", at.format("%Y年%m月%d日"), at.format("%H:%M"))
}

/// The lines grouped by facility, each group in the order it first appears.
fn items(page: &mut Page, lines: &[&ReceiptLine]) {
    let mut facilities: Vec<&str> = Vec::new();
    for line in lines {
        if !facilities.contains(&line.facility_name.as_str()) {
            facilities.push(&line.facility_name);
        }
    }
    for facility in facilities {
        page.text(&format!("【{facility}】"), Align::Left);
        for line in lines.iter().filter(|l| l.facility_name == facility) {
            item(page, line);
        }
    }
}

/// Name and gross amount, then the unit price if more than one, then the discount: the
/// amounts column adds up to the total.
fn item(page: &mut Page, line: &ReceiptLine) {
    let mark = if line.tax_rate == TaxRate::Reduced {
        REDUCED_MARK
    } else {
        ""
    };
    let gross = Yen(line.amount.0.saturating_add(line.discount.0));
    page.pair(&format!("{mark}{}", line.name), &gross.to_string());
    // A void or refund line has a negative quantity; its amounts say so already.
    let quantity = line.quantity.saturating_abs();
    if quantity != 1 {
        page.text(&format!("  @{} × {quantity}", line.unit_price), Align::Left);
    }
    if line.discount != Yen::ZERO {
        // Reversed, a discount is given back: it adds to the (negative) amount.
        page.pair("  値引", &Yen(line.discount.0.saturating_neg()).to_string());
    }
}

fn rate_totals(page: &mut Page, totals: &CartTotals) {
    for rate in &totals.by_rate {
        page.pair(
            &format!("{}%対象", rate.rate.percent()),
            &format!("{} (内消費税 {})", rate.total, rate.tax),
        );
    }
}

fn non_invoice_items(page: &mut Page, lines: &[&ReceiptLine], total: Yen) {
    page.text(NON_INVOICE_NOTE, Align::Left);
    page.text(NON_INVOICE_REASON, Align::Left);
    items(page, lines);
    page.pair("対象外 計", &total.to_string());
}

fn payment(page: &mut Page, receipt: &Receipt) {
    page.pair_styled("合計", &receipt.totals.total.to_string(), true, true);
    let count = receipt.totals.item_count.saturating_abs();
    match receipt.kind {
        SaleKind::Sale => page.pair("お買上点数", &format!("{count}点")),
        SaleKind::Void => page.pair("取消点数", &format!("{count}点")),
        SaleKind::Refund => page.pair("返品点数", &format!("{count}点")),
    }
    if receipt.is_reversal() {
        // Money goes back: the tenders are negative; say how much is paid back, and how.
        for tender in &receipt.tenders {
            let what = if tender.amount.0 > 0 {
                CHANGE_RETURNED
            } else {
                "ご返金"
            };
            page.pair(
                &format!("{what}({})", tender.kind.label_ja()),
                &Yen(tender.amount.0.saturating_abs()).to_string(),
            );
        }
        page.rule();
        return;
    }
    for tender in &receipt.tenders {
        page.pair(tender.kind.label_ja(), &tender.amount.to_string());
    }
    let paid_cash = receipt.tenders.iter().any(|t| t.kind == TenderKind::Cash);
    if paid_cash || receipt.change != Yen::ZERO {
        page.pair("お釣り", &receipt.change.to_string());
    }
    page.rule();
}

fn footer(page: &mut Page, receipt: &Receipt) {
    for line in receipt.footer.lines().filter(|l| !l.trim().is_empty()) {
        page.text(line.trim(), Align::Center);
    }
    if !receipt.receipt_id.is_empty() {
        page.lines.push(PrintLine::Qr(receipt.receipt_id.clone()));
    }
    page.lines.push(PrintLine::Cut);
}

/// Collects print lines, keeping every text within the paper's columns.
struct Page {
    columns: usize,
    lines: Vec<PrintLine>,
}

impl Page {
    fn new(columns: usize) -> Self {
        Page {
            columns: columns.max(MIN_COLUMNS),
            lines: Vec::new(),
        }
    }

    fn rule(&mut self) {
        self.lines.push(PrintLine::Rule);
    }

    fn text(&mut self, text: &str, align: Align) {
        self.styled(text, align, false, false);
    }

    /// One or more lines of `text`, wrapped to the paper (half of it when double).
    fn styled(&mut self, text: &str, align: Align, bold: bool, double: bool) {
        for piece in wrap(&printable(text), self.width(double)) {
            self.lines.push(PrintLine::Text {
                text: piece,
                align,
                bold,
                double,
            });
        }
    }

    fn pair(&mut self, left: &str, right: &str) {
        self.pair_styled(left, right, false, false);
    }

    /// `left` and `right` on one line with `right` flush right. If they do not fit, `left`
    /// wraps and `right` ends its last line; if that leaves `left` too narrow (under half the
    /// line), `right` goes on a line of its own.
    fn pair_styled(&mut self, left: &str, right: &str, bold: bool, double: bool) {
        let width = self.width(double);
        let (left, right) = (printable(left), printable(right));
        let right_width = display_width(&right);
        let room = width.saturating_sub(right_width + 1);
        let mut rows = if display_width(&left) <= room || room >= width / 2 {
            wrap(&left, room)
        } else {
            let mut rows = wrap(&left, width);
            rows.push(String::new());
            rows
        };
        if let Some(last) = rows.pop() {
            let gap = width.saturating_sub(display_width(&last) + right_width);
            let joined = if gap == 0 && !last.is_empty() {
                format!("{last} {right}")
            } else {
                format!("{last}{}{right}", " ".repeat(gap))
            };
            rows.extend(wrap(&joined, width));
        }
        for row in rows {
            self.lines.push(PrintLine::Text {
                text: row,
                align: Align::Left,
                bold,
                double,
            });
        }
    }

    fn width(&self, double: bool) -> usize {
        if double { self.columns / 2 } else { self.columns }
    }
}

/// Control characters (a tab or newline in a product name) would break the layout and could
/// smuggle printer commands: they become spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Lays out `lines` as plain text the way the printer places them: wrapped at `columns`,
/// aligned, double-size text stretched to twice its width (each character followed by as
/// many spaces as it is wide). Trailing spaces are dropped. For previews and golden tests.
pub fn render_text(lines: &[PrintLine], columns: usize) -> String {
    let columns = columns.max(MIN_COLUMNS);
    let mut out = Vec::new();
    for line in lines {
        match line {
            PrintLine::Text {
                text, align, double, ..
            } => {
                let width = if *double { columns / 2 } else { columns };
                for piece in wrap(&printable(text), width) {
                    let piece = if *double { stretch(&piece) } else { piece };
                    out.push(place(&piece, *align, columns));
                }
            }
            PrintLine::Rule => out.push("-".repeat(columns)),
            PrintLine::Qr(data) => {
                out.extend(
                    wrap(&format!("[QR: {data}]"), columns)
                        .iter()
                        .map(|p| place(p, Align::Center, columns)),
                );
            }
            PrintLine::Feed(n) => out.extend(std::iter::repeat_n(String::new(), usize::from(*n))),
            PrintLine::Cut => out.push("=".repeat(columns)),
        }
    }
    let mut text = out.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n");
    text.push('\n');
    text
}

fn stretch(text: &str) -> String {
    text.chars()
        .flat_map(|c| std::iter::once(c).chain(std::iter::repeat_n(' ', char_width(c))))
        .collect()
}

fn place(text: &str, align: Align, columns: usize) -> String {
    let spare = columns.saturating_sub(display_width(text));
    let indent = match align {
        Align::Left => 0,
        Align::Center => spare / 2,
        Align::Right => spare,
    };
    format!("{}{text}", " ".repeat(indent))
}
