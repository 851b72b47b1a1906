//! The cart as the cashier edits it, the catalog as the touch grid shows it, and paying.
//!
//! Nothing here computes money: line amounts, totals per tax rate and change all come from
//! `selpos_domain::sales::cart` and `::payment`, so the screen shows exactly what the server records.

use selpos_domain::sales::cart::{CartError, CartLine, Discount, EatInError, MAX_QUANTITY, line_tax_rate};
use selpos_domain::sales::payment::{Payment, PaymentError, Tender, TenderKind, pay};
use selpos_domain::sales::{Catalog, CatalogFacility, CatalogItem, SaleLineInput};
use selpos_domain::{TaxRate, Yen};

/// A cart line for one of `item`, with its facility's invoice status from the catalog.
pub fn line_for(catalog: &Catalog, item: &CatalogItem) -> CartLine {
    CartLine {
        product_id: item.product_id,
        facility_id: item.facility_id,
        name: item.name.clone(),
        unit_price: item.price,
        quantity: 1,
        tax_rate: item.tax_rate,
        discount: None,
        invoice_eligible: catalog
            .facilities
            .iter()
            .any(|f| f.facility_id == item.facility_id && f.invoice_issuer),
    }
}

/// Adds `new` (one item, from [`line_for`]): a second tap on a product raises the quantity of
/// its line instead. Answers false when that line is already at [`MAX_QUANTITY`].
pub fn add(lines: &mut Vec<CartLine>, new: CartLine) -> bool {
    match lines.iter_mut().find(|l| l.product_id == new.product_id) {
        Some(line) if line.quantity >= MAX_QUANTITY => false,
        Some(line) => {
            line.quantity += 1;
            true
        }
        None => {
            lines.push(new);
            true
        }
    }
}

/// Changes the quantity of line `index` by `delta`, staying within 1..=[`MAX_QUANTITY`]
/// (the till takes a line away with 削除, or − at 1, through [`remove`], with 元に戻す).
pub fn change_quantity(lines: &mut [CartLine], index: usize, delta: i64) {
    if let Some(line) = lines.get_mut(index) {
        line.quantity = (line.quantity + delta).clamp(1, MAX_QUANTITY);
    }
}

/// Takes line `index` out of the cart (削除, or − at quantity 1), answering it so that the
/// cashier can put it back (元に戻す).
pub fn remove(lines: &mut Vec<CartLine>, index: usize) -> Option<CartLine> {
    (index < lines.len()).then(|| lines.remove(index))
}

/// Puts a removed line back where it was. When the same product was tapped again meanwhile,
/// that line takes the quantity back instead (up to [`MAX_QUANTITY`]).
pub fn restore(lines: &mut Vec<CartLine>, index: usize, line: CartLine) {
    match lines
        .iter_mut()
        .find(|l| l.product_id == line.product_id && l.unit_price == line.unit_price)
    {
        Some(same) => same.quantity = (same.quantity + line.quantity).min(MAX_QUANTITY),
        None => lines.insert(index.min(lines.len()), line),
    }
}

/// 売価変更: sells line `index` at `unit_price` instead of its list price; a price the domain
/// refuses (negative, or below the line's discount) leaves the line as it was and answers why.
pub fn set_unit_price(lines: &mut [CartLine], index: usize, unit_price: Yen) -> Result<(), CartError> {
    let Some(line) = lines.get_mut(index) else {
        return Ok(());
    };
    let mut candidate = line.clone();
    candidate.unit_price = unit_price;
    candidate.amounts()?;
    *line = candidate;
    Ok(())
}

/// Sets or clears the discount of line `index`; a discount the domain refuses (more than the
/// line, 0%, …) leaves the line as it was and answers why.
pub fn set_discount(
    lines: &mut [CartLine],
    index: usize,
    discount: Option<Discount>,
) -> Result<(), CartError> {
    let Some(line) = lines.get_mut(index) else {
        return Ok(());
    };
    let mut candidate = line.clone();
    candidate.discount = discount;
    candidate.amounts()?;
    *line = candidate;
    Ok(())
}

