//! Matching the facilities of the prefecture's table with selpos's by number **and** name: a
//! facility renumbered or renamed between the two is reported, never matched silently, and a
//! facility selpos does not know is created only when the council confirms it.

use crate::wages::PublishedWageRow;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Legal forms of the corporation that runs a facility, as they prefix (or follow) its name in
/// one list and not in another. Checked longest first, after NFKC and lower-casing.
const LEGAL_FORMS: &[&str] = &[
    "特定非営利活動法人",
    "医療法人社団",
    "医療法人財団",
    "社会福祉法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社会医療法人",
    "医療法人",
    "社団法人",
    "財団法人",
    "npo法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(社福)",
    "(特非)",
    "(一社)",
    "(一財)",
    "(npo)",
    "(株)",
    "(有)",
    "(福)",
    "(医)",
];

/// A facility's name reduced to what identifies it: Unicode NFKC (full-width letters, digits
/// and brackets become half-width, half-width katakana full-width, `㈱` becomes `(株)`), no
/// spaces of any width, Latin letters in lower case, and no legal form of the corporation
/// (社会福祉法人, 特定非営利活動法人, NPO法人, 株式会社, (株), …) at its start or end.
pub fn normalise_facility_name(name: &str) -> String {
    let mut s: String = name
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    loop {
        let before = s.len();
        for form in LEGAL_FORMS {
            if let Some(rest) = s.strip_prefix(form) {
                s = rest.to_string();
            }
            if let Some(rest) = s.strip_suffix(form) {
                s = rest.to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// A facility selpos knows: its id, number and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFacility {
    pub id: i64,
    pub number: i64,
    pub name: String,
}

/// How a facility of the table stands against selpos's facilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FacilityMatchStatus {
    /// Same number, same name (normalised).
    Matched,
    /// selpos has the number under another name, and no facility with the table's name: the
    /// council may confirm that it is the same facility.
    NameDiffers,
    /// The table's name is a selpos facility with another number: renumbered on one side. Fix
    /// the number before importing.
    Renumbered,
    /// The table gives one number two different names.
    ConflictingNames,
    /// Neither the number nor the name is known: a new facility, created on confirmation.
    New,
}

impl FacilityMatchStatus {
    /// The code of the import's 422 for an unresolved facility.
    pub fn code(self) -> &'static str {
        match self {
            FacilityMatchStatus::Matched => "matched",
            FacilityMatchStatus::NameDiffers => "facility_name_differs",
            FacilityMatchStatus::Renumbered => "facility_renumbered",
            FacilityMatchStatus::ConflictingNames => "facility_names_conflict",
            FacilityMatchStatus::New => "facility_unconfirmed",
        }
    }
}

/// One facility (number) of the table and what it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityMatch {
    /// The facility's number in the table.
    pub number: i64,
    /// Its name in the table (its first row's).
    pub name: String,
    /// The table's lines of the facility (header = 1).
    pub rows: Vec<usize>,
    pub status: FacilityMatchStatus,
    /// The selpos facility the rows go to: for `matched`, and for `name_differs` once confirmed.
    pub facility_id: Option<i64>,
    /// The selpos facility concerned (same number, or same name for `renumbered`).
    pub selpos_number: Option<i64>,
    pub selpos_name: Option<String>,
    /// For staff, in Japanese.
    pub message: String,
}

