//! Putting selpos's local certificate authority on the tablets: `GET /ca.crt` (the CA
//! certificate, public) and `GET /setup/ca` (a page with a QR code of that address and the
//! steps for Android and iPad). Both answer 404 when selpos did not make its certificate.

use super::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ca.crt", get(ca_certificate))
        .route("/setup/ca", get(ca_page))
}

fn no_local_ca() -> Response {
    (
        StatusCode::NOT_FOUND,
        "selpos は自分の認証局を使っていません (HTTPS でないか、--tls-cert の証明書です)",
    )
        .into_response()
}

/// The CA certificate, DER, as tablets install it.
async fn ca_certificate(State(state): State<AppState>) -> Response {
    let Some(ca) = state.local_ca.as_ref() else {
        return no_local_ca();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-x509-ca-cert"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"selpos-ca.crt\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        ca.cert_der.clone(),
    )
        .into_response()
}

/// Japanese first: how to install the CA on a tablet.
async fn ca_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(ca) = state.local_ca.as_ref() else {
        return no_local_ca();
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let download_urls = ca.download_urls_for(host);
    let qr = download_urls
        .first()
        .and_then(|url| crate::qr::svg(url))
        .unwrap_or_default();
    let urls: String = download_urls
        .iter()
        .map(|url| format!("<li><a href=\"{0}\">{0}</a></li>", escape(url)))
        .collect();
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>タブレットに selpos の証明書を入れる</title>
<style>body{{font-family:sans-serif;max-width:44rem;margin:1rem auto;padding:0 1rem;line-height:1.6}}
.qr svg{{width:15rem;height:15rem}} code{{word-break:break-all}} h2{{margin-top:1.5rem}}</style></head>
<body>
<h1>タブレットに selpos の証明書を入れる</h1>
<p>selpos はパスワード・PIN・売上を暗号化して送ります。タブレットがこのサーバーを本物と確かめられるよう、
最初に一度だけ「{name}」の証明書をタブレットに入れてください。これでオフラインでもレジが開けます。</p>
<div class="qr">{qr}</div>
<p>タブレットのカメラでこの QR コードを読み取るか、次のアドレスを開いて証明書 (selpos-ca.crt) をダウンロードします。
「この接続ではプライバシーが保護されません」と出たら「詳細設定」→「アクセスする」で進みます (証明書を入れる前の一度だけ)。</p>
<ul>{urls}</ul>
<h2>Android</h2>
<ol><li>設定 → セキュリティとプライバシー → その他のセキュリティ設定 → 暗号化と認証情報 → 証明書のインストール → CA 証明書 (機種により名前が少し違います)。</li>
<li>「インストールする」を選び、ダウンロードした selpos-ca.crt を選びます。</li>
<li>Chrome を開き直して、selpos のアドレスを開きます。</li></ol>
<h2>iPad</h2>
<ol><li>Safari で上のアドレスを開き、「許可」をタップします。</li>
<li>設定 → 一般 → VPN とデバイス管理 →「{name}」→ インストール。</li>
<li>設定 → 一般 → 情報 → 証明書信頼設定 で「{name}」をオンにします。</li></ol>
<h2>確かめる</h2>
<p>タブレットの証明書の詳細に出る SHA-256 フィンガープリントが次と同じことを確かめてください:<br><code>{fingerprint}</code></p>
<hr>
<p lang="en"><small>Install selpos's local certificate authority on each tablet once: scan the code or open the address
above and download selpos-ca.crt. Android: Settings → Security → Encryption &amp; credentials → Install a certificate
→ CA certificate. iPad: open it in Safari, allow, then Settings → General → VPN &amp; Device Management → install,
and Settings → General → About → Certificate Trust Settings → turn it on. Check the SHA-256 fingerprint above.</small></p>
</body></html>"#,
        name = escape(crate::tls::CA_NAME),
        fingerprint = escape(&ca.fingerprint),
    );
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