/// A discount typed by the cashier: yen or whole percent. `None` when it is not a number.
pub fn parse_discount(text: &str, percent: bool) -> Option<Discount> {
    let amount = crate::components::parse_number(text.trim_end_matches(['%', '％']));
    (amount != i64::MIN).then_some(if percent {
        Discount::Percent(amount)
    } else {
        Discount::Yen(Yen(amount))
    })
}

/// The list price of `line`'s product in the catalog (`None` when it is not there).
pub fn list_price(catalog: &Catalog, line: &CartLine) -> Option<Yen> {
    catalog
        .items
        .iter()
        .find(|i| i.product_id == line.product_id)
        .map(|i| i.price)
}

/// The tax rate of `line`'s product in the catalog (the line's own when it is not there).
fn product_rate(catalog: &Catalog, line: &CartLine) -> TaxRate {
    catalog
        .items
        .iter()
        .find(|i| i.product_id == line.product_id)
        .map_or(line.tax_rate, |i| i.tax_rate)
}

/// Whether `line` is rung as eaten on the spot (店内): a reduced-rate product sold at the
/// standard rate. The line's tax rate is the flag, so the totals on screen follow it.
pub fn is_eat_in(catalog: &Catalog, line: &CartLine) -> bool {
    line.tax_rate == TaxRate::Standard && product_rate(catalog, line) == TaxRate::Reduced
}

/// Whether the 「店内」 toggle shows on `line`: the event offers tables and the line is food.
pub fn may_eat_in(catalog: &Catalog, line: &CartLine) -> bool {
    catalog.eat_in && product_rate(catalog, line) == TaxRate::Reduced
}

/// 「店内」: line `index` eaten on the spot (10 %) or taken away (8 %) again. The domain decides
/// the rate, as the server does; where the event has no tables or the line is not food, the
/// line stays as it was and the answer says why.
pub fn toggle_eat_in(catalog: &Catalog, lines: &mut [CartLine], index: usize) -> Result<(), EatInError> {
    let Some(line) = lines.get_mut(index) else {
        return Ok(());
    };
    let eat_in = !is_eat_in(catalog, line);
    line.tax_rate = line_tax_rate(product_rate(catalog, line), eat_in, catalog.eat_in)?;
    Ok(())
}

/// The lines as the sale records them: the price is the price sold at; a food line sold at
/// the standard rate was eaten on the spot.
pub fn sale_lines(catalog: &Catalog, lines: &[CartLine]) -> Vec<SaleLineInput> {
    lines
        .iter()
        .map(|l| SaleLineInput {
            product_id: l.product_id,
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount: l.discount,
            eat_in: is_eat_in(catalog, l),
        })
        .collect()
}

/// Sum of the tenders handed over so far (saturating: pay() reports the overflow).
pub fn paid(tenders: &[Tender]) -> Yen {
    Yen(tenders
        .iter()
        .fold(0_i64, |sum, t| sum.saturating_add(t.amount.0)))
}

/// What is still to pay; never negative.
pub fn remaining(total: Yen, tenders: &[Tender]) -> Yen {
    Yen(total.0.saturating_sub(paid(tenders).0).max(0))
}

/// What adding a tender does to the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentProgress {
    /// Not enough yet: these tenders so far (split tender).
    Partial(Vec<Tender>),
    /// Paid: the sale is complete with these tenders and this change.
    Complete(Vec<Tender>, Payment),
}

/// Adds `tender` to those handed over so far; the sale completes as soon as they cover the
/// total and the domain's pay() accepts them (e.g. a card never gives change).
pub fn add_tender(
    total: Yen,
    tenders: &[Tender],
    tender: Tender,
    voucher_gives_change: bool,
) -> Result<PaymentProgress, PaymentError> {
    if tender.amount.0 <= 0 {
        return Err(PaymentError::TenderNotPositive {
            kind: tender.kind,
            amount: tender.amount,
        });
    }
    let mut all = tenders.to_vec();
    all.push(tender);
    if paid(&all) < total {
        return Ok(PaymentProgress::Partial(all));
    }
    let payment = pay(total, &all, voucher_gives_change)?;
    Ok(PaymentProgress::Complete(all, payment))
}

