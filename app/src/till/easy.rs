//! The やさしいレジ's rules, apart from its screens: the steps of a sale, the picture on a
//! tile, furigana, and what is said aloud. Pure, so tested without a browser.

use selpos_domain::Yen;
use selpos_domain::reading::{has_kanji, to_hiragana, yen_reading};
use selpos_domain::sales::CatalogItem;

/// One screen per step: 品物 → 合計 → お預かり → おつり. Nothing moves on by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Items,
    Total,
    Money,
    Change,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Items, Step::Total, Step::Money, Step::Change];

    /// What the step indicator calls it, in hiragana.
    pub fn label(self) -> &'static str {
        match self {
            Step::Items => "しなもの",
            Step::Total => "ごうけい",
            Step::Money => "おあずかり",
            Step::Change => "おつり",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Step::Items => "items",
            Step::Total => "total",
            Step::Money => "money",
            Step::Change => "change",
        }
    }
}

/// The picture on a product's tile, from words in its category (or name): a worker who does
/// not read 「焼き菓子」 recognises a cookie.
pub fn picture_for(item: &CatalogItem) -> &'static str {
    const PICTURES: [(&[&str], &str); 9] = [
        (&["弁当", "べんとう", "おにぎり", "惣菜", "総菜", "ごはん"], "🍱"),
        (&["パン", "ぱん"], "🍞"),
        (&["菓子", "クッキー", "ケーキ", "スイーツ", "かし"], "🍪"),
        (&["飲料", "水", "茶", "ジュース", "コーヒー", "のみもの"], "🥤"),
        (&["野菜", "果物", "農", "やさい", "米"], "🥬"),
        (&["花", "苗", "はな"], "🌷"),
        (&["手芸", "織", "布", "雑貨", "工芸", "木工", "陶"], "🧶"),
        (&["石けん", "石鹸", "せっけん", "日用"], "🧼"),
        (&["印刷", "紙", "カード"], "📄"),
    ];
    PICTURES
        .iter()
        .find(|(words, _)| {
            words
                .iter()
                .any(|w| item.category.contains(w) || item.name.contains(w))
        })
        .map_or("🛍️", |(_, picture)| picture)
}

/// The furigana to put over a product's name: its reading in hiragana, only when the name has
/// kanji and the catalogue knows the reading.
pub fn furigana(item: &CatalogItem) -> Option<String> {
    (has_kanji(&item.name) && !item.kana.trim().is_empty()).then(|| to_hiragana(item.kana.trim()))
}

/// What is said when the total shows.
pub fn spoken_total(total: Yen, items: i64) -> String {
    format!(
        "しなものは {} こ。ごうけいは {} です。",
        items,
        yen_reading(total.0)
    )
}

/// What is said when the change shows.
pub fn spoken_change(change: Yen) -> String {
    if change.0 == 0 {
        "おつりは ありません。ありがとうございました。".into()
    } else {
        format!(
            "おつりは {} です。ありがとうございました。",
            yen_reading(change.0)
        )
    }
}

/// How much more money is needed (0 when enough has been handed over).
pub fn still_needed(total: Yen, received: Yen) -> Yen {
    Yen(total.0.saturating_sub(received.0).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use selpos_domain::TaxRate;

    fn item(name: &str, kana: &str, category: &str) -> CatalogItem {
        CatalogItem {
            product_id: 1,
            facility_id: 1,
            name: name.into(),
            kana: kana.into(),
            price: Yen(300),
            tax_rate: TaxRate::Reduced,
            jan: None,
            category: category.into(),
            photo: None,
        }
    }

    #[test]
    fn tiles_get_a_picture_by_category_then_name() {
        assert_eq!(picture_for(&item("日替わり弁当", "", "弁当")), "🍱");
        assert_eq!(picture_for(&item("手作りクッキー", "", "焼き菓子")), "🍪");
        assert_eq!(picture_for(&item("天然水「極」500ml", "", "")), "🥤");
        assert_eq!(picture_for(&item("さをり織りコースター", "", "手芸")), "🧶");
        assert_eq!(picture_for(&item("なにか", "", "")), "🛍️");
    }

    #[test]
    fn furigana_only_over_kanji_with_a_reading() {
        assert_eq!(
            furigana(&item("手作りクッキー", "テヅクリクッキー", "")).as_deref(),
            Some("てづくりくっきー")
        );
        assert_eq!(furigana(&item("おにぎりセット", "おにぎりせっと", "")), None);
        assert_eq!(furigana(&item("日替わり弁当", " ", "")), None);
    }

    #[test]
    fn the_total_and_change_are_said_in_kana() {
        assert_eq!(
            spoken_total(Yen(720), 3),
            "しなものは 3 こ。ごうけいは ななひゃくにじゅうえん です。"
        );
        assert_eq!(
            spoken_change(Yen(280)),
            "おつりは にひゃくはちじゅうえん です。ありがとうございました。"
        );
        assert!(spoken_change(Yen(0)).starts_with("おつりは ありません"));
    }

    #[test]
    fn what_is_still_needed_never_goes_below_zero() {
        assert_eq!(still_needed(Yen(720), Yen(500)), Yen(220));
        assert_eq!(still_needed(Yen(720), Yen(1_000)), Yen(0));
    }
}
