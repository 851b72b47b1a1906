//! The receipt (レシート) as a simplified qualified invoice (適格簡易請求書), and its layout as
//! the lines of a thermal printer, measured in half-width columns.
//!
//! The layout is pure: the server turns it into ESC/POS bytes, the tablet shows
//! [`render_text`] as a preview, and golden tests compare either.

use crate::api::{Sale, SaleKind};
use crate::cart::{CartLine, CartTotals, Discount, LineAmounts, Tender, TenderKind};
use crate::codes::InvoiceRegistrationNumber;
use crate::money::Yen;
use crate::tax::{RoundingMode, TaxRate};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 80 mm paper: 576 dots, 48 half-width columns (Font A).
pub const COLUMNS_80MM: usize = 48;
/// 58 mm paper: 384 dots, 32 half-width columns.
pub const COLUMNS_58MM: usize = 32;
/// Narrower layouts make no sense; smaller values are raised to this.
pub const MIN_COLUMNS: usize = 16;

/// Not 領収書: that word is kept for the formal receipt that names the buyer.
const TITLE: &str = "レシート";
/// A void (取消) and a refund (返品) print under their own titles, with negative amounts.
const VOID_TITLE: &str = "取消レシート";
const REFUND_TITLE: &str = "返品レシート";
/// A receipt printed again later is marked, so it is never taken for a second purchase.
const REPRINT_MARK: &str = "【再発行】";
const REDUCED_MARK: &str = "※";
const REDUCED_LEGEND: &str = "※は軽減税率(8%)対象";
const NON_INVOICE_NOTE: &str = "下記は適格請求書の対象外です";
const NON_INVOICE_REASON: &str = "(適格請求書発行事業者でない事業所の商品)";

/// A receipt as issued by the council at a joint sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// The council, which issues the invoice for the facilities (媒介者交付特例).
    pub issuer_name: String,
    /// `T` + 13 digits; `None` if the council is not a registered issuer, and then the receipt
    /// claims no invoice status at all.
    pub issuer_invoice_number: Option<String>,
    pub event_name: String,
    pub register_name: String,
    pub receipt_number: String,
    /// Local time of the sale (Asia/Tokyo).
    pub issued_at_local: NaiveDateTime,
    pub lines: Vec<ReceiptLine>,
    pub totals: CartTotals,
    pub tenders: Vec<Tender>,
    pub change: Yen,
    /// Printed centred at the bottom; may hold several lines.
    pub footer: String,
    /// The sale's id (UUID text), printed as a QR code to find the sale again.
    pub receipt_id: String,
    /// A sale, or the void (取消) or refund (返品) of one: then the amounts are negative.
    #[serde(default)]
    pub kind: SaleKind,
    /// For a void or refund: the receipt number of the sale it reverses.
    #[serde(default)]
    pub original_receipt_number: Option<String>,
    /// Printed again after the sale (再発行).
    #[serde(default)]
    pub reprint: bool,
}

/// What a receipt names besides the sale itself: the issuer, the place and the local time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiptHeader {
    pub issuer_name: String,
    pub issuer_invoice_number: Option<String>,
    pub event_name: String,
    pub register_name: String,
    /// When the sale was made, in Asia/Tokyo.
    pub issued_at_local: NaiveDateTime,
    pub footer: String,
    /// For a void or refund: the receipt number of the original sale.
    pub original_receipt_number: Option<String>,
    pub reprint: bool,
}

