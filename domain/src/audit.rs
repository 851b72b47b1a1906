//! The audit log's records, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One record of the audit log: who changed what, when, from which register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_login: String,
    pub register_id: Option<i64>,
    /// `product.update`, `user.create`, `session.login_failed`, …
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Any JSON value, or null.
    pub before: Option<serde_json::Value>,
    /// Any JSON value, or null.
    pub after: Option<serde_json::Value>,
}

/// A kind of audit record (its `action`), with what it is called on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditKind {
    pub code: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
}

const fn kind(code: &'static str, label_ja: &'static str, label_en: &'static str) -> AuditKind {
    AuditKind {
        code,
        label_ja,
        label_en,
    }
}

/// Every kind of record the server writes, in the order the filter lists them.
pub const AUDIT_KINDS: &[AuditKind] = &[
    kind("sale.void", "売上の取消", "Sale voided"),
    kind("sale.refund", "返品・返金", "Refund"),
    kind("sale.price_override", "売価の変更", "Price overridden"),
    kind(
        "sale.sent_for",
        "別の担当者の売上の送信",
        "Sale sent for another cashier",
    ),
    kind("approval.grant", "責任者の承認(PIN)", "Manager's approval"),
    kind("register.open", "レジ開け", "Register opened"),
    kind(
        "register.auto_open",
        "最初の売上でのレジ開け(釣銭準備金なし)",
        "Register opened by its first sale",
    ),
    kind("register.float", "釣銭準備金の入力", "Float entered"),
    kind("register.payout", "出金", "Payout"),
    kind("register.close", "レジ締め", "Register closed"),
    kind("drawer.open", "ドロワーを開けた", "Cash drawer opened"),
    kind("receipt.print", "レシートの印刷", "Receipt printed"),
    kind("receipt.reprint", "レシートの再印刷", "Receipt reprinted"),
    kind("stock.intake", "搬入", "Stock brought in"),
    kind("stock.return", "搬出(持ち帰り)", "Stock taken home"),
    kind("stock.transfer", "在庫の移動", "Stock moved"),
    kind("stock.loss", "破損・紛失", "Loss or damage"),
    kind("stock.adjustment", "在庫の調整", "Stock adjusted"),
    kind("stock.count", "棚卸", "Stock counted"),
    kind("product.create", "商品の登録", "Product added"),
    kind("product.update", "商品の変更", "Product changed"),
    kind("product.import", "商品のCSV取り込み", "Products imported"),
    kind("product.photo_set", "商品写真の登録・変更", "Product photo set"),
    kind("product.photo_remove", "商品写真の削除", "Product photo removed"),
    kind("facility.create", "事業所の登録", "Facility added"),
    kind("facility.update", "事業所の変更", "Facility changed"),
    kind("event.create", "イベントの作成", "Event created"),
    kind("event.update", "イベントの変更", "Event changed"),
    kind(
        "event.state_change",
        "イベントの状態の変更",
        "Event state changed",
    ),
    kind("event.settle", "精算(ロック)", "Event settled"),
    kind("shop_period.settle", "期間精算", "Shop period settled"),
    kind("event.export", "イベントの書き出し", "Event exported"),
    kind("event.import", "イベントの取り込み", "Event imported"),
    kind("settlement.adjust", "精算後の調整", "Settlement adjusted"),
    kind("order.create", "共同受注の登録", "Joint order added"),
    kind("order.update", "共同受注の変更", "Joint order changed"),
    kind(
        "order.status",
        "共同受注の状態の変更",
        "Joint order status changed",
    ),
    kind("order.allocate", "共同受注の割り振り", "Joint order allocated"),
    kind("order.share_confirm", "割り振りの引受け", "Share confirmed"),
    kind("order.share_decline", "割り振りの辞退", "Share declined"),
    kind("order.payment", "共同受注の入金", "Joint order payment"),
    kind("order.payout", "共同受注の支払(ロック)", "Joint order paid out"),
    kind("order.adjust", "共同受注の支払後の調整", "Joint order adjusted"),
    kind("order.capacity", "受注能力の申告", "Capacity declared"),
    kind("wages.month", "工賃の月次実績の入力", "Wage month entered"),
    kind("wages.target", "目標工賃の設定", "Wage target set"),
    kind("wages.import", "工賃実績表の取り込み", "Wage table imported"),
    kind("wages.correction", "公表値の訂正案の判断", "Correction decided"),
    kind("user.create", "ユーザーの登録", "User added"),
    kind("user.update", "ユーザーの変更", "User changed"),
    kind(
        "user.secret_change",
        "パスワード・PINの変更",
        "Password or PIN changed",
    ),
    kind("session.login", "ログイン", "Signed in"),
    kind("session.login_failed", "ログインの失敗", "Sign-in failed"),
    kind(
        "session.rate_limited",
        "ログインの制限(試行が多すぎます)",
        "Sign-in rate limited",
    ),
    kind("device.register", "端末の登録", "Tablet registered"),
    kind("device.revoke", "端末の無効化", "Tablet revoked"),
    kind("council.update", "協議会の設定の変更", "Council settings changed"),
    kind("vending.machine_create", "自販機の登録", "Vending machine added"),
    kind(
        "vending.machine_update",
        "自販機の変更",
        "Vending machine changed",
    ),
    kind("vending.month", "自販機の月次実績", "Vending month recorded"),
    kind(
        "vending.import",
        "自販機の月次実績の取込",
        "Vending months imported",
    ),
    // 共同購入
    kind("purchase.round_create", "共同購入の作成", "Group purchase added"),
    kind(
        "purchase.round_update",
        "共同購入の変更",
        "Group purchase changed",
    ),
    kind(
        "purchase.order",
        "共同購入の注文数",
        "Group purchase quantities set",
    ),
    kind("purchase.close", "共同購入の締切", "Group purchase closed"),
    kind("purchase.cancel", "共同購入の中止", "Group purchase cancelled"),
    kind("purchase.bill", "共同購入の請求", "Group purchase billed"),
    kind("purchase.payment", "共同購入の入金", "Group purchase payment"),
    // Gift pre-orders (issue 24).
    kind(
        "gift.season_create",
        "ギフトのシーズンの登録",
        "Gift season added",
    ),
    kind(
        "gift.season_update",
        "ギフトのシーズンの変更",
        "Gift season changed",
    ),
    kind(
        "gift.season_close",
        "ギフトのシーズンの締切",
        "Gift season closed",
    ),
    kind("gift.import", "ギフトのカタログの取込", "Gift catalogue imported"),
    kind("gift.order", "ギフトの注文", "Gift order taken"),
    kind(
        "gift.cancel",
        "ギフトのお届け先の取消",
        "Gift recipient cancelled",
    ),
];