/// 現金 ちょうど: cash for exactly what remains (nothing more when the rest is already paid).
pub fn pay_exact(
    total: Yen,
    tenders: &[Tender],
    voucher_gives_change: bool,
) -> Result<PaymentProgress, PaymentError> {
    let rest = remaining(total, tenders);
    if rest.0 == 0 {
        let payment = pay(total, tenders, voucher_gives_change)?;
        return Ok(PaymentProgress::Complete(tenders.to_vec(), payment));
    }
    add_tender(
        total,
        tenders,
        Tender {
            kind: TenderKind::Cash,
            amount: rest,
        },
        voucher_gives_change,
    )
}

/// The change a tender would give if it completed the sale (for the labels of the quick cash
/// buttons); `None` when it would not complete it.
pub fn change_with(
    total: Yen,
    tenders: &[Tender],
    tender: Tender,
    voucher_gives_change: bool,
) -> Option<Yen> {
    match add_tender(total, tenders, tender, voucher_gives_change) {
        Ok(PaymentProgress::Complete(_, payment)) => Some(payment.change),
        _ => None,
    }
}

/// The products of one facility on the touch grid, by category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityGroup {
    pub facility: CatalogFacility,
    pub categories: Vec<(String, Vec<CatalogItem>)>,
}

/// A product's category on the grid: its own, or 「その他」.
pub fn category_of(item: &CatalogItem) -> String {
    if item.category.trim().is_empty() {
        "その他".to_string()
    } else {
        item.category.clone()
    }
}

/// The categories of the catalogue, in order of first appearance (the grid's chips).
pub fn categories(catalog: &Catalog) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for item in &catalog.items {
        let category = category_of(item);
        if !seen.contains(&category) {
            seen.push(category);
        }
    }
    seen
}

/// Each product's folded name, reading and JAN, made once per catalogue so that a keystroke
/// only compares (a large bazaar has 2,000 products).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchIndex {
    entries: Vec<(i64, String, String)>,
}

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> Self {
        SearchIndex {
            entries: catalog
                .items
                .iter()
                .map(|item| {
                    let key = format!(
                        "{}\u{1f}{}\u{1f}{}",
                        fold(&item.name),
                        fold(&item.kana),
                        item.jan.as_deref().unwrap_or_default()
                    );
                    (item.product_id, key, category_of(item))
                })
                .collect(),
        }
    }

    /// The products that match `query` (name, reading or JAN) within `category`; `None` when
    /// nothing narrows the grid.
    pub fn matching(&self, query: &str, category: Option<&str>) -> Option<std::collections::HashSet<i64>> {
        let query = fold(query);
        if query.is_empty() && category.is_none() {
            return None;
        }
        Some(
            self.entries
                .iter()
                .filter(|(_, key, c)| {
                    category.is_none_or(|wanted| wanted == c)
                        && (query.is_empty() || key.split('\u{1f}').any(|part| part.contains(&query)))
                })
                .map(|(id, _, _)| *id)
                .collect(),
        )
    }
}

/// The catalog as the grid shows it: by facility (catalog order), then category (order of
/// first appearance), keeping only products that match `query`.
pub fn group(catalog: &Catalog, query: &str) -> Vec<FacilityGroup> {
    let query = fold(query);
    catalog
        .facilities
        .iter()
        .filter_map(|facility| {
            let mut categories: Vec<(String, Vec<CatalogItem>)> = Vec::new();
            for item in catalog
                .items
                .iter()
                .filter(|i| i.facility_id == facility.facility_id && matches(i, &query))
            {
                let category = category_of(item);
                match categories.iter_mut().find(|(c, _)| *c == category) {
                    Some((_, items)) => items.push(item.clone()),
                    None => categories.push((category, vec![item.clone()])),
                }
            }
            (!categories.is_empty()).then(|| FacilityGroup {
                facility: facility.clone(),
                categories,
            })
        })
        .collect()
}

/// Whether `item` matches an already [`fold`]ed query: by name or reading, so 「くっきー」,
/// 「クッキー」 and 「ｸｯｷｰ」-free typing all find 手作りクッキー.
fn matches(item: &CatalogItem, folded_query: &str) -> bool {
    folded_query.is_empty()
        || fold(&item.name).contains(folded_query)
        || fold(&item.kana).contains(folded_query)
}