impl Receipt {
    /// The receipt of a recorded sale, void or refund, exactly as recorded: the per-rate
    /// totals and their tax are the stored ones, never computed again. `facility_names` maps
    /// the facility ids of the lines to their names.
    pub fn of_sale(sale: &Sale, header: ReceiptHeader, facility_names: &BTreeMap<i64, String>) -> Receipt {
        let lines: Vec<ReceiptLine> = sale
            .lines
            .iter()
            .map(|l| ReceiptLine {
                facility_name: facility_names.get(&l.facility_id).cloned().unwrap_or_default(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.net,
                tax_rate: l.tax_rate,
                invoice_eligible: l.invoice_eligible,
                discount: l.discount,
            })
            .collect();
        let totals = CartTotals {
            lines: sale
                .lines
                .iter()
                .map(|l| LineAmounts {
                    gross: Yen(l.net.0.saturating_add(l.discount.0)),
                    discount: l.discount,
                    net: l.net,
                })
                .collect(),
            by_rate: sale.by_rate.clone(),
            non_invoice_total: sale.non_invoice_total,
            total: sale.total,
            item_count: sale.lines.iter().map(|l| l.quantity).sum(),
        };
        Receipt {
            issuer_name: header.issuer_name,
            issuer_invoice_number: header.issuer_invoice_number,
            event_name: header.event_name,
            register_name: header.register_name,
            receipt_number: sale.receipt_number.clone(),
            issued_at_local: header.issued_at_local,
            lines,
            totals,
            tenders: sale.tenders.clone(),
            change: sale.change,
            footer: header.footer,
            receipt_id: sale.id.to_string(),
            kind: sale.kind,
            original_receipt_number: header.original_receipt_number,
            reprint: header.reprint,
        }
    }

    /// Whether this receipt pays money back (a void or a refund).
    pub fn is_reversal(&self) -> bool {
        self.kind != SaleKind::Sale
    }

    /// Whether the cash drawer should open when it prints: money changes hands in cash.
    /// A reprint never opens it.
    pub fn moves_cash(&self) -> bool {
        !self.reprint
            && self
                .tenders
                .iter()
                .any(|t| t.kind == TenderKind::Cash && t.amount != Yen::ZERO)
    }
}

/// The raw printing port of network printers (JetDirect / "port 9100").
pub const PRINTER_PORT: u16 = 9100;

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address → host and port (9100
/// when not given). `None` when it is not such an address: a URL, spaces, port 0, a port
/// above 65535, characters no host name has.
pub fn parse_printer_address(text: &str) -> Option<(String, u16)> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            _ => (text, None),
        }
    };
    let port = match port {
        None => PRINTER_PORT,
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => port.parse().ok().filter(|&p| p != 0)?,
        Some(_) => return None,
    };
    let host_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%');
    if host.is_empty() || host.len() > 253 || !host.chars().all(host_chars) {
        return None;
    }
    Some((host.to_owned(), port))
}

/// One sold line as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptLine {
    pub facility_name: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Yen,
    /// Net amount of the line (after the discount).
    pub amount: Yen,
    pub tax_rate: TaxRate,
    pub invoice_eligible: bool,
    /// 値引き in yen; zero when none.
    pub discount: Yen,
}

impl ReceiptLine {
    pub fn from_cart(line: &CartLine, amounts: &LineAmounts, facility_name: impl Into<String>) -> Self {
        ReceiptLine {
            facility_name: facility_name.into(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
            amount: amounts.net,
            tax_rate: line.tax_rate,
            invoice_eligible: line.invoice_eligible,
            discount: amounts.discount,
        }
    }
}

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
        page.pair("元のレシート", &format!("No.{original}"));
    }
}