/// The kind of record `code` names.
pub fn audit_kind(code: &str) -> Option<&'static AuditKind> {
    AUDIT_KINDS.iter().find(|k| k.code == code)
}

/// Checks the kind a list is filtered by: a kind of [`AUDIT_KINDS`], or the part before its
/// dot (`product` for every change to products).
pub fn check_kind_filter(filter: &str) -> Result<(), &'static str> {
    // A kind (`receipt.print`), or a family with or without its dot (`receipt`, `receipt.`).
    let family = filter.strip_suffix('.').unwrap_or(filter);
    let known = AUDIT_KINDS
        .iter()
        .any(|k| k.code == filter || k.code.split('.').next() == Some(family));
    if known {
        Ok(())
    } else {
        Err("操作の種類が正しくありません")
    }
}

/// What the kind of record an entry is about is called on screen (`product` → 商品).
pub fn entity_label_ja(entity: &str) -> &str {
    match entity {
        "approval" => "承認",
        "council" => "協議会",
        "device" => "端末",
        "event" => "イベント",
        "facility" => "事業所",
        "order" => "共同受注",
        "prefecture" => "県の工賃実績",
        "purchase_round" => "共同購入",
        "purchase_bill" => "共同購入の請求",
        "product" => "商品",
        "register" => "レジ",
        "sale" => "売上",
        "stock_operation" => "在庫",
        "user" => "ユーザー",
        "vending_machine" => "自販機",
        "vending_month" => "自販機の月次実績",
        "wage_correction" => "公表値の訂正案",
        // Gift pre-orders (issue 24).
        "gift_season" => "ギフトのシーズン",
        "gift_order" => "ギフトの注文",
        "wage_table" => "工賃実績表",
        "wages" | "wage_month" => "工賃",
        _ => entity,
    }
}

