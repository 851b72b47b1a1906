//! 読み: how the やさしいレジ says things to someone who reads kana better than kanji and
//! figures. Furigana for product names (from the catalogue's kana), and amounts of money in
//! hiragana, for ruby over prices and for the browser's speech synthesis.

/// Whether `text` has kanji (and so wants furigana above it).
pub fn has_kanji(text: &str) -> bool {
    text.chars().any(
        |c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々'),
    )
}

/// Katakana as hiragana (furigana are written in hiragana); everything else unchanged.
pub fn to_hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

const DIGITS: [&str; 10] = [
    "",
    "いち",
    "に",
    "さん",
    "よん",
    "ご",
    "ろく",
    "なな",
    "はち",
    "きゅう",
];

/// 1 to 9,999 read aloud; `before_unit` when 万 or 億 follows (1,000万 is いっせんまん).
fn below_ten_thousand(n: i64, before_unit: bool) -> String {
    let (thousands, hundreds, tens, ones) = (n / 1000, n / 100 % 10, n / 10 % 10, n % 10);
    let mut out = String::new();
    out.push_str(match thousands {
        0 => "",
        1 if before_unit => "いっせん",
        1 => "せん",
        3 => "さんぜん",
        8 => "はっせん",
        _ => "",
    });
    if !matches!(thousands, 0 | 1 | 3 | 8) {
        out.push_str(DIGITS[thousands as usize]);
        out.push_str("せん");
    }
    out.push_str(match hundreds {
        0 => "",
        1 => "ひゃく",
        3 => "さんびゃく",
        6 => "ろっぴゃく",
        8 => "はっぴゃく",
        _ => "",
    });
    if !matches!(hundreds, 0 | 1 | 3 | 6 | 8) {
        out.push_str(DIGITS[hundreds as usize]);
        out.push_str("ひゃく");
    }
    if tens > 0 {
        if tens > 1 {
            out.push_str(DIGITS[tens as usize]);
        }
        out.push_str("じゅう");
    }
    out.push_str(DIGITS[ones as usize]);
    out
}

/// A whole number read aloud in hiragana: 720 → ななひゃくにじゅう, 13,800 →
/// いちまんさんぜんはっぴゃく. Negative numbers start with マイナス; from 1兆 on, the figures.
pub fn number_reading(n: i64) -> String {
    if n == 0 {
        return "ぜろ".into();
    }
    if n < 0 {
        return format!("まいなす{}", number_reading(n.checked_neg().unwrap_or(i64::MAX)));
    }
    if n >= 1_000_000_000_000 {
        return n.to_string();
    }
    let (oku, man, rest) = (n / 100_000_000, n / 10_000 % 10_000, n % 10_000);
    let mut out = String::new();
    if oku > 0 {
        out.push_str(&below_ten_thousand(oku, true));
        out.push_str("おく");
    }
    if man > 0 {
        out.push_str(&below_ten_thousand(man, true));
        out.push_str("まん");
    }
    if rest > 0 {
        out.push_str(&below_ten_thousand(rest, false));
    }
    out
}

/// An amount of yen read aloud: 720 → ななひゃくにじゅうえん; 4円 is よえん.
pub fn yen_reading(yen: i64) -> String {
    let number = number_reading(yen);
    match number.strip_suffix("よん") {
        Some(head) if yen % 10 == 4 => format!("{head}よえん"),
        _ => format!("{number}えん"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_cashier_says_them() {
        for (n, reading) in [
            (0, "ぜろえん"),
            (4, "よえん"),
            (9, "きゅうえん"),
            (10, "じゅうえん"),
            (14, "じゅうよえん"),
            (100, "ひゃくえん"),
            (280, "にひゃくはちじゅうえん"),
            (300, "さんびゃくえん"),
            (600, "ろっぴゃくえん"),
            (720, "ななひゃくにじゅうえん"),
            (800, "はっぴゃくえん"),
            (1_000, "せんえん"),
            (3_000, "さんぜんえん"),
            (8_000, "はっせんえん"),
            (1_104, "せんひゃくよえん"),
            (10_000, "いちまんえん"),
            (13_800, "いちまんさんぜんはっぴゃくえん"),
            (10_000_000, "いっせんまんえん"),
            (100_000_005, "いちおくごえん"),
        ] {
            assert_eq!(yen_reading(n), reading, "{n}");
        }
    }

    #[test]
    fn odd_numbers_still_read() {
        assert_eq!(number_reading(-40), "まいなすよんじゅう");
        assert_eq!(number_reading(i64::MIN).chars().next(), Some('ま'));
        assert_eq!(number_reading(2_000_000_000_000), "2000000000000");
    }

    #[test]
    fn furigana_are_hiragana_and_only_over_kanji() {
        assert_eq!(to_hiragana("ヤキガシ クッキー"), "やきがし くっきー");
        assert!(has_kanji("焼き菓子"));
        assert!(has_kanji("佐々木"));
        assert!(!has_kanji("クッキー 5まい"));
    }
}
