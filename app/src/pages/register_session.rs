//! レジ開け / 出金 / レジ締め for the tablet's register (`/register/session`, reached from the
//! till): the float and the close are counted by denomination (金種表); the close shows expected
//! cash, counted cash and the difference as it is typed, and is refused while sales wait in the
//! tablet's queue or the tablet is offline.
//!
//! Every step here needs the server, so the page comes with the whole app and keeps the till's
//! own bundle small; the till shows whether the register is open and links here.

use crate::api::{ApiFailure, register_sessions};
use crate::components::{FormStatus, StatusBanner, TextField, field_error, parse_number, refresh_every};
use crate::forms::save;
use crate::session::CurrentSession;
use crate::t;
use crate::till::{browser, store};
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::council::{DEFAULT_PAYOUT_APPROVAL_LIMIT, payout_needs_approval};
use selpos_domain::register_sessions::{
    CashCount, DENOMINATIONS, DenominationCount, PayoutInput, RegisterCloseInput, RegisterFloatInput,
    RegisterOpenInput, RegisterReport, RegisterState, RegisterStatus,
};

/// How often the till's register figures are read again while it sells.
const STATUS_REFRESH_MS: u64 = 15_000;

/// One text per denomination, as typed.
#[derive(Clone, Copy)]
pub struct CountInputs([RwSignal<String>; 10]);

impl Default for CountInputs {
    fn default() -> Self {
        Self::new()
    }
}

impl CountInputs {
    pub fn new() -> Self {
        CountInputs(std::array::from_fn(|_| RwSignal::new(String::new())))
    }

    /// Blank counts as zero; anything unreadable is sent as is for the server to reject.
    pub fn count(self) -> CashCount {
        CashCount(
            DENOMINATIONS
                .iter()
                .zip(self.0.iter())
                .map(|(&denomination, text)| {
                    let typed = text.get();
                    let count = if typed.trim().is_empty() {
                        0
                    } else {
                        parse_number(&typed)
                    };
                    DenominationCount { denomination, count }
                })
                .collect(),
        )
    }
}

fn denomination_label(d: i64) -> String {
    if d >= 1000 {
        format!("{}円札", Yen(d).grouped())
    } else {
        format!("{d}円玉")
    }
}

/// The 金種表 as touch-friendly number fields, with the running total.
#[component]
pub fn CashCountForm(inputs: CountInputs, status: FormStatus) -> impl IntoView {
    view! {
        <div class="cash-count">
            {DENOMINATIONS.iter().zip(inputs.0).enumerate().map(|(i, (&d, value))| {
                let error = field_error(status, match i {
                    0 => "counts[0].count", 1 => "counts[1].count", 2 => "counts[2].count", 3 => "counts[3].count",
                    4 => "counts[4].count", 5 => "counts[5].count", 6 => "counts[6].count", 7 => "counts[7].count",
                    8 => "counts[8].count", _ => "counts[9].count",
                });
                view! {
                    <label class="field denomination" class:invalid=move || error.get().is_some()>
                        <span class="label">{denomination_label(d)}</span>
                        <input type="text" inputmode="numeric" name=format!("count-{d}") bind:value=value />
                        <small class="error-text">{move || error.get()}</small>
                    </label>
                }
            }).collect_view()}
            <p class="count-total">{t!("合計", "Total")} " " <strong id="count-total">{move || inputs.count().total().to_string()}</strong></p>
        </div>
    }
}

/// The page: the register this tablet is signed in to, and the way back to the till.
#[component]
pub fn RegisterSessionPage() -> impl IntoView {
    let session = use_context::<CurrentSession>();
    let online = network_status();
    view! {
        <div class="register-session-page">
            <h1>{t!("レジ開け・出金・レジ締め", "Open, pay out, close")}</h1>
            <p>
                <a class="button big" id="back-to-till" href="/register" rel="external">
                    {t!("レジに戻る", "Back to the till")}
                </a>
            </p>
            {move || {
                let CurrentSession(resource) = session?;
                Some(match resource.get() {
                    None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
                    Some(Ok(info)) => match info.register {
                        Some(register) => view! {
                            <p class="where">{format!("{} / {}", register.event_name, register.register_name)}</p>
                            <RegisterSessionPanel register_id=register.register_id online />
                        }.into_any(),
                        None => view! {
                            <p class="banner warn" role="status">
                                {t!("この端末はレジとしてログインしていません", "This tablet is not signed in as a till")}
                            </p>
                        }.into_any(),
                    },
                    Some(Err(failure)) => view! {
                        <p class="banner error" role="alert">{failure.message}</p>
                        <p><a href="/login?next=%2Fregister%2Fsession" rel="external">{t!("ログイン", "Sign in")}</a></p>
                    }.into_any(),
                })
            }}
        </div>
    }
}

