//! 商品写真: a product's optional photo. Council users and the product's facility staff upload
//! and remove it (the rule of changing the product); whoever may see the product reads it.
//!
//! An upload is checked by its header before it is decoded (a small file may claim 20,000 ×
//! 20,000 pixels), decoded off the async threads one at a time, turned upright (EXIF), shrunk
//! to fit `PHOTO_BOX` and stored as a small JPEG with its audit record. A refused upload
//! writes nothing.

use crate::db::photos::StoredPhoto;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::photos::{self, PhotoRefused, ProductPhoto};
use selpos_domain::products::Product;

/// The most memory one decoded image may take (its pixels as decoded, before shrinking).
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// One decode at a time: uploads are rare, and each may take a few hundred megabytes.
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// A photo as served: its bytes, their type and the version that names them.
pub struct ServedPhoto {
    pub version: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

fn summary(photo: &StoredPhoto) -> ProductPhoto {
    ProductPhoto {
        product_id: photo.product_id,
        url: photos::photo_url(photo.product_id, &photo.version),
        version: photo.version.clone(),
        width: u32::try_from(photo.width).unwrap_or_default(),
        height: u32::try_from(photo.height).unwrap_or_default(),
        bytes: photo.data.len() as u64,
    }
}

/// The product `product_id`, if `actor` may change its goods.
async fn editable(tx: &mut Tx, actor: &Principal, product_id: i64) -> Result<Product> {
    let product = db::products::get(tx, product_id)
        .await?
        .ok_or(Error::NotFound("商品"))?;
    allow(actor.may_edit_facility_goods(product.facility_id))?;
    Ok(product)
}

/// `GET /products/{id}/photo`: the photo, for whoever may see the product.
pub async fn get(db: &Db, actor: &Principal, product_id: i64) -> Result<ServedPhoto> {
    let mut tx = db.read().await?;
    let product = db::products::get(&mut tx, product_id)
        .await?
        .ok_or(Error::NotFound("商品"))?;
    allow(actor.may_see_facility(product.facility_id))?;
    let photo = db::photos::get(&mut tx, product_id)
        .await?
        .ok_or(Error::NotFound("商品の写真"))?;
    Ok(ServedPhoto {
        version: photo.version,
        content_type: photo.content_type,
        data: photo.data,
    })
}

/// `PUT /products/{id}/photo`: stores `upload` (JPEG, PNG or WebP) shrunk, replacing the photo
/// the product had.
pub async fn put(
    db: &Db,
    actor: &Principal,
    product_id: i64,
    upload: axum::body::Bytes,
) -> Result<ProductPhoto> {
    // Who may, before any work is done for them.
    editable(&mut db.read().await?, actor, product_id).await?;
    let shrunk = {
        let _turn = DECODES
            .acquire()
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || shrink(&upload))
            .await
            .map_err(|e| Error::Internal(format!("photo decoding: {e}")))?
    }
    .map_err(|refused| Error::field("photo", refused.code(), refused.to_string()))?;

    let mut tx = db.write().await?;
    // Again in the write: the product may have moved to another facility meanwhile.
    editable(&mut tx, actor, product_id).await?;
    let before = db::photos::get(&mut tx, product_id).await?.map(|p| summary(&p));
    let photo = StoredPhoto {
        product_id,
        version: shrunk.version,
        content_type: photos::CONTENT_TYPE.to_string(),
        width: i64::from(shrunk.width),
        height: i64::from(shrunk.height),
        data: shrunk.jpeg,
    };
    db::photos::put(&mut tx, &photo, Utc::now()).await?;
    let after = summary(&photo);
    audit::commit(
        tx,
        actor,
        "product.photo_set",
        "product",
        product_id,
        before.as_ref(),
        after,
    )
    .await
}