/// Katakana → hiragana, full-width letters and digits → ASCII lower case, no spaces: what a
/// cashier types and what the catalog holds then compare equal.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The products with barcode `code` (JAN-13 or JAN-8; a UPC-A read as 12 digits also finds
/// its JAN-13 with the leading 0). Full-width digits typed by hand are accepted.
///
/// A real JAN finds at most one product. An in-store code (JAN prefix 02, 20–29) is unique in
/// its facility only, so at a bazaar it may find one product of each of several facilities:
/// the till then asks which (facility and product), in catalogue order.
pub fn products_with_code<'a>(catalog: &'a Catalog, code: &str) -> Vec<&'a CatalogItem> {
    let Some(digits) = barcode_digits(code) else {
        return Vec::new();
    };
    catalog
        .items
        .iter()
        .filter(|item| {
            item.jan.as_deref().is_some_and(|jan| {
                jan == digits
                    || (digits.len() == 12
                        && jan.len() == 13
                        && jan.strip_prefix('0') == Some(digits.as_str()))
            })
        })
        .collect()
}

/// What a scan or a typed code leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeMatch {
    /// No product of this event has the code.
    None,
    /// One product: into the cart.
    One(CatalogItem),
    /// Several facilities' products share an in-store code: the cashier picks one, each shown
    /// with its facility's number and name.
    Several(Vec<(CatalogFacility, CatalogItem)>),
}

/// [`products_with_code`], decided: none, one, or a choice between facilities' products.
pub fn match_code(catalog: &Catalog, code: &str) -> CodeMatch {
    match products_with_code(catalog, code).as_slice() {
        [] => CodeMatch::None,
        [one] => CodeMatch::One((*one).clone()),
        several => CodeMatch::Several(
            several
                .iter()
                .map(|item| {
                    let facility = catalog
                        .facilities
                        .iter()
                        .find(|f| f.facility_id == item.facility_id)
                        .cloned()
                        .unwrap_or(CatalogFacility {
                            facility_id: item.facility_id,
                            number: 0,
                            name: String::new(),
                            invoice_issuer: false,
                        });
                    (facility, (*item).clone())
                })
                .collect(),
        ),
    }
}