/// Whether the browser has a network now, following its `online` and `offline` events.
fn network_status() -> Signal<bool> {
    let online = RwSignal::new(browser::browser_online());
    browser::on_network_change(move |now| online.set(now));
    online.into()
}

/// The register's session: open it with a float, take cash out, close it.
#[component]
fn RegisterSessionPanel(register_id: i64, online: Signal<bool>) -> impl IntoView {
    let status: RwSignal<Option<Result<RegisterStatus, ApiFailure>>> = RwSignal::new(None);
    // Offline, the last figures stay on screen (the close then explains why it must wait).
    let reload = move || {
        leptos::task::spawn_local(async move {
            match register_sessions::register_status(register_id).await {
                Ok(fresh) => status.set(Some(Ok(fresh))),
                Err(_) if matches!(status.get_untracked(), Some(Ok(_))) => {}
                Err(failure) => status.set(Some(Err(failure))),
            }
        })
    };
    let closing_now = RwSignal::new(false);
    // The confirmation of the last 出金, float or opening: kept here, as each redraws the panel.
    let saved: FormStatus = RwSignal::new(None);
    let confirm =
        move |ja: &'static str, en: &'static str| saved.set(Some(Ok(crate::i18n::pick(ja, en).into())));
    // Fresh figures now and then while selling; never while a count is being typed.
    let tick = refresh_every(STATUS_REFRESH_MS);
    Effect::new(move |_| {
        tick.track();
        if !closing_now.get_untracked() {
            reload();
        }
    });
    view! {
        <StatusBanner status=saved />
        {move || match status.get() {
            None => view! { <p class="loading">{t!("レジの状態を確認中…", "Checking the register…")}</p> }.into_any(),
            Some(Err(failure)) => view! {
                <p class="banner warn" role="status">{failure.message} " " {t!("(オフラインでも販売は続けられます)", "(you can keep selling offline)")}</p>
            }.into_any(),
            Some(Ok(s)) => match s.state {
                RegisterState::Open if closing_now.get() => view! {
                    <ClosePanel register_id report=s.report online on_done=move || { closing_now.set(false); saved.set(None); reload(); } on_cancel=move || closing_now.set(false) />
                }.into_any(),
                RegisterState::Open => view! {
                    <OpenBar report=s.report register_id on_close=move || { closing_now.set(true); saved.set(None); reload(); }
                        on_change=move |what: Saved| {
                            match what {
                                Saved::Payout => confirm("出金を記録しました", "Payout recorded"),
                                Saved::Float => confirm("釣銭準備金を記録しました", "Float recorded"),
                            }
                            reload();
                        } />
                }.into_any(),
                RegisterState::NeverOpened | RegisterState::Closed => view! {
                    <OpenPanel register_id last=s.report on_done=move || { confirm("レジを開けました", "Register opened"); reload(); } />
                }.into_any(),
            },
        }}
    }
}

/// What was just saved on the open register's bar, for its confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Saved {
    Payout,
    Float,
}

/// While open: the float, expected cash, and the buttons for 出金 and レジ締め; a council user
/// enters (or corrects) the float here, e.g. of a register its first sale opened with ¥0.
#[component]
fn OpenBar(
    report: Option<RegisterReport>,
    register_id: i64,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_change: impl Fn(Saved) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let payout_open = RwSignal::new(false);
    let float_open = RwSignal::new(false);
    let (float, expected, auto, late) = report
        .as_ref()
        .map(|r| {
            (
                r.cash.float,
                r.cash.expected,
                r.session.auto_opened,
                r.session.float_entered.is_some(),
            )
        })
        .unwrap_or_default();
    let session_id = StoredValue::new(report.map(|r| r.session.id).unwrap_or_default());
    let council_user = move || crate::session::current().is_some_and(|s| s.user.role.is_council());
    view! {
        <div class="register-session open" id="register-session" data-state="open">
            <span>{t!("レジ開局中", "Register open")}</span>
            <span>{t!("釣銭準備金", "Float")} " " <strong id="session-float">{float.to_string()}</strong></span>
            <span>{t!("現金(予定)", "Cash expected")} " " {expected.to_string()}</span>
            {(auto && !late).then(|| view! {
                <span class="alert" id="float-missing">{move || if council_user() {
                    crate::i18n::pick("釣銭準備金が未入力です(最初の売上で自動開局)", "Float not entered (opened by the first sale)")
                } else {
                    crate::i18n::pick("釣銭準備金が未入力です(最初の売上で自動開局)。協議会の担当者に入力を依頼してください",
                        "Float not entered (opened by the first sale): ask council staff to enter it")
                }}</span>
            })}
            <button class="big" on:click=move |_| payout_open.update(|o| *o = !*o)>{t!("出金", "Pay out")}</button>
            {move || council_user().then(|| view! {
                <button class="big" id="enter-float" on:click=move |_| float_open.update(|o| *o = !*o)>
                    {t!("釣銭準備金を入力・訂正", "Enter or correct the float")}
                </button>
            })}
            <button class="big" id="close-register" on:click=move |_| on_close()>{t!("レジ締め", "Close register")}</button>
        </div>
        {move || payout_open.get().then(|| view! { <PayoutForm register_id on_done=move || { payout_open.set(false); on_change(Saved::Payout); } /> })}
        {move || float_open.get().then(|| view! {
            <FloatEntryForm session_id=session_id.get_value() on_done=move || { float_open.set(false); on_change(Saved::Float); } />
        })}
    }
}