/// What a field of a recorded record is called on screen. Unknown fields keep their name.
pub fn field_label_ja(key: &str) -> &str {
    match key {
        "id" => "ID",
        "name" => "名前",
        "display_name" => "表示名",
        "login" => "ログインID",
        "kana" => "ふりがな",
        "price" => "価格",
        "tax_rate" => "税率",
        "jan" => "JAN",
        "category" => "分類",
        "low_stock_threshold" => "残りわずかの目安",
        "active" => "有効",
        "easy_till" => "やさしいレジ",
        "facility_id" => "事業所ID",
        "number" => "事業所番号",
        "corporation_type" => "法人種別",
        "capacity" => "定員",
        "invoice_number" => "登録番号",
        "invoice_issuer" => "適格請求書発行事業者",
        "contact" => "連絡先",
        "code" => "コード",
        "kind" => "種類",
        "venue" => "会場",
        "starts_on" => "開始日",
        "ends_on" => "終了日",
        "state" => "状態",
        "commission" => "手数料",
        "participants" => "参加事業所",
        "registers" => "レジ",
        "eat_in" => "イートイン",
        "role" => "役割",
        "has_pin" => "PIN",
        "register_id" => "レジID",
        "event_id" => "イベントID",
        "to_event_id" => "移動先イベントID",
        "session_id" => "レジ開けID",
        "sale_id" => "売上ID",
        "entry_id" => "入力ID",
        "approval_id" => "承認ID",
        "float" => "釣銭準備金",
        "float_counts" => "釣銭準備金の金種",
        "counts" => "金種",
        "auto_opened" => "最初の売上で開局",
        "amount" => "金額",
        "total" => "合計",
        "reason" => "理由",
        "note" => "メモ",
        "lines" => "明細",
        "quantity" => "数量",
        "counted" => "数えた数",
        "product_id" => "商品ID",
        "action" => "操作",
        "approver" | "approver_login" => "承認者",
        "attempts" => "回数",
        "from" => "から",
        "until" => "まで",
        "address" => "接続元",
        "printer" => "プリンター",
        "drawer_opened" => "ドロワーを開けた",
        "year" => "年",
        "month" => "月",
        "fiscal_year" => "年度",
        "wages_paid" => "工賃支払総額",
        "user_months" => "対象者延人数",
        "user_days" => "延べ利用者数",
        "opening_days" => "開所日数",
        "work_hours" => "延べ時間数",
        "monthly_target" => "目標工賃(月額)",
        "status" => "状態",
        "rows" => "行数",
        "receipt_number" => "レシート番号",
        "payout_approval_limit" => "出金の承認が要る金額",
        "tax_rounding" => "消費税の端数処理",
        "voucher_gives_change" => "商品券のおつり",
        "phone" => "電話",
        "receipt_footer" => "レシートのフッター",
        "expected" => "予定",
        "difference" => "過不足",
        _ => key,
    }
}

/// Fields holding an amount of yen.
fn is_money(key: &str) -> bool {
    matches!(
        key,
        "price"
            | "amount"
            | "total"
            | "float"
            | "wages_paid"
            | "monthly_target"
            | "payout_approval_limit"
            | "expected"
            | "difference"
            | "payable"
            | "discount"
            | "tax"
    )
}

/// Bookkeeping that says nothing to a reader.
fn is_noise(key: &str) -> bool {
    matches!(key, "created_at" | "updated_at" | "csrf_token")
}