/// Matches each facility (number) of `rows` with `known`, in the order of the table.
pub fn match_facilities(rows: &[PublishedWageRow], known: &[KnownFacility]) -> Vec<FacilityMatch> {
    let mut order: Vec<i64> = Vec::new();
    for r in rows {
        if !order.contains(&r.number) {
            order.push(r.number);
        }
    }
    order
        .into_iter()
        .map(|number| {
            let mine: Vec<&PublishedWageRow> = rows.iter().filter(|r| r.number == number).collect();
            let name = mine.first().map(|r| r.facility.clone()).unwrap_or_default();
            let key = normalise_facility_name(&name);
            let mut names: Vec<&str> = Vec::new();
            for r in &mine {
                if !names.iter().any(|n| normalise_facility_name(n) == normalise_facility_name(&r.facility)) {
                    names.push(&r.facility);
                }
            }
            let by_number = known.iter().find(|k| k.number == number);
            let by_name = known
                .iter()
                .find(|k| k.number != number && normalise_facility_name(&k.name) == key);
            let (status, selpos, message) = if names.len() > 1 {
                (
                    FacilityMatchStatus::ConflictingNames,
                    by_number,
                    format!(
                        "表の番号 {number} に異なる事業所名があります:{}",
                        names.iter().map(|n| format!("「{n}」")).collect::<String>()
                    ),
                )
            } else if let Some(f) = by_number.filter(|f| normalise_facility_name(&f.name) == key) {
                (FacilityMatchStatus::Matched, Some(f), String::new())
            } else if let Some(f) = by_name {
                (
                    FacilityMatchStatus::Renumbered,
                    Some(f),
                    format!(
                        "表の番号 {number}「{name}」は、selpos の番号 {}「{}」と同じ名前です{}。番号を直してから取り込んでください",
                        f.number,
                        f.name,
                        by_number
                            .map(|b| format!("(selpos の番号 {number} は「{}」)", b.name))
                            .unwrap_or_default()
                    ),
                )
            } else if let Some(f) = by_number {
                (
                    FacilityMatchStatus::NameDiffers,
                    Some(f),
                    format!(
                        "番号 {number} は selpos では「{}」、表では「{name}」です。同じ事業所なら確認のうえ取り込んでください",
                        f.name
                    ),
                )
            } else {
                (
                    FacilityMatchStatus::New,
                    None,
                    format!("番号 {number}「{name}」は selpos にありません。確認のうえ新しい事業所として登録します"),
                )
            };
            FacilityMatch {
                number,
                name,
                rows: mine.iter().map(|r| r.row).collect(),
                status,
                facility_id: (status == FacilityMatchStatus::Matched)
                    .then(|| selpos.map(|f| f.id))
                    .flatten(),
                selpos_number: selpos.map(|f| f.number),
                selpos_name: selpos.map(|f| f.name.clone()),
                message,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wages::published::tests::{parse_line, table};

    #[test]
    fn names_are_normalised() {
        let same = [
            "わーくはうすてっぶ",
            "社会福祉法人 わーくはうすてっぶ",
            "社会福祉法人　わーくはうすてっぶ",
            " わーくはうす てっぶ ",
        ];
        for name in same {
            assert_eq!(normalise_facility_name(name), "わーくはうすてっぶ", "{name}");
        }
        assert_eq!(normalise_facility_name("ＡＰＴ"), "apt");
        assert_eq!(normalise_facility_name("NPO法人 APT"), "apt");
        assert_eq!(normalise_facility_name("特定非営利活動法人ＲＵＲＩ"), "ruri");
        assert_eq!(normalise_facility_name("one life"), "onelife");
        assert_eq!(normalise_facility_name("ｺｽﾓｽ"), "コスモス");
        assert_eq!(normalise_facility_name("㈱キッチンハウス"), "キッチンハウス");
        assert_eq!(normalise_facility_name("キッチンハウス（株）"), "キッチンハウス");
        assert_eq!(
            normalise_facility_name("株式会社 キッチンハウス"),
            "キッチンハウス"
        );
        assert_eq!(
            normalise_facility_name("元気のでるファームＳＴＥＰ"),
            "元気のでるファームstep"
        );
        // The name itself is kept: only a legal form at an end goes.
        assert_eq!(normalise_facility_name("さくらの家"), "さくらの家");
        assert_ne!(
            normalise_facility_name("さくらの家"),
            normalise_facility_name("さぐらの家")
        );
        assert_eq!(normalise_facility_name("社会福祉法人"), "");
    }

    fn known(table: &[PublishedWageRow]) -> Vec<KnownFacility> {
        let mut out: Vec<KnownFacility> = Vec::new();
        for r in table {
            if !out.iter().any(|k| k.number == r.number) {
                out.push(KnownFacility {
                    id: r.number + 1000,
                    number: r.number,
                    name: r.facility.clone(),
                });
            }
        }
        out
    }

    #[test]
    fn the_real_table_matches_its_own_facilities() {
        let rows = table();
        let matches = match_facilities(&rows, &known(&rows));
        assert_eq!(matches.len(), 114);
        assert!(matches.iter().all(|m| m.status == FacilityMatchStatus::Matched));
        assert_eq!(matches[0].facility_id, Some(1001));
        assert_eq!(matches[0].rows, [2, 3]);
        let fresh = match_facilities(&rows, &[]);
        assert!(
            fresh
                .iter()
                .all(|m| m.status == FacilityMatchStatus::New && m.facility_id.is_none())
        );
    }

    #[test]
    fn renamed_and_renumbered_facilities_are_reported() {
        let rows = table();
        let mut facilities = known(&rows);
        // selpos writes No. 1 with its corporation and in full-width spaces: still the same.
        facilities[0].name = "社会福祉法人　わーくはうす てっぶ".into();
        // No. 71 is another workshop in selpos.
        let renamed = facilities.iter_mut().find(|k| k.number == 71).expect("71");
        renamed.name = "ひだまり工房".into();
        // No. 72's name is selpos's No. 200.
        let moved = facilities.iter_mut().find(|k| k.number == 72).expect("72");
        moved.number = 200;
        let matches = match_facilities(&rows, &facilities);
        let status = |n: i64| matches.iter().find(|m| m.number == n).expect("number");
        assert_eq!(status(1).status, FacilityMatchStatus::Matched);
        let m = status(71);
        assert_eq!(m.status, FacilityMatchStatus::NameDiffers);
        assert_eq!(m.facility_id, None, "never matched silently");
        assert_eq!(
            (m.selpos_number, m.selpos_name.as_deref()),
            (Some(71), Some("ひだまり工房"))
        );
        assert_eq!(
            m.message,
            "番号 71 は selpos では「ひだまり工房」、表では「さぐらの家」です。同じ事業所なら確認のうえ取り込んでください"
        );
        let m = status(72);
        assert_eq!(m.status, FacilityMatchStatus::Renumbered);
        assert_eq!(m.selpos_number, Some(200));
        assert!(
            m.message.contains("selpos の番号 200「みさと」と同じ名前です"),
            "{}",
            m.message
        );

        // One number, two names within the table.
        let two = [
            parse_line(2, "1,あおば,2,H27,20,10,1000,100.0,10,1000,100.0").expect("row"),
            parse_line(3, "1,みどり,2,H28,20,10,1000,100.0,10,1000,100.0").expect("row"),
        ];
        let m = &match_facilities(&two, &[])[0];
        assert_eq!(m.status, FacilityMatchStatus::ConflictingNames);
        assert_eq!(
            m.message,
            "表の番号 1 に異なる事業所名があります:「あおば」「みどり」"
        );
        assert_eq!(m.rows, [2, 3]);
    }
}
