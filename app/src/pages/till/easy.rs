//! やさしいレジ: the till for a workshop's own workers. Large picture tiles with furigana, one
//! step per screen (しなもの → ごうけい → おあずかり → おつり), the money received tapped as
//! pictures of coins and notes, the change shown as the pieces to hand back, the total and the
//! change read aloud when sound is on, and no time limits: nothing moves on by itself.
//!
//! It sells through the same cart, payment and storage as the ordinary till
//! ([`super::TillState`]), so a sale rung here is recorded exactly as any other.

use super::{Notice, use_till};
use crate::till::browser;
use crate::till::cart;
use crate::till::easy::{Step, furigana, picture_for, spoken_change, spoken_total, still_needed};
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::cash::{CHANGE_PIECES, change_pieces, is_note, tapped_total};
use selpos_domain::reading::yen_reading;
use selpos_domain::sales::CatalogItem;
use selpos_domain::sales::payment::{Tender, TenderKind};

/// Whether the やさしいレジ speaks (kept on this tablet; on unless turned off).
const SOUND_KEY: &str = "selpos.easy.sound";

#[component]
pub(super) fn EasyTill() -> impl IntoView {
    let till = use_till();
    let step = RwSignal::new(Step::Items);
    // The coins and notes tapped on お預かり, in order (「ひとつ けす」 takes the last back).
    let tapped = till.easy_tapped;
    // The sale handed to the till on 「けってい」: its change screen shows once it is stored.
    let paying_for: RwSignal<Option<uuid::Uuid>> = RwSignal::new(None);
    let sound = RwSignal::new(browser::local_get(SOUND_KEY).as_deref() != Some("off"));
    let say = move |text: String| {
        if sound.get_untracked() {
            browser::speak(&text);
        }
    };
    let go = move |to: Step| {
        if to == Step::Total
            && let Ok(totals) = till.totals.get_untracked()
        {
            say(spoken_total(totals.total, totals.item_count));
        }
        step.set(to);
    };
    // The change is said once the sale is stored.
    Effect::new(move |said: Option<Option<uuid::Uuid>>| {
        let done = till.last.with(|l| {
            l.as_ref()
                .filter(|l| Some(l.id) == paying_for.get())
                .map(|l| (l.id, l.change))
        });
        match (done, said.flatten()) {
            (Some((id, change)), before) if before != Some(id) => {
                say(spoken_change(change));
                Some(id)
            }
            (_, before) => before,
        }
    });
    let pay = move || {
        let Some(total) = till.total() else { return };
        let received = tapped.with_untracked(|t| tapped_total(t));
        if received.0 < total.0 {
            return;
        }
        let progress = till.tenders.with_untracked(|ts| {
            cart::add_tender(
                total,
                ts,
                Tender {
                    kind: TenderKind::Cash,
                    amount: received,
                },
                false,
            )
        });
        paying_for.set(Some(till.sale_id.get_untracked()));
        till.pay(progress);
        step.set(Step::Change);
    };
    let next_customer = move || {
        tapped.set(Vec::new());
        paying_for.set(None);
        till.notice.set(None);
        step.set(Step::Items);
    };
    view! {
        <section class="easy-till" id="easy-till" data-step=move || step.get().code() aria-label="やさしいレジ">
            <div class="easy-top">
                <ol class="easy-steps" aria-label="すすみぐあい">
                    {Step::ALL.into_iter().enumerate().map(|(i, s)| view! {
                        <li class:current=move || step.get() == s
                            aria-current=move || (step.get() == s).then_some("step")>
                            <span class="number">{i + 1}</span> {s.label()}
                        </li>
                    }).collect_view()}
                </ol>
                <button type="button" class="easy-sound" id="easy-sound" aria-pressed=move || sound.get().to_string()
                    on:click=move |_| {
                        let on = !sound.get_untracked();
                        sound.set(on);
                        browser::local_set(SOUND_KEY, if on { "on" } else { "off" });
                    }>
                    {move || if sound.get() { "🔊 おと あり" } else { "🔇 おと なし" }}
                </button>
            </div>
            {move || match step.get() {
                Step::Items => view! { <ItemsStep go /> }.into_any(),
                Step::Total => view! { <TotalStep go /> }.into_any(),
                Step::Money => view! { <MoneyStep tapped go pay /> }.into_any(),
                Step::Change => view! { <ChangeStep paying_for go next_customer /> }.into_any(),
            }}
        </section>
    }
}