/// A value as a reader wants it: yen for amounts, はい/いいえ, the Japanese names of roles,
/// states and tax rates, a count for lists, `key: value` for small records.
fn value_text(key: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "なし".into(),
        Value::Bool(true) => "はい".into(),
        Value::Bool(false) => "いいえ".into(),
        Value::Number(n) if is_money(key) => match n.as_i64() {
            Some(yen) => crate::Yen(yen).to_string(),
            None => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::String(s) => code_label(key, s).map_or_else(|| s.clone(), str::to_string),
        Value::Array(items) if items.is_empty() => "なし".into(),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => items
            .iter()
            .map(|v| value_text(key, v))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Array(items) => format!("{}件", items.len()),
        Value::Object(fields) => format!(
            "({})",
            fields
                .iter()
                .filter(|(k, _)| !is_noise(k))
                .map(|(k, v)| format!("{}: {}", field_label_ja(k), value_text(k, v)))
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

/// The Japanese name of a coded value (`council_admin` → 協議会 管理者).
fn code_label(key: &str, code: &str) -> Option<&'static str> {
    use crate::events::{EventKind, EventState};
    match key {
        "role" => crate::access::Role::from_code(code).map(|r| r.label_ja()),
        "state" => EventState::from_code(code).map(EventState::label_ja),
        "tax_rate" => crate::TaxRate::from_code(code).map(crate::TaxRate::label_ja),
        "tax_rounding" => crate::RoundingMode::from_code(code).map(crate::RoundingMode::label_ja),
        "action" => crate::approvals::ApprovalAction::from_code(code).map(|a| a.label_ja()),
        "kind" => crate::stock::MovementKind::from_code(code)
            .map(crate::stock::MovementKind::label_ja)
            .or_else(|| EventKind::from_code(code).map(EventKind::label_ja)),
        _ => None,
    }
}

/// One line of an entry's details: what (in Japanese) and its value, or its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub text: String,
}

/// An entry's details as lines a person reads: for a change, each field that changed as
/// `before → after`; for a record made or an event, each of its fields.
pub fn details(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<DetailLine> {
    use serde_json::Value;
    let line = |key: &str, text: String| DetailLine {
        label: field_label_ja(key).to_string(),
        text,
    };
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut lines: Vec<DetailLine> = a
                .iter()
                .filter(|(k, v)| !is_noise(k) && b.get(*k) != Some(v))
                .map(|(k, v)| {
                    let was = b
                        .get(k)
                        .map_or_else(|| "なし".to_string(), |old| value_text(k, old));
                    line(k, format!("{was} → {}", value_text(k, v)))
                })
                .collect();
            lines.extend(
                b.iter()
                    .filter(|(k, _)| !is_noise(k) && !a.contains_key(*k))
                    .map(|(k, v)| line(k, format!("{} → なし", value_text(k, v)))),
            );
            lines
        }
        (_, Some(Value::Object(fields))) | (Some(Value::Object(fields)), None) => fields
            .iter()
            .filter(|(k, _)| !is_noise(k))
            .map(|(k, v)| line(k, value_text(k, v)))
            .collect(),
        (_, Some(value)) | (Some(value), None) => vec![DetailLine {
            label: "内容".into(),
            text: value_text("", value),
        }],
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_has_a_japanese_name_and_a_unique_code() {
        for (i, k) in AUDIT_KINDS.iter().enumerate() {
            assert!(!k.label_ja.is_empty() && !k.label_en.is_empty(), "{}", k.code);
            assert!(k.code.contains('.'), "{}", k.code);
            assert!(
                AUDIT_KINDS[..i].iter().all(|o| o.code != k.code),
                "{} twice",
                k.code
            );
        }
        assert_eq!(
            audit_kind("register.float").map(|k| k.label_ja),
            Some("釣銭準備金の入力")
        );
        assert_eq!(audit_kind("nothing.such"), None);
    }

    #[test]
    fn a_filter_names_a_kind_or_its_group() {
        assert!(check_kind_filter("register.float").is_ok());
        assert!(check_kind_filter("receipt.").is_ok(), "a family by its prefix");
        assert!(check_kind_filter("receipt").is_ok());
        assert!(check_kind_filter("receip.").is_err());
        assert!(check_kind_filter("product").is_ok());
        assert!(check_kind_filter("stock.intake").is_ok());
        assert!(
            check_kind_filter("product.").is_ok(),
            "a group by its prefix, as the API always took it"
        );
        assert!(check_kind_filter("drop table").is_err());
        assert!(check_kind_filter("").is_err());
    }

    #[test]
    fn a_change_lists_what_changed_in_japanese() {
        let before = json!({"price": 300, "name": "クッキー", "active": true, "updated_at": "x"});
        let after = json!({"price": 350, "name": "クッキー", "active": false, "updated_at": "y"});
        let lines = details(Some(&before), Some(&after));
        let text: Vec<String> = lines.iter().map(|l| format!("{}: {}", l.label, l.text)).collect();
        assert_eq!(text, ["有効: はい → いいえ", "価格: ¥300 → ¥350"]);
    }

    #[test]
    fn a_record_lists_its_fields_with_readable_values() {
        let after = json!({"session_id": 4, "float": 30000, "reason": "朝の入力漏れ",
            "float_counts": [{"denomination": 1000, "count": 30}], "role": "council_staff",
            "tax_rate": "reduced", "kind": "intake", "refund": null});
        let text: Vec<String> = details(None, Some(&after))
            .iter()
            .map(|l| format!("{}: {}", l.label, l.text))
            .collect();
        for expected in [
            "レジ開けID: 4",
            "釣銭準備金: ¥30,000",
            "理由: 朝の入力漏れ",
            "釣銭準備金の金種: 1件",
            "役割: 協議会 職員",
            "種類: 搬入",
            "refund: なし",
        ] {
            assert!(text.iter().any(|t| t == expected), "{expected} in {text:?}");
        }
        assert!(
            text.iter()
                .any(|t| t.starts_with("税率: ") && !t.ends_with("reduced")),
            "{text:?}"
        );
        assert!(
            !text.iter().any(|t| t.contains('{') || t.contains('"')),
            "{text:?}"
        );
    }

    #[test]
    fn negative_amounts_and_plain_values() {
        let lines = details(None, Some(&json!({"amount": -3000})));
        assert_eq!(lines[0].text, "-¥3,000");
        assert_eq!(details(None, Some(&json!(12)))[0].text, "12");
        assert!(details(None, None).is_empty());
    }
}
