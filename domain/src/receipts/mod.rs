//! The receipt (レシート) as a simplified qualified invoice (適格簡易請求書), and its layout as
//! the lines of a thermal printer, measured in half-width columns.
//!
//! The receipt is data here; [`paper`] lays it out in printer lines. The layout is pure: the
//! server turns it into ESC/POS bytes, the tablet shows [`paper::render_text`] as a preview,
//! and golden tests compare either.

pub mod formal;
pub mod paper;

use crate::codes::InvoiceRegistrationNumber;
use crate::money::Yen;
use crate::sales::cart::{CartLine, CartTotals, Discount, LineAmounts};
use crate::sales::payment::{Tender, TenderKind};
use crate::sales::{Sale, SaleKind};
use crate::tax::{RoundingMode, TaxRate};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// (Japan time, without an offset: `2026-11-28T10:00:00`.)
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))]
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
    /// For a void or refund: when the sale it reverses was made (Asia/Tokyo).
    #[serde(default)]
    /// (Japan time, without an offset: `2026-11-28T10:00:00`.)
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))]
    pub original_sold_at_local: Option<NaiveDateTime>,
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
    /// For a void or refund: when the original sale was made, in Asia/Tokyo.
    pub original_sold_at_local: Option<NaiveDateTime>,
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
            original_sold_at_local: header.original_sold_at_local,
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

/// `GET /api/v1/sales/{id}/receipt`: a sale's receipt, as data and as the printer lays it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleReceipt {
    pub sale_id: uuid::Uuid,
    pub kind: SaleKind,
    /// The sale has been voided since (a 取消 record reverses it).
    pub voided: bool,
    pub register_id: i64,
    /// The half-width columns the lines are laid out for.
    pub columns: i64,
    pub receipt: Receipt,
    /// The paper, line by line ([`paper::render_text`]): what the printer prints.
    pub lines: Vec<String>,
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
        let totals = crate::sales::cart::cart_totals(&cart_lines, RoundingMode::Down).unwrap_or_default();
        let lines = cart
            .iter()
            .zip(&totals.lines)
            .map(|((facility, line), amounts)| ReceiptLine::from_cart(line, amounts, *facility))
            .collect();
        let tenders = vec![Tender {
            kind: TenderKind::Cash,
            amount: Yen(3000),
        }];
        let change = crate::sales::payment::pay(totals.total, &tenders, false)
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
            original_sold_at_local: None,
            reprint: false,
        }
    }
}

#[cfg(test)]
mod tests;
