//! 商品写真: a product's photo uploaded by its facility's staff (or the council), shrunk and
//! stored by the server, served under a URL that names it (cached for good, ETag and 304), in
//! the till's catalogue, and removed again; hostile uploads refused with nothing stored.

use reqwest::{Method, StatusCode, header};
use selpos_tests::{
    ApiClient, Cashier, NewEvent, NewFacility, NewProduct, TestServer, World, assert_error, db_test,
};
use serde_json::{Value, json};

/// A picture made here: `width` × `height`, a colour gradient (so it is not all one colour).
fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, format)
        .expect("encode");
    out.into_inner()
}

/// A well-formed PNG that claims `width` × `height` pixels and holds one empty zlib stream: a
/// few dozen bytes that would decode to gigabytes (a decompression bomb's header).
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], ihdr),
        (
            b"IDAT",
            vec![0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1],
        ),
        (b"IEND", vec![]),
    ] {
        out.extend((data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
    }
    out
}

fn photo_path(product: i64) -> String {
    format!("/api/v1/products/{product}/photo")
}

async fn upload(client: &ApiClient, product: i64, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    client
        .raw(Method::PUT, &photo_path(product), content_type, bytes)
        .await
}

/// A GET of a photo `url` with `If-None-Match` when given: status, headers, body (checked
/// against the OpenAPI document like every answer).
async fn fetch(
    client: &ApiClient,
    url: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let mut request = client.builder(Method::GET, url);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    let response = request.send().await.expect("request sent");
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.bytes().await.expect("body").to_vec();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    selpos_tests::openapi::check_answer(client.kind, "GET", url, status.as_u16(), content_type, &body);
    (status, headers, body)
}

fn text(headers: &header::HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Rows of `table`, read straight from the database.
async fn rows(server: &TestServer, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match &mut server.db().read().await.expect("tx") {
        selpos_server::db::Tx::Sqlite(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
        selpos_server::db::Tx::Postgres(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
    }
    .expect("count")
}

/// The catalogue's item of `product`.
fn item(catalog: &Value, product: i64) -> &Value {
    catalog["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["product_id"] == product))
        .unwrap_or_else(|| panic!("product {product} in {catalog}"))
}

db_test!(
    a_photo_is_shrunk_served_cached_and_removed,
    demo = false,
    |server| {
        let till = World::on(&server)
            .facilities([NewFacility::new(1, "A工房"), NewFacility::new(2, "B農園")])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::reduced(1, "ジャム", 500),
            ])
            .event(NewEvent::bazaar("HB26"))
            .cashier(Cashier::volunteer())
            .open_till()
            .await;
        let (cookie, jam) = (till.products[0].id, till.products[1].id);
        let staff = server
            .new_user(
                &json!({"login": "a-staff", "display_name": "A職員", "role": "facility_staff",
            "facility_id": till.facilities[0], "password": "a-staff-password"}),
            )
            .await;
        let catalog_path = format!("/api/v1/registers/{}/catalog", till.register);
        let before = till.cashier.get_ok(&catalog_path).await;
        assert!(item(&before, cookie).get("photo").is_none(), "{before}");

        // The facility's own staff uploads a large PNG: stored within 320 × 320, as JPEG.
        let (status, stored) = upload(
            &staff,
            cookie,
            "image/png",
            picture(1200, 600, image::ImageFormat::Png),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "[{}] {stored}", server.kind);
        assert_eq!(
            (stored["width"].as_i64(), stored["height"].as_i64()),
            (Some(320), Some(160)),
            "{stored}"
        );
        let version = stored["version"].as_str().expect("version").to_string();
        let url = stored["url"].as_str().expect("url").to_string();
        assert_eq!(url, format!("/api/v1/products/{cookie}/photo?v={version}"));

        // The till reads it under its URL: a JPEG, cached for good, with its ETag.
        let (status, headers, body) = fetch(&till.cashier, &url, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(text(&headers, header::CONTENT_TYPE), "image/jpeg");
        let cache = text(&headers, header::CACHE_CONTROL);
        assert!(
            cache.contains("max-age=31536000") && cache.contains("immutable"),
            "{cache}"
        );
        let etag = text(&headers, header::ETAG).to_string();
        assert_eq!(etag, format!("\"{version}\""));
        assert_eq!(body.len() as i64, stored["bytes"].as_i64().expect("bytes"));
        let decoded = image::load_from_memory_with_format(&body, image::ImageFormat::Jpeg).expect("a JPEG");
        assert_eq!((decoded.width(), decoded.height()), (320, 160));
        // Asked again with its ETag: 304, no body.
        let (status, headers, body) = fetch(&till.cashier, &url, Some(&etag)).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        assert_eq!(text(&headers, header::ETAG), etag);
        // Without the version (or with an old one): served, but revalidated next time.
        let (status, headers, _) = fetch(&till.cashier, &photo_path(cookie), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(text(&headers, header::CACHE_CONTROL).contains("no-cache"));
        let (status, headers, _) =
            fetch(&till.cashier, &format!("{}?v=0000", photo_path(cookie)), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!text(&headers, header::CACHE_CONTROL).contains("immutable"));
        // Not signed in: refused.
        let (status, _, _) = fetch(&server.anonymous(), &url, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // The catalogue names the photo, so its version changed; the product list and the product too.
        let with_photo = till.cashier.get_ok(&catalog_path).await;
        assert_eq!(item(&with_photo, cookie)["photo"], url.as_str());
        assert!(item(&with_photo, jam).get("photo").is_none());
        assert_ne!(with_photo["version"], before["version"]);
        assert_eq!(
            staff.get_ok(&format!("/api/v1/products/{cookie}")).await["photo"],
            url.as_str()
        );
        let list = staff.get_ok("/api/v1/products").await;
        assert_eq!(list[0]["photo"], url.as_str(), "{list}");

        // A council user replaces it with a WebP: a new version, a new catalogue version.
        let (status, replaced) = server
            .admin_client()
            .raw(
                Method::PUT,
                &photo_path(cookie),
                "image/webp",
                picture(90, 200, image::ImageFormat::WebP),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{replaced}");
        assert_eq!(
            (replaced["width"].as_i64(), replaced["height"].as_i64()),
            (Some(90), Some(200)),
            "never enlarged"
        );
        assert_ne!(replaced["version"], version.as_str());
        let replaced_catalog = till.cashier.get_ok(&catalog_path).await;
        assert_eq!(item(&replaced_catalog, cookie)["photo"], replaced["url"]);
        assert_ne!(replaced_catalog["version"], with_photo["version"]);
        assert_eq!(rows(&server, "product_photos").await, 1);

        // Removed by the facility's staff: gone from the catalogue, the product and the server.
        let (status, _) = staff.request(Method::DELETE, &photo_path(cookie), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = fetch(&till.cashier, replaced["url"].as_str().expect("url"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let after = till.cashier.get_ok(&catalog_path).await;
        assert!(item(&after, cookie).get("photo").is_none(), "{after}");
        assert_eq!(after["version"], before["version"], "the catalogue is as it was");
        assert!(
            staff
                .get_ok(&format!("/api/v1/products/{cookie}"))
                .await
                .get("photo")
                .is_none()
        );
        // Removing it again is done too.
        let (status, _) = staff.request(Method::DELETE, &photo_path(cookie), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(rows(&server, "product_photos").await, 0);
        let audit = server.get_ok("/api/v1/audit?action=product").await;
        let actions: Vec<&str> = audit
            .as_array()
            .expect("audit")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "product.photo_set").count(),
            2,
            "{actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| **a == "product.photo_remove").count(),
            1,
            "{actions:?}"
        );
    }
);

db_test!(
    hostile_uploads_are_refused_and_store_nothing,
    demo = false,
    |server| {
        let till = World::on(&server)
            .facilities([NewFacility::new(1, "A工房"), NewFacility::new(2, "B農園")])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::reduced(1, "ジャム", 500),
            ])
            .event(NewEvent::bazaar("HB26"))
            .cashier(Cashier::volunteer())
            .open_till()
            .await;
        let (cookie, jam) = (till.products[0].id, till.products[1].id);
        let staff = server
            .new_user(
                &json!({"login": "a-staff", "display_name": "A職員", "role": "facility_staff",
            "facility_id": till.facilities[0], "password": "a-staff-password"}),
            )
            .await;
        let mut no_csrf = server.login("a-staff", "a-staff-password").await;
        no_csrf.csrf = None;
        // One photo stored first: a refused upload must leave it as it was.
        let (status, stored) = upload(
            &staff,
            cookie,
            "image/jpeg",
            picture(400, 300, image::ImageFormat::Jpeg),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        let (photos, audit) = (
            rows(&server, "product_photos").await,
            rows(&server, "audit_log").await,
        );

        let png = picture(64, 64, image::ImageFormat::Png);
        let refused_as_photo = [
        ("garbage bytes", b"\x00\x01garbage, not a picture".to_vec(), "not_an_image"),
        ("a truncated PNG", png[..png.len() / 2].to_vec(), "not_an_image"),
        ("a 20000 x 20000 PNG bomb", png_bomb(20_000, 20_000), "too_many_pixels"),
        ("a 1 x 100000 PNG", png_bomb(1, 100_000), "too_many_pixels"),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec(), "unsupported_format"),
        ("an empty body", Vec::new(), "required"),
        ("JSON", br#"{"photo": "x"}"#.to_vec(), "not_an_image"),
    ];
        for (what, bytes, code) in refused_as_photo {
            let (status, answer) = upload(&staff, cookie, "image/png", bytes).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "[{}] {what}: {answer}",
                server.kind
            );
            assert_error(&answer, "validation");
            assert_eq!(answer["error"]["fields"][0]["field"], "photo", "{what}: {answer}");
            assert_eq!(answer["error"]["fields"][0]["code"], code, "{what}: {answer}");
            let message = answer["error"]["fields"][0]["message"]
                .as_str()
                .unwrap_or_default();
            assert!(
                !message.is_empty() && !message.is_ascii(),
                "{what}: a Japanese message: {answer}"
            );
        }
        // Larger than 8 MiB: refused before it is read whole.
        let (status, answer) = upload(&staff, cookie, "image/jpeg", vec![0xFF; 9 * 1024 * 1024]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
        assert_error(&answer, "payload_too_large");
        // Another facility's product, by facility staff: refused (and its product keeps no photo).
        let (status, answer) = upload(&staff, jam, "image/png", png.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert_error(&answer, "forbidden");
        let (status, answer) = staff.request(Method::DELETE, &photo_path(jam), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        let (status, _, _) = fetch(&staff, &photo_path(jam), None).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "facility staff do not see another facility's goods"
        );
        // A cashier may read photos but not change them.
        let (status, answer) = upload(&till.cashier, cookie, "image/png", png.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        let (status, answer) = till
            .cashier
            .request(Method::DELETE, &photo_path(cookie), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        // No such product.
        let (status, answer) = upload(server.admin_client(), 999_999, "image/png", png.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert_error(&answer, "not_found");
        let (status, _) = server
            .admin_client()
            .request(Method::DELETE, &photo_path(999_999), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Without the CSRF token: refused.
        let (status, answer) = upload(&no_csrf, cookie, "image/png", png).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert_error(&answer, "csrf");

        assert_eq!(rows(&server, "product_photos").await, photos, "nothing stored");
        assert_eq!(rows(&server, "audit_log").await, audit, "nothing audited");
        let (status, headers, body) = fetch(&till.cashier, stored["url"].as_str().expect("url"), None).await;
        assert_eq!(status, StatusCode::OK, "the stored photo is unchanged");
        assert_eq!(
            text(&headers, header::ETAG),
            format!("\"{}\"", stored["version"].as_str().unwrap_or_default())
        );
        assert_eq!(body.len() as i64, stored["bytes"].as_i64().unwrap_or_default());
        let (status, headers, _) = fetch(&till.cashier, "/api/v1/products/999999/photo?v=x", None).await;
        assert!(status.is_client_error(), "{status}");
        assert!(
            text(&headers, header::CACHE_CONTROL).contains("no-store"),
            "errors are not kept"
        );
    }
);
