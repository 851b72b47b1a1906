//! 商品写真 in a real headless Chromium: the till's tile shows the product's photo (loaded,
//! in its fixed box, with no alt text of its own: the name is the label) and the service
//! worker keeps it for offline use; on the products page staff add a photo from a file and
//! remove it again.

use fantoccini::Locator;
use reqwest::Method;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, 90, (y * 255 / height) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// The id of the demo product named `name`.
async fn product_id(server: &TestServer, name: &str) -> i64 {
    let list = server.get_ok("/api/v1/products").await;
    list.as_array()
        .and_then(|l| l.iter().find(|p| p["name"] == name))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("{name} in {list}"))
}

/// Polls `script` until it answers something other than `null`.
async fn until(browser: &Browser, what: &str, script: &str, args: Vec<Value>) -> Value {
    let started = Instant::now();
    loop {
        let answer = browser
            .client
            .execute(script, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        if !answer.is_null() {
            return answer;
        }
        assert!(started.elapsed() < WAIT, "{what}: not in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The tile's photo once it has loaded (scrolled into view: it loads lazily).
const LOADED_PHOTO: &str = r#"
    const img = document.querySelector(arguments[0]);
    if (!img) return null;
    img.scrollIntoView({block: 'center'});
    if (!img.complete || img.naturalWidth === 0) return null;
    const r = img.getBoundingClientRect();
    return {natural: [img.naturalWidth, img.naturalHeight], height: r.height, alt: img.getAttribute('alt'),
            src: img.getAttribute('src'), loading: img.getAttribute('loading')};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_tile_shows_the_photo_and_keeps_it_offline() {
    let server = TestServer::sqlite(true).await;
    let cookie = product_id(&server, "手作りクッキー").await;
    let (status, stored) = server
        .admin_client()
        .raw(
            Method::PUT,
            &format!("/api/v1/products/{cookie}/photo"),
            "image/png",
            png(640, 480),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{stored}");
    let url = stored["url"].as_str().expect("url").to_string();

    let browser = Browser::start().await;
    set_up_the_till(&server, &server.base, &browser).await;
    let css = format!("button.product[data-product-id='{cookie}'] img.photo");
    let photo = until(&browser, "the tile's photo", LOADED_PHOTO, vec![json!(css)]).await;
    assert_eq!(photo["natural"], json!([320, 240]), "{photo}");
    assert_eq!(photo["src"], url.as_str());
    assert_eq!(photo["alt"], "", "the name labels the tile");
    assert_eq!(photo["loading"], "lazy");
    assert_eq!(photo["height"], 72, "a fixed box: {photo}");
    // The tile's name still labels it; a product without a photo has no image.
    let label = browser
        .js(&format!(
            "return document.querySelector(\"button.product[data-product-id='{cookie}']\").getAttribute('aria-label')"
        ))
        .await;
    assert!(
        label.as_str().unwrap_or_default().contains("手作りクッキー"),
        "{label}"
    );
    let other_photos = browser
        .js("return document.querySelectorAll('button.product img.photo').length")
        .await;
    assert_eq!(other_photos, 1);

    // Once the service worker controls the till, the photo is kept in its own cache…
    browser.wait_for_offline_copy().await;
    browser.open(&format!("{}/register", server.base)).await;
    until(&browser, "the tile's photo again", LOADED_PHOTO, vec![json!(css)]).await;
    until(
        &browser,
        "the photo kept",
        "return caches.open('selpos-photos-v1').then(c => c.match(arguments[0])).then(r => r ? true : null)",
        vec![json!(url)],
    )
    .await;
    // …and served from there with the server gone.
    let base = server.base.clone();
    server.stop().await;
    let offline = browser
        .client
        .execute(
            "return fetch(arguments[0]).then(r => [r.status, r.headers.get('content-type')]).catch(e => String(e))",
            vec![json!(format!("{base}{url}"))],
        )
        .await
        .expect("fetched");
    assert_eq!(offline, json!([200, "image/jpeg"]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_add_and_remove_a_photo_on_the_products_page() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    browser.open(&format!("{}/login", server.base)).await;
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.open(&format!("{}/products", server.base)).await;
    let row =
        "//table[@id='product-list']//tr[td[contains(@class, 'name') and contains(., 'パウンドケーキ')]]";
    browser.find(Locator::XPath(row)).await;
    assert!(
        browser
            .client
            .find(Locator::XPath(&format!("{row}//img[contains(@class, 'thumb')]")))
            .await
            .is_err(),
        "no photo yet"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("cake.png");
    std::fs::write(&file, png(900, 600)).expect("file written");
    browser
        .find(Locator::XPath(&format!(
            "{row}//input[@type='file' and @name='photo']"
        )))
        .await
        .send_keys(file.to_str().expect("path"))
        .await
        .expect("file chosen");
    let banner = browser
        .wait_text(".banner.ok", WAIT, |t| t.contains("写真を保存しました"))
        .await;
    assert!(banner.contains("パウンドケーキ"), "{banner}");
    let thumb = browser
        .find(Locator::XPath(&format!("{row}//img[contains(@class, 'thumb')]")))
        .await;
    let src = thumb.attr("src").await.expect("src").unwrap_or_default();
    assert!(src.contains("/photo?v="), "{src}");
    let cake = product_id(&server, "パウンドケーキ").await;
    let stored = server.get_ok(&format!("/api/v1/products/{cake}")).await;
    assert_eq!(stored["photo"], src.as_str());

    browser
        .click(Locator::XPath(&format!(
            "{row}//button[contains(@class, 'remove-photo')]"
        )))
        .await;
    let banner = browser
        .wait_text(".banner.ok", WAIT, |t| t.contains("写真を削除しました"))
        .await;
    assert!(banner.contains("パウンドケーキ"), "{banner}");
    let started = Instant::now();
    while browser
        .client
        .find(Locator::XPath(&format!("{row}//img[contains(@class, 'thumb')]")))
        .await
        .is_ok()
    {
        assert!(started.elapsed() < WAIT, "the thumbnail stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        server
            .get_ok(&format!("/api/v1/products/{cake}"))
            .await
            .get("photo")
            .is_none()
    );
    browser.close().await;
}
