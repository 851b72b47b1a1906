//! QR codes as inline SVG: the setup page's download links, the till's customer-screen link.

/// The QR code of `text` as an SVG element (no XML declaration, for inlining in HTML); `None`
/// when the text is too long for a QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Some(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_becomes_an_svg_element() {
        let svg = super::svg("http://192.168.1.20:3000/display/abc").expect("qr");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }

    #[test]
    fn too_much_text_is_no_code() {
        assert!(super::svg(&"x".repeat(10_000)).is_none());
    }
}