/// An amount with its reading above it: ¥720 over ななひゃくにじゅうえん.
#[component]
fn Amount(yen: Yen, #[prop(optional)] id: &'static str) -> impl IntoView {
    view! {
        <ruby class="amount" id=(!id.is_empty()).then_some(id)>
            {yen.to_string()}<rt>{yen_reading(yen.0)}</rt>
        </ruby>
    }
}

/// 1. しなもの: big picture tiles, and the cart with 「とる」 on each line.
#[component]
fn ItemsStep(go: impl Fn(Step) + Copy + Send + Sync + 'static) -> impl IntoView {
    let till = use_till();
    let facility: RwSignal<Option<i64>> = RwSignal::new(None);
    let facilities = Memo::new(move |_| {
        till.catalog.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.facilities
                        .iter()
                        .map(|f| (f.facility_id, f.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let items = Memo::new(move |_| {
        let only = facility.get();
        till.catalog.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.items
                        .iter()
                        .filter(|i| only.is_none_or(|f| i.facility_id == f))
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        {move || (facilities.with(Vec::len) > 1).then(|| view! {
            <div class="easy-facilities" role="group" aria-label="どこの しなもの">
                <button type="button" class:active=move || facility.get().is_none()
                    aria-pressed=move || facility.get().is_none().to_string()
                    on:click=move |_| facility.set(None)>"ぜんぶ"</button>
                {facilities.get().into_iter().map(|(id, name)| view! {
                    <button type="button" class:active=move || facility.get() == Some(id)
                        aria-pressed=move || (facility.get() == Some(id)).to_string()
                        on:click=move |_| facility.set(Some(id))>{name}</button>
                }).collect_view()}
            </div>
        })}
        <div class="easy-grid">
            <For each=move || items.get() key=|i| i.product_id let:item>
                <EasyTile item />
            </For>
        </div>
        <div class="easy-cart" id="easy-cart">
            <ul>
                {move || till.lines.get().into_iter().enumerate().map(|(index, line)| view! {
                    <li>
                        <span class="name">{line.name.clone()}</span>
                        <span class="quantity">{format!("× {}", line.quantity)}</span>
                        <button type="button" class="easy-remove" aria-label=format!("{}を とる", line.name)
                            on:click=move |_| till.remove_line(index)>"とる"</button>
                    </li>
                }).collect_view()}
            </ul>
            <div class="easy-next">
                <span class="count">{move || till.totals.with(|t| t.as_ref().map(|t| format!("{} こ", t.item_count)).unwrap_or_default())}</span>
                {move || till.total().map(|yen| view! { <Amount yen /> })}
                <button type="button" class="primary big" id="easy-to-total"
                    disabled=move || till.lines.with(Vec::is_empty) || till.total().is_none()
                    on:click=move |_| go(Step::Total)>"ごうけい へ ▶"</button>
            </div>
        </div>
    }
}

#[component]
fn EasyTile(item: CatalogItem) -> impl IntoView {
    let till = use_till();
    let reading = furigana(&item);
    let label = format!("{} {}", item.name, yen_reading(item.price.0));
    let in_cart = {
        let id = item.product_id;
        move || {
            till.lines.with(|l| {
                l.iter()
                    .filter(|l| l.product_id == id)
                    .map(|l| l.quantity)
                    .sum::<i64>()
            })
        }
    };
    view! {
        <button type="button" class="easy-tile" data-product-id=item.product_id aria-label=label
            on:click={
                let item = item.clone();
                move |_| till.add(&item)
            }>
            {match item.photo.clone() {
                Some(src) => view! { <img class="picture-photo" src=src alt="" loading="lazy" decoding="async" /> }.into_any(),
                None => view! { <span class="picture" aria-hidden="true">{picture_for(&item)}</span> }.into_any(),
            }}
            <span class="name">
                {match reading {
                    Some(r) => view! { <ruby>{item.name.clone()}<rt>{r}</rt></ruby> }.into_any(),
                    None => item.name.clone().into_any(),
                }}
            </span>
            <span class="price"><Amount yen=item.price /></span>
            {move || (in_cart() > 0).then(|| view! { <span class="in-cart">{format!("{} こ", in_cart())}</span> })}
        </button>
    }
}

/// 2. ごうけい: the total, big, said aloud.
#[component]
fn TotalStep(go: impl Fn(Step) + Copy + Send + Sync + 'static) -> impl IntoView {
    let till = use_till();
    view! {
        <div class="easy-screen">
            <p class="easy-heading">"ごうけい"</p>
            <p class="easy-big">{move || till.total().map(|yen| view! { <Amount yen id="easy-total" /> })}</p>
            <p class="easy-sub">{move || till.totals.with(|t| t.as_ref().map(|t| format!("しなもの {} こ", t.item_count)).unwrap_or_default())}</p>
            <div class="easy-actions">
                <button type="button" class="big" on:click=move |_| go(Step::Items)>"◀ もどる"</button>
                <button type="button" class="primary big" id="easy-to-money" on:click=move |_| go(Step::Money)>"おかねを もらう ▶"</button>
            </div>
        </div>
    }
}

/// 3. おあずかり: the money handed over, tapped as pictures of coins and notes.
#[component]
fn MoneyStep(
    tapped: RwSignal<Vec<i64>>,
    go: impl Fn(Step) + Copy + Send + Sync + 'static,
    pay: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let till = use_till();
    let received = move || tapped.with(|t| tapped_total(t));
    let needed = move || till.total().map(|total| still_needed(total, received()));
    let enough = move || needed().is_some_and(|n| n.0 == 0) && !till.paying.get();
    view! {
        <div class="easy-screen">
            <p class="easy-heading">"もらった おかね を おしてください"</p>
            <div class="easy-pieces" role="group" aria-label="おかね">
                {CHANGE_PIECES.into_iter().map(|d| view! {
                    <button type="button" class="piece-button" data-denomination=d aria-label=piece_name(d)
                        on:click=move |_| tapped.update(|t| t.push(d))>
                        <Piece denomination=d />
                    </button>
                }).collect_view()}
            </div>
            <div class="easy-received" id="easy-received" aria-live="polite">
                <span>"もらった おかね "</span>
                {move || view! { <Amount yen=received() /> }}
                {move || needed().filter(|n| n.0 > 0).map(|n| view! {
                    <span class="needed">" あと "<Amount yen=n /></span>
                })}
            </div>
            <div class="easy-tapped" aria-hidden="true">
                {move || tapped.get().into_iter().map(|d| view! { <Piece denomination=d small=true /> }).collect_view()}
            </div>
            <div class="easy-actions">
                <button type="button" class="big" on:click=move |_| go(Step::Total)>"◀ もどる"</button>
                <button type="button" class="big" id="easy-untap" disabled=move || tapped.with(Vec::is_empty)
                    on:click=move |_| tapped.update(|t| { t.pop(); })>"ひとつ けす"</button>
                <button type="button" class="primary big" id="easy-pay" disabled=move || !enough()
                    on:click=move |_| pay()>"けってい ▶"</button>
            </div>
        </div>
    }
}

/// 4. おつり: the change as the coins and notes to hand back, largest first.
#[component]
fn ChangeStep(
    paying_for: RwSignal<Option<uuid::Uuid>>,
    go: impl Fn(Step) + Copy + Send + Sync + 'static,
    next_customer: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let till = use_till();
    move || {
        let done = till
            .last
            .with(|l| l.as_ref().filter(|l| Some(l.id) == paying_for.get()).cloned());
        match done {
            Some(sale) => view! {
                <div class="easy-screen" id="easy-change-screen">
                    <p class="easy-heading">"おつり"</p>
                    <p class="easy-big"><Amount yen=sale.change id="easy-change" /></p>
                    {if sale.change.0 == 0 {
                        view! { <p class="easy-sub">"おつりは ありません"</p> }.into_any()
                    } else {
                        view! {
                            <ol class="easy-change-pieces" id="easy-change-pieces" aria-label="わたす おかね">
                                {change_pieces(sale.change).into_iter().map(|p| view! {
                                    <li data-denomination=p.denomination data-count=p.count
                                        aria-label=format!("{} を {}まい", piece_name(p.denomination), p.count)>
                                        <span class="pieces">
                                            {(0..p.count).map(|_| view! { <Piece denomination=p.denomination /> }).collect_view()}
                                        </span>
                                        <span class="count">{format!("× {}", p.count)}</span>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                    <p class="easy-sub">"レシート " <span class="local-number">{sale.local_number.clone()}</span></p>
                    <div class="easy-actions">
                        <button type="button" class="primary big" id="easy-next-customer" on:click=move |_| next_customer()>
                            "つぎの おきゃくさん ▶"
                        </button>
                    </div>
                </div>
            }.into_any(),
            None if till.paying.get() => view! {
                <div class="easy-screen"><p class="easy-heading" role="status">"きろく しています…"</p></div>
            }.into_any(),
            None => {
                let why = till.notice.with(|n| match n {
                    Some(Notice::Error(e)) => e.clone(),
                    _ => "かいけいが おわっていません".into(),
                });
                view! {
                    <div class="easy-screen">
                        <p class="banner error" role="alert" id="easy-error">{why}</p>
                        <div class="easy-actions">
                            <button type="button" class="big" on:click=move |_| go(Step::Money)>"◀ もどる"</button>
                        </div>
                    </div>
                }.into_any()
            }
        }
    }
}

/// 「100えんだま」, 「1000えんさつ」: what a piece is called, for screen readers and speech.
fn piece_name(denomination: i64) -> String {
    let kind = if is_note(denomination) { "さつ" } else { "だま" };
    format!("{denomination}えん{kind}")
}

/// A coin or a note, drawn: notes as coloured rectangles, coins as discs of their metal (the
/// 5 and 50 with their hole), each with its value.
#[component]
fn Piece(denomination: i64, #[prop(optional)] small: bool) -> impl IntoView {
    let (fill, ink) = match denomination {
        10_000 => ("#6b4f1d", "#ffffff"),
        5_000 => ("#5b3a8c", "#ffffff"),
        1_000 => ("#2f5597", "#ffffff"),
        500 => ("#d8bd62", "#111111"),
        100 | 50 => ("#d0d0d0", "#111111"),
        10 => ("#7a3e12", "#ffffff"),
        5 => ("#d6b33c", "#111111"),
        _ => ("#ececec", "#111111"),
    };
    let value = denomination.to_string();
    if is_note(denomination) {
        view! {
            <svg class="piece note" class:small=small viewBox="0 0 120 64" role="img" aria-label=piece_name(denomination)>
                <rect x="1" y="1" width="118" height="62" rx="6" fill=fill stroke="#333" stroke-width="2" />
                <circle cx="92" cy="32" r="18" fill="none" stroke=ink stroke-width="2" opacity="0.6" />
                <text x="44" y="42" text-anchor="middle" font-size="26" font-weight="700" fill=ink>{value}</text>
            </svg>
        }
        .into_any()
    } else {
        // Coins scale a little with their value, as they do in the hand.
        let r = match denomination {
            500 => 30,
            100 | 10 => 28,
            50 | 5 => 26,
            _ => 24,
        };
        let holed = matches!(denomination, 50 | 5);
        view! {
            <svg class="piece coin" class:small=small viewBox="0 0 64 64" role="img" aria-label=piece_name(denomination)>
                <circle cx="32" cy="32" r=r.to_string() fill=fill stroke="#333" stroke-width="2" />
                {holed.then(|| view! { <circle cx="32" cy="32" r="6" fill="#ffffff" stroke="#333" stroke-width="1.5" /> })}
                <text x="32" y={if holed { "54" } else { "40" }} text-anchor="middle"
                    font-size={if denomination >= 100 { "20" } else { "22" }} font-weight="700" fill=ink>{value}</text>
            </svg>
        }
        .into_any()
    }
}