/// `DELETE /products/{id}/photo`: the product shows no photo any more (done also when it had
/// none).
pub async fn remove(db: &Db, actor: &Principal, product_id: i64) -> Result<()> {
    let mut tx = db.write().await?;
    editable(&mut tx, actor, product_id).await?;
    if let Some(before) = db::photos::get(&mut tx, product_id).await? {
        db::photos::delete(&mut tx, product_id).await?;
        audit::record(
            &mut tx,
            actor,
            "product.photo_remove",
            "product",
            product_id,
            Some(&summary(&before)),
            None::<&ProductPhoto>,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets each product's `photo` URL from the stored photos (of `facility_id`'s products, or all).
pub(crate) async fn fill(tx: &mut Tx, products: &mut [Product], facility_id: Option<i64>) -> Result<()> {
    if products.is_empty() {
        return Ok(());
    }
    let versions = db::photos::versions(tx, facility_id).await?;
    for product in products {
        product.photo = versions
            .get(&product.id)
            .map(|version| photos::photo_url(product.id, version));
    }
    Ok(())
}

/// An upload made into the photo to store.
#[derive(Debug)]
pub(crate) struct Shrunk {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub version: String,
}

/// Decodes `upload` within the bounds, turns it upright, shrinks it into the box (over white
/// where it is transparent) and encodes it as JPEG.
pub(crate) fn shrink(upload: &[u8]) -> std::result::Result<Shrunk, PhotoRefused> {
    use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
    if upload.is_empty() {
        return Err(PhotoRefused::Empty);
    }
    let reader = ImageReader::new(std::io::Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| PhotoRefused::NotAnImage)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        Some(_) => return Err(PhotoRefused::UnsupportedFormat),
        None => return Err(PhotoRefused::NotAnImage),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(photos::MAX_SIDE);
    limits.max_image_height = Some(photos::MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = reader;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    photos::check_dimensions(width, height)?;
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(PhotoRefused::TooManyPixels);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);

    let (w, h) = photos::fit_within(image.width(), image.height(), photos::PHOTO_BOX);
    if (w, h) != (image.width(), image.height()) {
        image = image.resize_exact(w, h, image::imageops::FilterType::Triangle);
    }
    let rgb = if image.color().has_alpha() {
        over_white(&image.to_rgba8())
    } else {
        image.to_rgb8()
    };
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, photos::JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| PhotoRefused::NotAnImage)?;
    Ok(Shrunk {
        version: version_of(&jpeg),
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

/// What a decoding failure tells the person who uploaded.
fn refusal(error: image::ImageError) -> PhotoRefused {
    match error {
        image::ImageError::Limits(_) => PhotoRefused::TooManyPixels,
        image::ImageError::Unsupported(_) => PhotoRefused::UnsupportedFormat,
        _ => PhotoRefused::NotAnImage,
    }
}

/// A transparent picture (a PNG logo) on white, as it shows on a tile.
fn over_white(rgba: &image::RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// The start of the SHA-256 of the stored bytes, in hex.
fn version_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest[..photos::VERSION_DIGITS / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, ImageFormat, RgbaImage};

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_large_png_is_shrunk_into_the_box_as_jpeg() {
        let png = encoded(
            &DynamicImage::ImageRgba8(RgbaImage::from_pixel(1000, 500, image::Rgba([200, 10, 10, 128]))),
            ImageFormat::Png,
        );
        let shrunk = shrink(&png).expect("shrunk");
        assert_eq!((shrunk.width, shrunk.height), (320, 160));
        assert_eq!(&shrunk.jpeg[..2], &[0xFF, 0xD8], "a JPEG");
        assert_eq!(shrunk.version.len(), photos::VERSION_DIGITS);
        let back = image::load_from_memory(&shrunk.jpeg).expect("decodes");
        assert_eq!((back.width(), back.height()), (320, 160));
        // Half-transparent red on white is pink, not dark red.
        let pixel = back.to_rgb8().get_pixel(160, 80).0;
        assert!(pixel[1] > 100 && pixel[0] > 200, "{pixel:?}");
    }

    #[test]
    fn a_small_photo_is_not_enlarged() {
        let png = encoded(
            &DynamicImage::ImageRgb8(image::RgbImage::new(40, 30)),
            ImageFormat::Png,
        );
        let shrunk = shrink(&png).expect("shrunk");
        assert_eq!((shrunk.width, shrunk.height), (40, 30));
    }

    #[test]
    fn a_phone_photo_is_turned_upright() {
        use image::ImageEncoder;
        // EXIF (little-endian TIFF): one entry, Orientation (0x0112) = 6, "rotate 90° to view".
        let exif = [
            b"II*\0".as_slice(),
            &8u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &0x0112u16.to_le_bytes(),
            &3u16.to_le_bytes(),
            &1u32.to_le_bytes(),
            &6u16.to_le_bytes(),
            &[0, 0],
            &0u32.to_le_bytes(),
        ]
        .concat();
        let pixels = image::RgbImage::new(400, 200);
        let mut jpeg = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
        encoder.set_exif_metadata(exif).expect("exif");
        encoder
            .write_image(pixels.as_raw(), 400, 200, image::ExtendedColorType::Rgb8)
            .expect("encode");
        let shrunk = shrink(&jpeg).expect("shrunk");
        assert_eq!(
            (shrunk.width, shrunk.height),
            (160, 320),
            "taken sideways, shown upright"
        );
    }

    #[test]
    fn hostile_uploads_are_refused() {
        assert_eq!(shrink(b"").err(), Some(PhotoRefused::Empty));
        assert_eq!(
            shrink(b"not an image at all").err(),
            Some(PhotoRefused::NotAnImage)
        );
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(shrink(gif).err(), Some(PhotoRefused::UnsupportedFormat));
        let png = encoded(
            &DynamicImage::ImageRgb8(image::RgbImage::new(64, 64)),
            ImageFormat::Png,
        );
        assert_eq!(
            shrink(&png[..png.len() / 2]).err(),
            Some(PhotoRefused::NotAnImage)
        );
        assert_eq!(
            shrink(&png_header(20_000, 20_000)).err(),
            Some(PhotoRefused::TooManyPixels)
        );
        assert_eq!(
            shrink(&png_header(7_000, 7_000)).err(),
            Some(PhotoRefused::TooManyPixels)
        );
    }

    /// A well-formed PNG claiming `width` × `height` whose pixel data is one empty zlib stream:
    /// a few dozen bytes that would decode to gigabytes.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
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
}
