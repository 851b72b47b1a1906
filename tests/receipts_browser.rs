//! Finding a past sale on /receipts in a real headless Chromium (issue 21): a customer comes
//! back for a 領収書; staff search by amount, time or receipt number, open the sale and its
//! formal receipt.

use fantoccini::Locator;
use selpos_tests::browser::{Browser, WAIT};
use selpos_tests::{HeartBazaar, NewEvent, TestServer, World};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_find_a_past_sale_and_make_its_formal_receipt() {
    let server = TestServer::sqlite(false).await;
    let till = HeartBazaar::open(World::on(&server).event(NewEvent::bazaar("HB26"))).await;
    let mut numbers = Vec::new();
    for (sold_at, product, price) in [
        ("2026-11-28T02:05:00Z", till.cookie, 120),
        ("2026-11-28T03:00:00Z", till.soap, 780),
        ("2026-11-29T01:00:00Z", till.jam, 500),
    ] {
        let sale = till
            .record(&till.sale_at(
                sold_at,
                json!([{"product_id": product, "quantity": 1, "unit_price": price}]),
                json!([{"kind": "cash", "amount": price}]),
            ))
            .await;
        numbers.push(sale["receipt_number"].as_str().expect("number").to_string());
    }

    let browser = Browser::start().await;
    browser.open(&format!("{}/login", server.base)).await;
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.open(&format!("{}/receipts", server.base)).await;

    // By the amount the customer remembers.
    browser.type_into("#sale-search input[name='total']", "780").await;
    browser.click(Locator::Css("#search-sales")).await;
    let rows = browser
        .wait_text("#sale-results tbody", WAIT, |t| t.contains(&numbers[1]))
        .await;
    assert!(rows.contains(&numbers[1]) && rows.contains("¥780"), "{rows}");
    assert!(
        !rows.contains(&numbers[0]) && !rows.contains(&numbers[2]),
        "{rows}"
    );

    // By the day (Japan time), the amount cleared: the two sales of the 28th.
    browser
        .js("const f = document.querySelector(\"#sale-search input[name='total']\"); f.value = ''; f.dispatchEvent(new Event('input', {bubbles: true})); return null")
        .await;
    for (name, value) in [("from", "2026-11-28T00:00"), ("to", "2026-11-28T23:59")] {
        browser
            .js(&format!(
                "const f = document.querySelector(\"#sale-search input[name='{name}']\"); f.value = '{value}'; f.dispatchEvent(new Event('input', {{bubbles: true}})); return null"
            ))
            .await;
    }
    browser.click(Locator::Css("#search-sales")).await;
    let rows = browser
        .wait_text("#sale-results tbody", WAIT, |t| {
            t.contains(&numbers[0]) && !t.contains(&numbers[2])
        })
        .await;
    assert!(rows.contains(&numbers[0]) && rows.contains(&numbers[1]), "{rows}");
    assert!(!rows.contains(&numbers[2]), "{rows}");

    // A number that is no sale says so.
    browser
        .js("for (const n of ['from', 'to']) { const f = document.querySelector(`#sale-search input[name='${n}']`); f.value = ''; f.dispatchEvent(new Event('input', {bubbles: true})); } return null")
        .await;
    browser
        .type_into("#sale-search input[name='receipt_number']", "HB26-R1-9999")
        .await;
    browser.click(Locator::Css("#search-sales")).await;
    browser.find(Locator::Css("#no-sales")).await;

    // By its receipt number, then open it: its receipt and the 領収書 form.
    browser
        .js("const f = document.querySelector(\"#sale-search input[name='receipt_number']\"); f.value = ''; f.dispatchEvent(new Event('input', {bubbles: true})); return null")
        .await;
    browser
        .type_into(
            "#sale-search input[name='receipt_number']",
            &numbers[2].to_lowercase(),
        )
        .await;
    browser.click(Locator::Css("#search-sales")).await;
    browser
        .wait_text("#sale-results tbody", WAIT, |t| t.contains(&numbers[2]))
        .await;
    browser.click(Locator::Css("#sale-results a.open-receipt")).await;
    let heading = browser
        .wait_text("section.receipt-sale h2", WAIT, |t| t.contains(&numbers[2]))
        .await;
    assert!(heading.contains(&numbers[2]), "{heading}");
    let formal = browser.text_of("#formal-receipt").await;
    assert!(formal.contains("領収書") && formal.contains("¥500"), "{formal}");
    assert!(browser.client.find(Locator::Css("#sale-search")).await.is_err());

    browser.close().await;
    server.stop().await;
}