/// 釣銭準備金の後入力・訂正 (council users): the float by denomination and why; the session's
/// float is replaced, audited, and the close counts against it.
#[component]
fn FloatEntryForm(session_id: String, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let inputs = CountInputs::new();
    let reason = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let id = uuid::Uuid::now_v7();
    let session_id = StoredValue::new(session_id);
    let enter = move |_| {
        let input = RegisterFloatInput {
            id,
            counts: inputs.count(),
            reason: reason.get_untracked(),
        };
        let session_id = session_id.get_value();
        let request = async move { register_sessions::set_float(&session_id, &input).await };
        save(status, Some(busy), request, move |_| {
            on_done();
            None
        });
    };
    view! {
        <section class="panel float-entry" id="float-entry">
            <h2>{t!("釣銭準備金の入力・訂正", "Enter or correct the float")}</h2>
            <p class="hint">{t!("レジに入れた釣銭を金種ごとに入力してください。操作履歴に記録され、レジ締めはこの金額で計算されます。",
                "Enter the change put in the drawer by denomination. It is recorded in the audit log, and the close counts against it.")}</p>
            <CashCountForm inputs status />
            <TextField label=t!("理由", "Reason") name="float-reason" value=reason error=field_error(status, "reason") />
            <button class="primary big" id="save-float" on:click=enter disabled=move || busy.get()>{t!("釣銭準備金を記録", "Record the float")}</button>
            <StatusBanner status />
        </section>
    }
}

/// 出金: amount and reason. Above the council's limit a cashier's payout needs a manager's
/// login and PIN on the spot (a council user signed in here approves their own).
#[component]
fn PayoutForm(register_id: i64, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let approver = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let id = uuid::Uuid::now_v7();
    let council = LocalResource::new(crate::api::council);
    let limit = move || {
        council
            .get()
            .and_then(Result::ok)
            .map_or(DEFAULT_PAYOUT_APPROVAL_LIMIT, |c| c.payout_approval_limit)
    };
    let council_user = move || crate::session::current().is_some_and(|s| s.user.role.is_council());
    let needs_pin =
        move || !council_user() && payout_needs_approval(Yen(parse_number(&amount.get())), limit());
    let save = move |_| {
        let amount = Yen(parse_number(&amount.get_untracked()));
        let approval = needs_pin().then(|| ApprovalInput {
            action: ApprovalAction::Payout,
            approver_login: approver.get_untracked().trim().to_string(),
            pin: pin.get_untracked(),
            reason: format!("出金 {amount}"),
            sale_id: None,
            amount: Some(amount),
        });
        let reason = reason.get_untracked();
        let request = async move {
            let approval_id = match approval {
                Some(approval) => Some(crate::api::approve(&approval).await?.id),
                None => None,
            };
            let input = PayoutInput {
                id,
                amount,
                reason,
                approval_id,
            };
            register_sessions::payout(register_id, &input).await
        };
        pin.set(String::new());
        save(status, Some(busy), request, move |_| {
            on_done();
            None
        });
    };
    view! {
        <div class="panel payout">
            <TextField label=t!("出金額", "Amount") name="payout-amount" value=amount inputmode="numeric" error=field_error(status, "amount") required=true />
            <TextField label=t!("理由", "Reason") name="payout-reason" value=reason error=field_error(status, "reason") required=true />
            {move || needs_pin().then(|| view! {
                <p class="hint">{move || format!("{}を超える出金には、協議会の責任者のログインIDとPINが必要です", limit())}</p>
                <TextField label=t!("責任者ログインID", "Approver login") name="payout-approver" value=approver />
                <TextField label=t!("責任者PIN", "Approver PIN") name="payout-approver-pin" value=pin input_type="password" inputmode="numeric" />
            })}
            <button class="primary big" on:click=save disabled=move || busy.get()>{t!("出金を記録", "Record payout")}</button>
            <StatusBanner status />
        </div>
    }
}

