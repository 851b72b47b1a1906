//! 商品写真: the optional photo of a product, shown on the till's tile and on the product list.
//!
//! A photo is uploaded as it comes off a phone or a camera (JPEG, PNG or WebP), checked against
//! the bounds here before it is decoded (a small file may claim 20,000 × 20,000 pixels), shrunk
//! by the server to fit [`PHOTO_BOX`] and stored as a small JPEG. It is served under a URL that
//! names its content ([`photo_url`]), so a browser and the till's offline copy keep it for good
//! and a new photo is a new URL (and a new catalogue version).

use serde::{Deserialize, Serialize};

/// The stored photo fits within this many pixels each way (its aspect kept, never enlarged).
pub const PHOTO_BOX: u32 = 320;
/// The largest upload accepted, in bytes: a phone's full-size photo.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The widest or tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// The most pixels an image may have (a 12-megapixel phone photo is 4,000 × 3,000; 40
/// megapixels is 7,700 × 5,200).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The quality of the stored JPEG (1–100).
pub const JPEG_QUALITY: u8 = 80;
/// The Content-Type of every stored photo.
pub const CONTENT_TYPE: &str = "image/jpeg";
/// Hex digits of the SHA-256 of the stored bytes that name a photo's version.
pub const VERSION_DIGITS: usize = 16;

/// `PUT /api/v1/products/{id}/photo`: the photo as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPhoto {
    pub product_id: i64,
    /// Where it is served; changes whenever the photo does.
    pub url: String,
    /// Names the stored bytes (the start of their SHA-256 in hex): the URL's `v` and the ETag.
    pub version: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored JPEG, in bytes.
    pub bytes: u64,
}

/// The URL a product's photo of `version` is served at.
pub fn photo_url(product_id: i64, version: &str) -> String {
    format!("/api/v1/products/{product_id}/photo?v={version}")
}

/// The `ETag` of a photo of `version`.
pub fn etag(version: &str) -> String {
    format!("\"{version}\"")
}

/// Whether an `If-None-Match` header value names `version` (a list, weak tags and `*` included).
pub fn if_none_match(header: &str, version: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"') == version && !version.is_empty()
    })
}

/// Why an upload is not taken as a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoRefused {
    #[error("送信されたデータは画像ではないか、壊れています(JPEG・PNG・WebPの写真を選んでください)")]
    NotAnImage,
    #[error("この画像の形式には対応していません(JPEG・PNG・WebPの写真を選んでください)")]
    UnsupportedFormat,
    #[error("画像が大きすぎます(縦横それぞれ12,000ピクセル・合計4,000万画素まで)")]
    TooManyPixels,
    #[error("画像が空です")]
    Empty,
}

impl PhotoRefused {
    /// The code programs tell the refusals apart by.
    pub fn code(self) -> &'static str {
        match self {
            PhotoRefused::NotAnImage => "not_an_image",
            PhotoRefused::UnsupportedFormat => "unsupported_format",
            PhotoRefused::TooManyPixels => "too_many_pixels",
            PhotoRefused::Empty => "required",
        }
    }
}

/// Checks an image's claimed size before anything is decoded.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), PhotoRefused> {
    if width == 0 || height == 0 {
        return Err(PhotoRefused::NotAnImage);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoRefused::TooManyPixels);
    }
    Ok(())
}

/// The size an image of `width` × `height` is stored at: within `PHOTO_BOX` each way, its
/// aspect kept (rounded, at least one pixel), never enlarged.
pub fn fit_within(width: u32, height: u32, bound: u32) -> (u32, u32) {
    if width <= bound && height <= bound {
        return (width, height);
    }
    let (w, h, b) = (u64::from(width), u64::from(height), u64::from(bound));
    let scaled = |side: u64, long: u64| ((side * b + long / 2) / long).clamp(1, b) as u32;
    if width >= height {
        (bound, scaled(h, w))
    } else {
        (scaled(w, h), bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shrinks_to_the_box_keeping_the_aspect() {
        assert_eq!(fit_within(4000, 3000, 320), (320, 240));
        assert_eq!(fit_within(3000, 4000, 320), (240, 320));
        assert_eq!(fit_within(1000, 1000, 320), (320, 320));
        assert_eq!(fit_within(10_000, 1, 320), (320, 1));
        assert_eq!(fit_within(200, 100, 320), (200, 100), "never enlarged");
        assert_eq!(fit_within(320, 320, 320), (320, 320));
    }

    proptest! {
        #[test]
        fn always_within_the_box(w in 1u32..=MAX_SIDE, h in 1u32..=MAX_SIDE) {
            let (fw, fh) = fit_within(w, h, PHOTO_BOX);
            prop_assert!(fw >= 1 && fh >= 1 && fw <= PHOTO_BOX && fh <= PHOTO_BOX);
            prop_assert!(fw <= w && fh <= h);
            // The aspect is kept to within a pixel's rounding.
            let ratio = |a: u32, b: u32| f64::from(a) / f64::from(b);
            if fw > 1 && fh > 1 {
                let error = (ratio(fw, fh) - ratio(w, h)).abs() / ratio(w, h);
                prop_assert!(error <= 1.0 / f64::from(fw.min(fh)) + 1e-9, "{w}x{h} -> {fw}x{fh}");
            }
        }
    }

    #[test]
    fn bombs_are_refused_by_their_header() {
        assert_eq!(check_dimensions(20_000, 20_000), Err(PhotoRefused::TooManyPixels));
        assert_eq!(check_dimensions(12_000, 12_000), Err(PhotoRefused::TooManyPixels));
        assert_eq!(check_dimensions(1, 12_001), Err(PhotoRefused::TooManyPixels));
        assert_eq!(check_dimensions(0, 10), Err(PhotoRefused::NotAnImage));
        assert_eq!(check_dimensions(8000, 5000), Ok(()));
        assert_eq!(check_dimensions(8000, 6000), Err(PhotoRefused::TooManyPixels));
    }

    #[test]
    fn if_none_match_reads_lists_and_weak_tags() {
        assert!(if_none_match("\"abc\"", "abc"));
        assert!(if_none_match("W/\"abc\"", "abc"));
        assert!(if_none_match("\"x\", \"abc\"", "abc"));
        assert!(if_none_match("*", "abc"));
        assert!(!if_none_match("\"abd\"", "abc"));
        assert!(!if_none_match("", "abc"));
        assert_eq!(etag("abc"), "\"abc\"");
        assert_eq!(photo_url(7, "abc"), "/api/v1/products/7/photo?v=abc");
    }

    #[test]
    fn refusals_are_japanese() {
        for refusal in [
            PhotoRefused::NotAnImage,
            PhotoRefused::UnsupportedFormat,
            PhotoRefused::TooManyPixels,
            PhotoRefused::Empty,
        ] {
            assert!(!refusal.to_string().is_ascii());
            assert!(!refusal.code().is_empty());
        }
    }
}
