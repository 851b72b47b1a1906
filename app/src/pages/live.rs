//! 売上速報: an event's sales per facility and product, refreshed every few seconds, for the
//! council and for facility staff (who see their own facility).

use crate::api;
use crate::components::{Loaded, SelectField, event_option, list_of, options_of, refresh_every};
use crate::t;
use leptos::prelude::*;

/// How often the live view asks again.
const REFRESH_MS: u64 = 3000;

#[component]
pub fn LivePage() -> impl IntoView {
    let events = LocalResource::new(api::events);
    let event_id = RwSignal::new(String::new());
    let tick = refresh_every(REFRESH_MS);
    super::open_on_todays_event(events, event_id);
    let options = options_of(list_of(events), None, event_option);
    let sales = LocalResource::new(move || {
        tick.track();
        let id = event_id.get().parse::<i64>().ok();
        async move {
            match id {
                Some(id) => Some(api::event_sales(id).await),
                None => None,
            }
        }
    });
    view! {
        <h1>{t!("売上速報", "Live sales")}</h1>
        <div class="toolbar">
            <SelectField label=t!("イベント", "Event") name="event" value=event_id options />
        </div>
        <Loaded load=move || sales.get().flatten() ok=move |live| view! {
            <p class="live-total" id="live-total">
                {t!("売上合計", "Net sales")} " " <strong>{live.net_sales.to_string()}</strong>
                {(live.sale_count > 0).then(|| format!(" ・ {}件", live.sale_count))}
                <small>{format!(" ({}現在)", super::tokyo(live.as_of).format("%H:%M:%S"))}</small>
            </p>
            <div class="live-facilities">
                {live.facilities.into_iter().map(|f| view! {
                    <section class="live-facility" data-facility=f.facility_id>
                        <h2>{f.facility_name} <span class="amount">{f.net_sales.to_string()}</span> <small>{format!("{}点", f.items_sold)}</small></h2>
                        <table class="list">
                            <tbody>
                                {f.products.into_iter().map(|p| view! {
                                    <tr><td>{p.name}</td><td class="num">{format!("{}点", p.quantity)}</td><td class="num">{p.net_sales.to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }).collect_view()}
            </div>
        } />
    }
}
