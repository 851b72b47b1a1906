use crate::session::may;
use crate::t;
use leptos::prelude::*;
use selpos_domain::access::Principal;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <h1>{t!("selpos 共同販売 POS・在庫管理", "selpos: point of sale and stock for joint sales")}</h1>
        <div class="tiles">
            <a class="tile" href="/facilities">
                <strong>{t!("事業所", "Facilities")}</strong>
                <span>{t!("会員施設の登録・編集", "Member facilities")}</span>
            </a>
            <a class="tile" href="/products">
                <strong>{t!("商品", "Products")}</strong>
                <span>{t!("自主製品・価格・税率・JAN", "Products, prices, tax rates, JAN codes")}</span>
            </a>
            <a class="tile" href="/events">
                <strong>{t!("イベント", "Events")}</strong>
                <span>{t!("バザール・SELP SHOP・販売会", "Bazaars, SELP SHOP, joint sales")}</span>
            </a>
            {move || may(Principal::may_administer).then(|| view! {
                <a class="tile" href="/council">
                    <strong>{t!("協議会", "Council")}</strong>
                    <span>{t!("レシートの発行者情報", "Receipt issuer details")}</span>
                </a>
            })}
        </div>
    }
}