/// `¥1,234`, and `-¥1,234` for money paid back (not the `¥-1,234` of [`Yen`]'s `Display`).
fn signed(amount: Yen) -> String {
    if amount.0 < 0 {
        format!("-¥{}", Yen(amount.0.saturating_neg()).grouped())
    } else {
        amount.to_string()
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
    page.pair(&format!("{mark}{}", line.name), &signed(gross));
    // A void or refund line has a negative quantity; its amounts say so already.
    let quantity = line.quantity.saturating_abs();
    if quantity != 1 {
        page.text(&format!("  @{} × {quantity}", line.unit_price), Align::Left);
    }
    if line.discount != Yen::ZERO {
        // Reversed, a discount is given back: it adds to the (negative) amount.
        page.pair("  値引", &signed(Yen(line.discount.0.saturating_neg())));
    }
}

fn rate_totals(page: &mut Page, totals: &CartTotals) {
    for rate in &totals.by_rate {
        page.pair(
            &format!("{}%対象", rate.rate.percent()),
            &format!("{} (内消費税 {})", signed(rate.total), signed(rate.tax)),
        );
    }
}

fn non_invoice_items(page: &mut Page, lines: &[&ReceiptLine], total: Yen) {
    page.text(NON_INVOICE_NOTE, Align::Left);
    page.text(NON_INVOICE_REASON, Align::Left);
    items(page, lines);
    page.pair("対象外 計", &signed(total));
}

fn payment(page: &mut Page, receipt: &Receipt) {
    page.pair_styled("合計", &signed(receipt.totals.total), true, true);
    let count = receipt.totals.item_count.saturating_abs();
    match receipt.kind {
        SaleKind::Sale => page.pair("お買上点数", &format!("{count}点")),
        SaleKind::Void => page.pair("取消点数", &format!("{count}点")),
        SaleKind::Refund => page.pair("返品点数", &format!("{count}点")),
    }
    if receipt.is_reversal() {
        // Money goes back: the tenders are negative; say how much is paid back, and how.
        for tender in &receipt.tenders {
            page.pair(
                &format!("ご返金({})", tender.kind.label_ja()),
                &Yen(tender.amount.0.saturating_abs()).to_string(),
            );
        }
        page.rule();
        return;
    }
    for tender in &receipt.tenders {
        page.pair(tender.kind.label_ja(), &signed(tender.amount));
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

impl Receipt {
    /// A made-up receipt of a joint bazaar, for previews (settings, printer test) and tests.
    /// Its amounts are chosen so that rounding the tax per line would give other figures.
    pub fn example() -> Receipt {
        let items = [
            (
                "ひまわり作業所",
                "手作りクッキー(プレーン)",
                120,
                2,
                TaxRate::Reduced,
                true,
                None,
            ),
            (
                "さくらベーカリー",
                "パウンドケーキ",
                450,
                1,
                TaxRate::Reduced,
                true,
                Some(Discount::Yen(Yen(50))),
            ),
            (
                "ひまわり作業所",
                "さをり織りポーチ",
                780,
                1,
                TaxRate::Standard,
                true,
                None,
            ),
            (
                "ひまわり作業所",
                "手織りコースター",
                320,
                1,
                TaxRate::Standard,
                true,
                None,
            ),
            (
                "あおぞら工房",
                "押し花しおり",
                150,
                2,
                TaxRate::Standard,
                false,
                None,
            ),
            (
                "あおぞら工房",
                "あおぞら農園の手作りいちごジャム（国産いちご使用）150g",
                500,
                1,
                TaxRate::Reduced,
                false,
                None,
            ),
        ];
        let cart: Vec<(&str, CartLine)> = items
            .into_iter()
            .enumerate()
            .map(
                |(i, (facility, name, price, quantity, tax_rate, eligible, discount))| {
                    let line = CartLine {
                        product_id: i as i64 + 1,
                        facility_id: if eligible { 1 } else { 2 },
                        name: name.into(),
                        unit_price: Yen(price),
                        quantity,
                        tax_rate,
                        discount,
                        invoice_eligible: eligible,
                    };
                    (facility, line)
                },
            )
            .collect();
        let cart_lines: Vec<CartLine> = cart.iter().map(|(_, line)| line.clone()).collect();
        let totals = crate::cart::cart_totals(&cart_lines, RoundingMode::Down).unwrap_or_default();
        let lines = cart
            .iter()
            .zip(&totals.lines)
            .map(|((facility, line), amounts)| ReceiptLine::from_cart(line, amounts, *facility))
            .collect();
        let tenders = vec![Tender {
            kind: TenderKind::Cash,
            amount: Yen(3000),
        }];
        let change = crate::cart::settle(totals.total, &tenders, false)
            .map(|s| s.change)
            .unwrap_or_default();
        Receipt {
            issuer_name: "一般社団法人群馬県社会就労センター協議会".into(),
            issuer_invoice_number: InvoiceRegistrationNumber::with_check_digit("700000000001")
                .ok()
                .map(String::from),
            event_name: "ハートバザール 秋".into(),
            register_name: "1番レジ".into(),
            receipt_number: "0001-0042".into(),
            issued_at_local: NaiveDate::from_ymd_opt(2025, 11, 23)
                .and_then(|d| d.and_hms_opt(14, 5, 9))
                .unwrap_or_default(),
            lines,
            totals,
            tenders,
            change,
            footer: "お買い上げありがとうございます。\n売上は障害のある方の工賃になります。".into(),
            receipt_id: "0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b".into(),
            kind: SaleKind::Sale,
            original_receipt_number: None,
            reprint: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[PrintLine]) -> Vec<&str> {
        lines
            .iter()
            .filter_map(|l| match l {
                PrintLine::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn position(haystack: &[&str], needle: &str) -> usize {
        haystack
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}"))
    }

    #[test]
    fn widths_count_full_width_as_two() {
        assert_eq!(display_width("abc 123"), 7);
        assert_eq!(display_width("¥1,234"), 6);
        assert_eq!(display_width("ｸｯｷｰ"), 4);
        assert_eq!(display_width("クッキー"), 8);
        assert_eq!(display_width("※8%対象"), 2 + 2 + 4);
        assert_eq!(display_width("（）　"), 6);
        assert_eq!(display_width("😀"), 2);
        assert_eq!(display_width("a\nb"), 2);
    }

    #[test]
    fn wrap_never_splits_a_character() {
        assert_eq!(wrap("あいうえお", 4), ["あい", "うえ", "お"]);
        // A full-width character that would straddle the edge moves to the next line.
        assert_eq!(wrap("aあいう", 4), ["aあ", "いう"]);
        assert_eq!(wrap("abcあ", 4), ["abc", "あ"]);
        assert_eq!(wrap("ｸｯｷｰｸｯｷｰ", 5), ["ｸｯｷｰｸ", "ｯｷｰ"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("あ", 1), ["あ"]);
        assert_eq!(wrap("Cookie box", 6), ["Cookie", "box"]);
        assert_eq!(wrap("Cookie box", 8), ["Cookie", "box"]);
    }

    #[test]
    fn wrap_keeps_words_and_follows_kinsoku() {
        // Half-width words stay whole when they fit the next line.
        assert_eq!(wrap("ジャム150g", 8), ["ジャム", "150g"]);
        assert_eq!(wrap("1234567890", 4), ["1234", "5678", "90"]);
        // ー, 。 and small kana do not start a line: the previous character comes along.
        assert_eq!(wrap("センター協議会", 6), ["セン", "ター協", "議会"]);
        assert_eq!(wrap("ありがとう。", 10), ["ありがと", "う。"]);
        assert_eq!(wrap("チョコ", 4), ["チョ", "コ"]);
        assert_eq!(wrap("ショコラ", 2), ["シ", "ョ", "コ", "ラ"], "nothing to carry");
        for line in wrap("あおぞら農園の手作りいちごジャム（国産いちご使用）150g", 11)
        {
            assert!(display_width(&line) <= 11, "{line}");
        }
    }

    #[test]
    fn example_totals_round_once_per_rate() {
        let r = Receipt::example();
        // 8%: 240 + 400 = 640 → 47 (per line 17 + 29 = 46). 10%: 780 + 320 = 1,100 → 100 (70 + 29 = 99).
        let rate = |rate| r.totals.rate(rate).map(|t| (t.total, t.tax));
        assert_eq!(rate(TaxRate::Reduced), Some((Yen(640), Yen(47))));
        assert_eq!(rate(TaxRate::Standard), Some((Yen(1100), Yen(100))));
        assert_eq!(r.totals.non_invoice_total, Yen(800));
        assert_eq!(r.totals.total, Yen(2540));
        assert_eq!(r.totals.item_count, 8);
        assert_eq!(r.change, Yen(460));
        assert_eq!(r.issuer_invoice_number.as_deref(), Some("T3700000000001"));
        assert_eq!(r.issued_at_local.to_string(), "2025-11-23 14:05:09");
    }

    #[test]
    fn layout_has_every_invoice_element() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            let lines = layout(&Receipt::example(), columns);
            let t = texts(&lines);
            position(&t, "群馬県社会就労");
            position(&t, "登録番号 T3700000000001");
            position(&t, "2025年11月23日(日) 14:05");
            position(&t, "No.0001-0042");
            position(&t, "※手作りクッキー");
            position(&t, REDUCED_LEGEND);
            let standard = t[position(&t, "10%対象")..].join("");
            assert!(
                standard.contains("¥1,100 (内消費税 ¥100)"),
                "{columns}: {standard}"
            );
            let reduced = t[position(&t, "8%対象")..].join("");
            assert!(reduced.contains("¥640 (内消費税 ¥47)"), "{columns}: {reduced}");
            assert!(matches!(lines.last(), Some(PrintLine::Cut)));
            assert!(lines.contains(&PrintLine::Qr("0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b".into())));
        }
    }

    #[test]
    fn no_text_is_wider_than_the_paper() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM, 20] {
            for line in layout(&Receipt::example(), columns) {
                if let PrintLine::Text { text, double, .. } = &line {
                    let limit = if *double { columns / 2 } else { columns };
                    assert!(display_width(text) <= limit, "{columns}: {line:?}");
                }
            }
        }
    }

    #[test]
    fn amounts_are_flush_right() {
        let lines = layout(&Receipt::example(), COLUMNS_80MM);
        let t = texts(&lines);
        for needle in [
            "※手作りクッキー(プレーン)",
            "値引",
            "対象外 計",
            "お釣り",
            "8%対象",
        ] {
            let line = t[position(&t, needle)];
            assert_eq!(display_width(line), COLUMNS_80MM, "{line:?}");
        }
        assert_eq!(
            t[position(&t, "  値引")].trim_start(),
            format!("値引{}-¥50", " ".repeat(38))
        );
        let total = lines
            .iter()
            .find(|l| matches!(l, PrintLine::Text { text, .. } if text.starts_with("合計")))
            .expect("should succeed");
        let PrintLine::Text {
            text, bold, double, ..
        } = total
        else {
            unreachable!()
        };
        assert!(*bold && *double);
        assert_eq!(text, &format!("合計{}¥2,540", " ".repeat(24 - 4 - 6)));
    }

    #[test]
    fn unregistered_facilities_are_printed_apart() {
        let lines = layout(&Receipt::example(), COLUMNS_80MM);
        let t = texts(&lines);
        let note = position(&t, NON_INVOICE_NOTE);
        // Every invoice figure comes before the note, every non-invoice item after it.
        assert!(position(&t, "8%対象") < note);
        assert!(position(&t, "さをり織りポーチ") < note);
        assert!(position(&t, "【あおぞら工房】") > note);
        assert!(position(&t, "押し花しおり") > note);
        assert!(position(&t, "あおぞら農園") > note);
        assert!(t[position(&t, "対象外 計")].ends_with("¥800"));
        // The invoice totals leave the ¥800 out: ¥640 + ¥1,100 + ¥800 = ¥2,540.
        assert!(t[position(&t, "合計")].ends_with("¥2,540"));
    }

    #[test]
    fn a_receipt_of_only_unregistered_facilities_shows_no_number() {
        let mut receipt = Receipt::example();
        receipt.lines.retain(|l| !l.invoice_eligible);
        receipt.totals.by_rate.clear();
        let t = layout(&receipt, COLUMNS_80MM);
        let t = texts(&t);
        assert!(
            !t.iter().any(|l| l.contains("登録番号") || l.contains("内消費税")),
            "{t:#?}"
        );
        position(&t, NON_INVOICE_NOTE);
    }

    #[test]
    fn an_unregistered_council_claims_nothing() {
        let mut receipt = Receipt::example();
        receipt.issuer_invoice_number = None;
        let t = layout(&receipt, COLUMNS_80MM);
        let t = texts(&t);
        assert!(
            !t.iter()
                .any(|l| l.contains("登録番号") || l.contains("内消費税") || l.contains("適格"))
        );
        position(&t, "【あおぞら工房】");
        position(&t, "さをり織りポーチ");
    }

    #[test]
    fn items_are_grouped_by_facility() {
        let lines = layout(&Receipt::example(), COLUMNS_80MM);
        let t = texts(&lines);
        let himawari = position(&t, "【ひまわり作業所】");
        let sakura = position(&t, "【さくらベーカリー】");
        // The coaster was rung up after the cake but belongs to the first facility.
        assert!(himawari < position(&t, "手織りコースター"));
        assert!(position(&t, "手織りコースター") < sakura);
        assert!(sakura < position(&t, "パウンドケーキ"));
    }

    #[test]
    fn long_names_wrap_with_the_amount_on_the_last_line() {
        let lines = layout(&Receipt::example(), COLUMNS_58MM);
        let t = texts(&lines);
        let first = position(&t, "※あおぞら農園");
        assert!(!t[first].contains('¥'));
        let joined: String = t[first..first + 3].concat();
        assert!(joined.contains("150g"), "{joined}");
        let last = (first..t.len())
            .find(|&i| t[i].ends_with("¥500"))
            .expect("the amount line");
        assert!(last > first);
    }

    #[test]
    fn the_tax_line_breaks_when_it_does_not_fit() {
        let mut receipt = Receipt::example();
        receipt.totals.by_rate[0].total = Yen(1_234_567);
        receipt.totals.by_rate[0].tax = Yen(112_233);
        let lines = layout(&receipt, COLUMNS_58MM);
        let t = texts(&lines);
        let label = position(&t, "10%対象");
        assert_eq!(t[label], "10%対象");
        assert_eq!(t[label + 1].trim_start(), "¥1,234,567 (内消費税 ¥112,233)");
        assert_eq!(display_width(t[label + 1]), COLUMNS_58MM);
    }

    #[test]
    fn control_characters_do_not_reach_the_printer() {
        let mut receipt = Receipt::example();
        receipt.lines[0].name = "クッキー\x1b@\tﾃｽﾄ\n".into();
        let lines = layout(&receipt, COLUMNS_80MM);
        assert!(texts(&lines).iter().all(|t| !t.chars().any(char::is_control)));
    }

    #[test]
    fn render_text_stretches_double_lines_and_centres() {
        let lines = [
            PrintLine::text("レシート", Align::Center).bold().double(),
            PrintLine::text("ab", Align::Right),
            PrintLine::Rule,
            PrintLine::Feed(1),
            PrintLine::Cut,
        ];
        let text = render_text(&lines, 20);
        let expected = [
            format!("{}レ  シ  ー  ト", " ".repeat(2)),
            format!("{}ab", " ".repeat(18)),
            "-".repeat(20),
            String::new(),
            "=".repeat(20),
        ];
        assert_eq!(text, format!("{}\n", expected.join("\n")));
    }

    #[test]
    fn rendered_lines_fit_the_paper() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            let text = render_text(&layout(&Receipt::example(), columns), columns);
            for line in text.lines() {
                assert!(display_width(line) <= columns, "{columns}: {line:?}");
            }
        }
    }

    #[test]
    fn rendered_80mm_receipt() {
        let text = render_text(&layout(&Receipt::example(), COLUMNS_80MM), COLUMNS_80MM);
        let expected = r"
                レ  シ  ー  ト
    一般社団法人群馬県社会就労センター協議会
            登録番号 T3700000000001
2025年11月23日(日) 14:05
ハートバザール 秋
レジ: 1番レジ                       No.0001-0042
------------------------------------------------
【ひまわり作業所】
※手作りクッキー(プレーン)                  ¥240
  @¥120 × 2
さをり織りポーチ                            ¥780
手織りコースター                            ¥320
【さくらベーカリー】
※パウンドケーキ                            ¥450
  値引                                      -¥50
------------------------------------------------
10%対象                   ¥1,100 (内消費税 ¥100)
8%対象                       ¥640 (内消費税 ¥47)
------------------------------------------------
下記は適格請求書の対象外です
(適格請求書発行事業者でない事業所の商品)
【あおぞら工房】
押し花しおり                                ¥300
  @¥150 × 2
※あおぞら農園の手作りいちごジャム（国産い
ちご使用）150g                              ¥500
対象外 計                                   ¥800
※は軽減税率(8%)対象
------------------------------------------------
合  計                              ¥ 2 , 5 4 0
お買上点数                                   8点
現金                                      ¥3,000
お釣り                                      ¥460
------------------------------------------------
        お買い上げありがとうございます。
      売上は障害のある方の工賃になります。
   [QR: 0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b]
================================================
";
        assert_eq!(text, &expected[1..], "\n{text}");
    }

    /// The example as the server records it: a sale with its lines, tenders and rate totals,
    /// each facility with an id of its own.
    fn example_sale() -> (Sale, BTreeMap<i64, String>) {
        let r = Receipt::example();
        let mut names = BTreeMap::new();
        let lines = r
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let id = names
                    .iter()
                    .find(|(_, n)| **n == l.facility_name)
                    .map(|(id, _)| *id)
                    .unwrap_or(names.len() as i64 + 1);
                names.insert(id, l.facility_name.clone());
                crate::api::SaleLine {
                    line_no: i as i64 + 1,
                    product_id: i as i64 + 1,
                    facility_id: id,
                    name: l.name.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    tax_rate: l.tax_rate,
                    discount: l.discount,
                    net: l.amount,
                    invoice_eligible: l.invoice_eligible,
                }
            })
            .collect();
        let at = chrono::DateTime::parse_from_rfc3339("2025-11-23T05:05:09Z")
            .expect("time")
            .to_utc();
        let sale = Sale {
            id: r.receipt_id.parse().expect("uuid"),
            kind: SaleKind::Sale,
            event_id: 1,
            register_id: 1,
            receipt_number: r.receipt_number.clone(),
            local_number: String::new(),
            cashier_login: "vol".into(),
            sold_at: at,
            recorded_at: at,
            original_sale_id: None,
            lines,
            tenders: r.tenders.clone(),
            by_rate: r.totals.by_rate.clone(),
            non_invoice_total: r.totals.non_invoice_total,
            total: r.totals.total,
            change: r.change,
            late: false,
            voided: false,
            reason: String::new(),
        };
        (sale, names)
    }

    fn example_header(original: Option<&str>) -> ReceiptHeader {
        let r = Receipt::example();
        ReceiptHeader {
            issuer_name: r.issuer_name,
            issuer_invoice_number: r.issuer_invoice_number,
            event_name: r.event_name,
            register_name: r.register_name,
            issued_at_local: r.issued_at_local,
            footer: r.footer,
            original_receipt_number: original.map(String::from),
            reprint: false,
        }
    }

    /// The void of the example sale, as `sales::void` records it.
    fn example_void() -> Receipt {
        let (mut sale, names) = example_sale();
        sale.kind = SaleKind::Void;
        sale.receipt_number = "0001-0043".into();
        for line in &mut sale.lines {
            line.quantity = -line.quantity;
            line.discount = Yen(-line.discount.0);
            line.net = Yen(-line.net.0);
        }
        for rate in &mut sale.by_rate {
            rate.total = Yen(-rate.total.0);
            rate.tax = rate.rate.included_tax(rate.total, RoundingMode::Down);
        }
        sale.non_invoice_total = Yen(-sale.non_invoice_total.0);
        sale.total = Yen(-sale.total.0);
        // ¥3,000 handed over, ¥460 change: ¥2,540 goes back in cash.
        sale.tenders = vec![Tender {
            kind: TenderKind::Cash,
            amount: Yen(-2540),
        }];
        sale.change = Yen::ZERO;
        Receipt::of_sale(&sale, example_header(Some("0001-0042")), &names)
    }

    #[test]
    fn a_recorded_sale_gives_the_same_receipt() {
        let (sale, names) = example_sale();
        let receipt = Receipt::of_sale(&sale, example_header(None), &names);
        assert_eq!(receipt, Receipt::example());
        assert!(receipt.moves_cash() && !receipt.is_reversal());
        let card = Receipt {
            tenders: vec![Tender {
                kind: TenderKind::CreditCard,
                amount: Yen(2540),
            }],
            ..receipt.clone()
        };
        assert!(!card.moves_cash(), "no drawer for a card sale");
        let reprint = Receipt {
            reprint: true,
            ..receipt
        };
        assert!(!reprint.moves_cash(), "no drawer for a reprint");
    }

    #[test]
    fn a_void_prints_as_such_with_negative_amounts() {
        let void = example_void();
        assert!(void.is_reversal() && void.moves_cash());
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            let lines = layout(&void, columns);
            let t = texts(&lines);
            assert_eq!(t[0], VOID_TITLE);
            let line = |needle: &str| t[position(&t, needle)];
            assert!(line("元のレシート").ends_with("No.0001-0042"), "{t:#?}");
            assert!(line("※手作りクッキー").ends_with("-¥240"), "{t:#?}");
            // The discount comes back: it adds to the negative amount.
            assert!(line("値引").ends_with(" ¥50"), "{t:#?}");
            let standard = t[position(&t, "10%対象")..].join("");
            assert!(
                standard.contains("-¥1,100 (内消費税 -¥100)"),
                "{columns}: {standard}"
            );
            let reduced = t[position(&t, "8%対象")..].join("");
            assert!(reduced.contains("-¥640 (内消費税 -¥47)"), "{columns}: {reduced}");
            assert!(line("対象外 計").ends_with("-¥800"));
            assert!(line("合計").ends_with("-¥2,540"));
            assert!(line("取消点数").ends_with("8点"));
            assert!(line("ご返金(現金)").ends_with(" ¥2,540"));
            assert!(
                !t.iter().any(|l| l.contains("お釣り") || l.contains("¥-")),
                "{t:#?}"
            );
            for l in &lines {
                if let PrintLine::Text { text, double, .. } = l {
                    let limit = if *double { columns / 2 } else { columns };
                    assert!(display_width(text) <= limit, "{columns}: {l:?}");
                }
            }
        }
    }

    #[test]
    fn a_refund_and_a_reprint_are_titled() {
        let mut refund = example_void();
        refund.kind = SaleKind::Refund;
        let t = layout(&refund, COLUMNS_80MM);
        let t = texts(&t);
        assert_eq!(t[0], REFUND_TITLE);
        position(&t, "返品点数");

        let reprint = Receipt {
            reprint: true,
            ..Receipt::example()
        };
        let t = layout(&reprint, COLUMNS_80MM);
        let t = texts(&t);
        assert_eq!(&t[..2], &[TITLE, REPRINT_MARK]);
    }

    #[test]
    fn rendered_80mm_void() {
        let text = render_text(&layout(&example_void(), COLUMNS_80MM), COLUMNS_80MM);
        let expected = r"
            取  消  レ  シ  ー  ト
    一般社団法人群馬県社会就労センター協議会
            登録番号 T3700000000001
2025年11月23日(日) 14:05
ハートバザール 秋
レジ: 1番レジ                       No.0001-0043
元のレシート                        No.0001-0042
------------------------------------------------
【ひまわり作業所】
※手作りクッキー(プレーン)                 -¥240
  @¥120 × 2
さをり織りポーチ                           -¥780
手織りコースター                           -¥320
【さくらベーカリー】
※パウンドケーキ                           -¥450
  値引                                       ¥50
------------------------------------------------
10%対象                 -¥1,100 (内消費税 -¥100)
8%対象                     -¥640 (内消費税 -¥47)
------------------------------------------------
下記は適格請求書の対象外です
(適格請求書発行事業者でない事業所の商品)
【あおぞら工房】
押し花しおり                               -¥300
  @¥150 × 2
※あおぞら農園の手作りいちごジャム（国産い
ちご使用）150g                             -¥500
対象外 計                                  -¥800
※は軽減税率(8%)対象
------------------------------------------------
合  計                            - ¥ 2 , 5 4 0
取消点数                                     8点
ご返金(現金)                              ¥2,540
------------------------------------------------
        お買い上げありがとうございます。
      売上は障害のある方の工賃になります。
   [QR: 0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b]
================================================
";
        assert_eq!(text, &expected[1..], "\n{text}");
    }

    #[test]
    fn printer_addresses() {
        let ok = |addr: &str| parse_printer_address(addr).expect("should succeed");
        assert_eq!(ok("192.168.1.50"), ("192.168.1.50".into(), 9100));
        assert_eq!(ok(" 192.168.1.50:9101 "), ("192.168.1.50".into(), 9101));
        assert_eq!(ok("tm-t88.local"), ("tm-t88.local".into(), 9100));
        assert_eq!(ok("[::1]:9100"), ("::1".into(), 9100));
        assert_eq!(ok("fe80::1"), ("fe80::1".into(), 9100));
        assert_eq!(ok("[fe80::1]"), ("fe80::1".into(), 9100));
        for bad in [
            "",
            "host:abc",
            ":9100",
            "host:",
            "host:0",
            "host:99999",
            "host:+80",
            "http://host",
            "[::1",
            "[::1]x",
            "プリンター",
            "a b",
        ] {
            assert_eq!(parse_printer_address(bad), None, "{bad:?}");
        }
    }
}