/// The digits of a typed or scanned code, or `None` unless it looks like a barcode (8–14 digits).
pub fn barcode_digits(code: &str) -> Option<String> {
    let digits = selpos_domain::codes::normalise_digits(code.trim());
    (digits.len() >= 8 && digits.len() <= 14 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use selpos_domain::RoundingMode;
    use selpos_domain::events::{EventState, RegisterRef};
    use selpos_domain::sales::cart::cart_totals;

    fn item(
        product_id: i64,
        facility_id: i64,
        name: &str,
        kana: &str,
        price: i64,
        category: &str,
    ) -> CatalogItem {
        CatalogItem {
            product_id,
            facility_id,
            name: name.into(),
            kana: kana.into(),
            price: Yen(price),
            tax_rate: TaxRate::Reduced,
            jan: Some(format!("49990010000{product_id:02}")),
            category: category.into(),
            photo: None,
        }
    }

    fn catalog() -> Catalog {
        let facility = |id: i64, issuer: bool| CatalogFacility {
            facility_id: id,
            number: id,
            name: format!("事業所{id}"),
            invoice_issuer: issuer,
        };
        Catalog {
            register: RegisterRef {
                register_id: 1,
                register_code: "R1".into(),
                register_name: "レジ1".into(),
                event_id: 1,
                event_code: "HB".into(),
                event_name: "バザール".into(),
            },
            event_state: EventState::Open,
            facilities: vec![facility(1, true), facility(2, false)],
            items: vec![
                item(1, 1, "手作りクッキー", "てづくりくっきー", 300, "焼き菓子"),
                item(2, 1, "さをり織りコースター", "さをりおりこーすたー", 400, "手芸"),
                item(3, 2, "季節の野菜セット", "きせつのやさいせっと", 500, ""),
                item(4, 1, "パウンドケーキ", "ぱうんどけーき", 600, "焼き菓子"),
            ],
            tax_rounding: RoundingMode::Down,
            voucher_gives_change: false,
            eat_in: false,
            loaded_at: chrono::DateTime::UNIX_EPOCH,
            version: String::new(),
        }
    }

    fn cash(amount: i64) -> Tender {
        Tender {
            kind: TenderKind::Cash,
            amount: Yen(amount),
        }
    }

    #[test]
    fn taps_add_lines_and_raise_quantities() {
        let catalog = catalog();
        let tap = |i: usize| line_for(&catalog, &catalog.items[i]);
        let mut lines = Vec::new();
        assert!(add(&mut lines, tap(0)));
        assert!(add(&mut lines, tap(2)));
        assert!(add(&mut lines, tap(0)));
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.product_id, l.quantity))
                .collect::<Vec<_>>(),
            [(1, 2), (3, 1)]
        );
        // The facility's invoice status comes along: facility 2 is not an issuer.
        assert!(lines[0].invoice_eligible && !lines[1].invoice_eligible);
        let totals = cart_totals(&lines, catalog.tax_rounding).expect("totals");
        assert_eq!(
            (totals.total, totals.non_invoice_total, totals.item_count),
            (Yen(1100), Yen(500), 3)
        );

        change_quantity(&mut lines, 0, -5);
        assert_eq!(lines[0].quantity, 1);
        lines[0].quantity = MAX_QUANTITY;
        assert!(!add(&mut lines, tap(0)));
        change_quantity(&mut lines, 0, 1);
        assert_eq!(lines[0].quantity, MAX_QUANTITY);
        change_quantity(&mut lines, 7, 1); // no such line: nothing happens
    }

    #[test]
    fn a_removed_line_comes_back_where_it_was() {
        let c = catalog();
        let mut lines = Vec::new();
        for item in &c.items[..3] {
            add(&mut lines, line_for(&c, item));
        }
        add(&mut lines, line_for(&c, &c.items[1]));
        let removed = remove(&mut lines, 1).expect("removed");
        assert_eq!((removed.product_id, removed.quantity), (c.items[1].product_id, 2));
        assert_eq!(lines.len(), 2);
        assert!(remove(&mut lines, 5).is_none());
        restore(&mut lines, 1, removed.clone());
        assert_eq!(lines[1].product_id, c.items[1].product_id);
        assert_eq!(lines[1].quantity, 2);
        // Tapped again meanwhile: the line takes the quantity back.
        let again = remove(&mut lines, 1).expect("removed");
        add(&mut lines, line_for(&c, &c.items[1]));
        restore(&mut lines, 0, again);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].quantity, 3);
    }

    #[test]
    fn a_price_override_is_checked_by_the_domain() {
        let c = catalog();
        let mut lines = vec![line_for(&c, &c.items[0])];
        set_unit_price(&mut lines, 0, Yen(-1)).expect_err("negative");
        assert_eq!(lines[0].unit_price, c.items[0].price);
        set_unit_price(&mut lines, 0, Yen(50)).expect("accepted");
        assert_eq!(lines[0].unit_price, Yen(50));
    }

    #[test]
    fn discounts_are_checked_by_the_domain() {
        let catalog = catalog();
        let mut lines = vec![line_for(&catalog, &catalog.items[0])];
        assert_eq!(parse_discount("50", false), Some(Discount::Yen(Yen(50))));
        assert_eq!(parse_discount("１０％", true), Some(Discount::Percent(10)));
        assert_eq!(parse_discount("abc", true), None);

        let refused = set_discount(&mut lines, 0, Some(Discount::Yen(Yen(301)))).expect_err("refused");
        assert_eq!(refused.code(), "discount_exceeds_gross");
        assert_eq!(lines[0].discount, None);
        set_discount(&mut lines, 0, Some(Discount::Percent(10))).expect("accepted");
        let totals = cart_totals(&lines, catalog.tax_rounding).expect("totals");
        assert_eq!(totals.total, Yen(270));
        set_discount(&mut lines, 0, None).expect("cleared");
        assert_eq!(lines[0].discount, None);

        let sent = sale_lines(&catalog, &lines);
        assert_eq!(
            (
                sent[0].product_id,
                sent[0].quantity,
                sent[0].unit_price,
                sent[0].eat_in
            ),
            (1, 1, Yen(300), false)
        );
    }

    #[test]
    fn a_food_line_is_eaten_in_with_one_tap_where_there_are_tables() {
        let mut catalog = catalog();
        catalog.items[1].tax_rate = TaxRate::Standard; // the coaster is no food
        let mut lines = vec![
            line_for(&catalog, &catalog.items[0]),
            line_for(&catalog, &catalog.items[1]),
        ];
        // No tables: no toggle, and the domain refuses it.
        assert!(!may_eat_in(&catalog, &lines[0]));
        assert_eq!(toggle_eat_in(&catalog, &mut lines, 0), Err(EatInError::NoTables));
        assert_eq!(lines[0].tax_rate, TaxRate::Reduced);

        catalog.eat_in = true;
        assert!(may_eat_in(&catalog, &lines[0]) && !may_eat_in(&catalog, &lines[1]));
        toggle_eat_in(&catalog, &mut lines, 0).expect("food at tables");
        assert!(is_eat_in(&catalog, &lines[0]));
        assert_eq!(lines[0].tax_rate, TaxRate::Standard);
        let totals = cart_totals(&lines, catalog.tax_rounding).expect("totals");
        assert_eq!(totals.by_rate.len(), 1, "both lines at 10%: {totals:?}");
        let sent = sale_lines(&catalog, &lines);
        assert!(sent[0].eat_in && !sent[1].eat_in);
        assert_eq!(toggle_eat_in(&catalog, &mut lines, 1), Err(EatInError::NotFood));
        assert_eq!(lines[1].tax_rate, TaxRate::Standard);
        // A second tap takes it away again.
        toggle_eat_in(&catalog, &mut lines, 0).expect("back to take-away");
        assert_eq!(lines[0].tax_rate, TaxRate::Reduced);
        assert!(!sale_lines(&catalog, &lines)[0].eat_in);
    }

    #[test]
    fn exact_cash_completes_in_one_step() {
        match pay_exact(Yen(1340), &[], false).expect("paid") {
            PaymentProgress::Complete(tenders, payment) => {
                assert_eq!(tenders, [cash(1340)]);
                assert_eq!(payment.change, Yen(0));
            }
            other => panic!("not complete: {other:?}"),
        }
    }

    #[test]
    fn split_tender_then_cash_with_change() {
        let qr = Tender {
            kind: TenderKind::QrPayment,
            amount: Yen(500),
        };
        let Ok(PaymentProgress::Partial(so_far)) = add_tender(Yen(1340), &[], qr, false) else {
            panic!("a partial payment")
        };
        assert_eq!(remaining(Yen(1340), &so_far), Yen(840));
        assert_eq!(change_with(Yen(1340), &so_far, cash(1000), false), Some(Yen(160)));
        assert_eq!(change_with(Yen(1340), &[], cash(1000), false), None);
        match add_tender(Yen(1340), &so_far, cash(1000), false).expect("paid") {
            PaymentProgress::Complete(tenders, payment) => {
                assert_eq!(tenders.len(), 2);
                assert_eq!(payment.change, Yen(160));
                assert_eq!(payment.cash_kept, Yen(840));
            }
            other => panic!("not complete: {other:?}"),
        }
        // The rest already paid: exact cash adds nothing.
        let card = Tender {
            kind: TenderKind::CreditCard,
            amount: Yen(840),
        };
        let all = [qr, card];
        assert_eq!(remaining(Yen(1340), &all), Yen(0));
        assert!(
            matches!(pay_exact(Yen(1340), &all, false), Ok(PaymentProgress::Complete(t, _)) if t.len() == 2)
        );
    }

    #[test]
    fn cards_never_give_change_and_tenders_are_positive() {
        let card = Tender {
            kind: TenderKind::CreditCard,
            amount: Yen(2000),
        };
        assert_eq!(
            add_tender(Yen(1000), &[], card, false).map_err(|e| e.code()),
            Err("cashless_exceeds_due")
        );
        assert_eq!(
            add_tender(Yen(1000), &[], cash(0), false).map_err(|e| e.code()),
            Err("tender_not_positive")
        );
        assert_eq!(remaining(Yen(100), &[cash(500)]), Yen(0));
    }

    #[test]
    fn vouchers_follow_the_event_setting() {
        let voucher = Tender {
            kind: TenderKind::GiftVoucher,
            amount: Yen(1000),
        };
        assert_eq!(change_with(Yen(800), &[], voucher, false), Some(Yen(0)));
        assert_eq!(change_with(Yen(800), &[], voucher, true), Some(Yen(200)));
    }

    #[test]
    fn the_grid_groups_by_facility_and_category_and_searches_by_reading() {
        let catalog = catalog();
        let groups = group(&catalog, "");
        assert_eq!(groups.len(), 2);
        let names: Vec<(&str, usize)> = groups[0]
            .categories
            .iter()
            .map(|(c, items)| (c.as_str(), items.len()))
            .collect();
        assert_eq!(names, [("焼き菓子", 2), ("手芸", 1)]);
        assert_eq!(groups[1].categories[0].0, "その他");

        for query in ["くっきー", "クッキー", " クッ キー ", "手作り"] {
            let found = group(&catalog, query);
            assert_eq!(found.len(), 1, "{query}");
            assert_eq!(found[0].categories[0].1[0].product_id, 1, "{query}");
        }
        assert!(group(&catalog, "存在しない").is_empty());
        assert_eq!(fold("ＡＢＣ１２３カナ"), "abc123かな");
    }

    #[test]
    fn the_search_index_narrows_by_reading_jan_and_category() {
        let catalog = catalog();
        let index = SearchIndex::new(&catalog);
        assert_eq!(index.matching("", None), None);
        let ids = |query: &str, category: Option<&str>| {
            let mut ids: Vec<i64> = index
                .matching(query, category)
                .unwrap_or_default()
                .into_iter()
                .collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(ids("クッキー", None), [1]);
        assert_eq!(ids("け", None), [4]);
        assert_eq!(ids("", Some("焼き菓子")), [1, 4]);
        assert_eq!(ids("ぱうんど", Some("焼き菓子")), [4]);
        assert_eq!(ids("ぱうんど", Some("手芸")), Vec::<i64>::new());
        assert_eq!(ids("", Some("その他")), [3]);
        assert_eq!(ids("4999001000002", None), [2]);
        assert_eq!(ids("4999001", None), [1, 2, 3, 4]);
        assert_eq!(categories(&catalog), ["焼き菓子", "手芸", "その他"]);
    }

    #[test]
    fn codes_find_products() {
        let catalog = catalog();
        let ids = |c: &Catalog, code: &str| -> Vec<i64> {
            products_with_code(c, code).iter().map(|i| i.product_id).collect()
        };
        assert_eq!(ids(&catalog, "4999001000002"), [2]);
        assert_eq!(ids(&catalog, "４９９９００１０００００２"), [2]);
        assert!(ids(&catalog, "4999001000099").is_empty());
        assert!(ids(&catalog, "12").is_empty());
        let mut upc = catalog.clone();
        upc.items[0].jan = Some("0123456789012".into());
        assert_eq!(ids(&upc, "123456789012"), [1]);
        assert_eq!(
            match_code(&catalog, "4999001000002"),
            CodeMatch::One(catalog.items[1].clone())
        );
        assert_eq!(match_code(&catalog, "4999001000099"), CodeMatch::None);
    }

    #[test]
    fn an_in_store_code_of_two_facilities_asks_which() {
        let mut catalog = catalog();
        let (a, b) = (catalog.items[0].facility_id, catalog.facilities[1].facility_id);
        catalog.items[0].jan = Some("2000000000015".into());
        let mut other = catalog.items[0].clone();
        other.product_id = 99;
        other.facility_id = b;
        other.name = "よその工房のクッキー".into();
        catalog.items.push(other);
        assert_ne!(a, b);
        match match_code(&catalog, "2000000000015") {
            CodeMatch::Several(choices) => {
                let picked: Vec<(i64, i64)> = choices
                    .iter()
                    .map(|(f, i)| (f.facility_id, i.product_id))
                    .collect();
                assert_eq!(picked, [(a, catalog.items[0].product_id), (b, 99)]);
                assert!(
                    choices
                        .iter()
                        .all(|(f, i)| f.facility_id == i.facility_id && !f.name.is_empty())
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