/// レジ開け: the float by denomination.
#[component]
fn OpenPanel(
    register_id: i64,
    last: Option<RegisterReport>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let inputs = CountInputs::new();
    let status: FormStatus = RwSignal::new(None);
    let id = uuid::Uuid::now_v7();
    let open = move |_| {
        let input = RegisterOpenInput {
            id,
            counts: inputs.count(),
        };
        let request = async move { register_sessions::open_register(register_id, &input).await };
        save(status, None, request, move |_| {
            on_done();
            None
        });
    };
    view! {
        <section class="panel register-open" id="register-session" data-state="closed">
            <h2>{t!("レジ開け: 釣銭準備金を数えてください", "Open the register: count the float")}</h2>
            {last.is_some().then(|| view! {
                <p class="banner warn" role="status">{t!("このレジは締め済みです。販売するにはレジを開けてください(締め後の売上は受け付けられず、保留になります)", "This register is closed: open it to sell (sales after the close are refused and parked)")}</p>
            })}
            {last.map(|r| view! { <p class="hint">{t!("前回の締め", "Last closed")} " " {r.session.closed_at.map(crate::pages::local_time).unwrap_or_default()}</p> })}
            <CashCountForm inputs status />
            <button class="primary big" id="open-register" on:click=open>{t!("レジを開ける", "Open register")}</button>
            <StatusBanner status />
        </section>
    }
}

/// レジ締め: refused with unsent sales or offline; otherwise the count against the record.
#[component]
fn ClosePanel(
    register_id: i64,
    report: Option<RegisterReport>,
    online: Signal<bool>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let pending = LocalResource::new(store::queued_count);
    let inputs = CountInputs::new();
    let note = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let done: RwSignal<Option<RegisterReport>> = RwSignal::new(None);
    let expected = report.as_ref().map(|r| r.cash.expected).unwrap_or_default();
    let id = uuid::Uuid::now_v7();
    let close = move |_| {
        let input = RegisterCloseInput {
            id,
            counts: inputs.count(),
            note: note.get(),
        };
        let request = async move { register_sessions::close_register(register_id, &input).await };
        save(status, None, request, move |report| {
            done.set(Some(report));
            None
        });
    };
    let blocked = move || -> Option<String> {
        if !online.get() {
            return Some(
                crate::i18n::pick(
                    "オフラインのため締められません。通信が戻ってから締めてください(販売は続けられます)",
                    "Offline: the register can be closed once the connection is back (selling goes on)",
                )
                .to_string(),
            );
        }
        match pending.get() {
            Some(Ok(n)) if n > 0 => Some(format!(
                "{} {n}件",
                crate::i18n::pick(
                    "未送信の売上があります。レジに戻り、送信が終わってから締めてください:",
                    "Unsent sales: go back to the till, and close once they are sent:"
                )
            )),
            Some(Err(e)) => Some(e.to_string()),
            None => {
                Some(crate::i18n::pick("未送信の売上を確認中…", "Checking for unsent sales…").to_string())
            }
            _ => None,
        }
    };
    view! {
        <section class="panel register-close" id="register-close">
            {move || match done.get() {
                Some(report) => view! {
                    <RegisterReportView report />
                    <button class="no-print" on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button>
                    <button class="primary big no-print" on:click=move |_| on_done()>{t!("閉じる", "Done")}</button>
                }.into_any(),
                None => match blocked() {
                    Some(why) => view! {
                        <p class="banner warn" role="alert" id="close-blocked">{why}</p>
                        <button class="big" on:click=move |_| { pending.refetch(); }>{t!("もう一度確認", "Check again")}</button>
                        <button class="big" on:click=move |_| on_cancel()>{t!("戻る", "Back")}</button>
                    }.into_any(),
                    None => view! {
                        <h2>{t!("レジ締め: 現金を数えてください", "Close: count the cash")}</h2>
                        <CashCountForm inputs status />
                        <dl class="close-figures">
                            <dt>{t!("現金(予定)", "Expected")}</dt><dd id="expected-cash">{expected.to_string()}</dd>
                            <dt>{t!("過不足", "Over/short")}</dt>
                            <dd id="difference" class:alert=move || inputs.count().total() != expected>
                                {move || Yen(inputs.count().total().0 - expected.0).to_string()}
                            </dd>
                        </dl>
                        <TextField label=t!("過不足の理由", "Reason for a difference") name="close-note" value=note error=field_error(status, "note") />
                        <button class="primary big" id="confirm-close" on:click=close>{t!("締める", "Close")}</button>
                        <button class="big" on:click=move |_| on_cancel()>{t!("戻る", "Back")}</button>
                        <StatusBanner status />
                    }.into_any(),
                },
            }}
        </section>
    }
}

/// 締めレポート: the record against the count, every tender, and late sales.
#[component]
pub fn RegisterReportView(report: RegisterReport) -> impl IntoView {
    let c = report.cash;
    let s = report.session;
    view! {
        <article class="register-report" id="register-report">
            <h2>{format!("締めレポート {} {}", s.register_code, s.register_name)}</h2>
            <p>{format!("{} 〜 {}", crate::pages::local_time(s.opened_at), s.closed_at.map(crate::pages::local_time).unwrap_or_else(|| "(開局中)".into()))}</p>
            {s.auto_opened.then(|| view! {
                <p class="banner warn" id="report-auto-opened">"自動開局: 釣銭準備金が未入力のまま、最初の売上でレジが開きました"</p>
            })}
            {s.float_entered.clone().map(|e| view! {
                <p class="banner warn" id="report-float-entered">{format!(
                    "釣銭準備金は開局後に入力・訂正されました: {} {} (変更前 {}){}",
                    crate::pages::local_time(e.at), e.by, e.previous,
                    if e.reason.is_empty() { String::new() } else { format!(" 理由: {}", e.reason) }
                )}</p>
            })}
            <table class="list figures">
                <tbody>
                    <tr><th>"釣銭準備金"</th><td class="num">{c.float.to_string()}</td></tr>
                    <tr><th>"現金売上"</th><td class="num">{c.cash_sales.to_string()}</td></tr>
                    <tr><th>"現金返金"</th><td class="num">{format!("−{}", c.cash_refunds)}</td></tr>
                    <tr><th>"出金"</th><td class="num">{format!("−{}", c.payouts)}</td></tr>
                    <tr><th>"現金(予定)"</th><td class="num" id="report-expected">{c.expected.to_string()}</td></tr>
                    <tr><th>"現金(実際)"</th><td class="num" id="report-counted">{c.counted.map(|v| v.to_string()).unwrap_or_default()}</td></tr>
                    <tr><th>"過不足"</th><td class="num" id="report-difference">{c.difference.map(|v| v.to_string()).unwrap_or_default()}</td></tr>
                </tbody>
            </table>
            {(!s.note.is_empty()).then(|| view! { <p class="note">{format!("メモ: {}", s.note)}</p> })}
            <h3>"支払方法別(端末の控えと照合)"</h3>
            <table class="list">
                <tbody>
                    {report.tenders.into_iter().map(|t| view! {
                        <tr><th>{t.kind.label_ja()}</th><td class="num">{format!("{}件", t.count)}</td><td class="num">{t.amount.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>{format!("売上 {}件 {} ・ 取消・返品 {}件 {}", report.sales_count, report.sales_total, report.returns_count, report.returns_total)}</p>
            {(report.voucher_surplus != Yen::ZERO).then(|| view! {
                <p id="voucher-surplus">{format!("商品券の釣銭なし(売上外の受取) {} ・ 支払方法の合計 = 売上 − 取消・返品 + 釣銭なし", report.voucher_surplus)}</p>
            })}
            {(report.late.count > 0).then(|| view! {
                <p class="banner warn" id="late-sales">{format!("締め後に届いた売上 {}件 {}(うち現金 {}): {}", report.late.count, report.late.total, report.late.cash, report.late.receipt_numbers.join("、"))}</p>
            })}
            {s.counts.map(|counts| view! {
                <h3>"金種表"</h3>
                <table class="list">
                    <tbody>
                        {counts.table().into_iter().filter(|l| l.count > 0).map(|l| view! {
                            <tr><th>{denomination_label(l.denomination)}</th><td class="num">{format!("{}枚", l.count)}</td><td class="num">{Yen(l.denomination * l.count).to_string()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </article>
    }
}
