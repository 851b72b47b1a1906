//! The fee bands of the FY2024 revision (基本報酬の区分): which band an average wage falls in.

use crate::money::Yen;
use serde::{Deserialize, Serialize};

/// One band of average monthly wage on which a B-type facility's basic fee depends (FY2024
/// revision): `lower` inclusive, `upper` exclusive (`None` for the top band).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeBand {
    /// 0 for the lowest band (under ¥10,000) to 7 for the highest (¥45,000 and over).
    pub index: u8,
    pub lower: Yen,
    pub upper: Option<Yen>,
}

/// The eight bands, lowest first.
pub const FY2024_FEE_BANDS: [FeeBand; 8] = {
    const BOUNDS: [i64; 8] = [0, 10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 45_000];
    let mut bands = [FeeBand {
        index: 0,
        lower: Yen(0),
        upper: None,
    }; 8];
    let mut i = 0;
    while i < 8 {
        bands[i] = FeeBand {
            index: i as u8,
            lower: Yen(BOUNDS[i]),
            upper: if i + 1 < 8 { Some(Yen(BOUNDS[i + 1])) } else { None },
        };
        i += 1;
    }
    bands
};

/// `15000` → `1万5千円`: amounts as the fee schedule writes them.
fn man_yen(amount: Yen) -> String {
    let man = amount.0 / 10_000;
    let sen = amount.0 % 10_000 / 1_000;
    if sen == 0 {
        format!("{man}万円")
    } else {
        format!("{man}万{sen}千円")
    }
}

impl FeeBand {
    /// `1万円未満`, `1万5千円以上2万円未満`, `4万5千円以上` — as the fee schedule words them.
    pub fn label_ja(&self) -> String {
        match (self.index, self.upper) {
            (0, Some(upper)) => format!("{}未満", man_yen(upper)),
            (_, Some(upper)) => format!("{}以上{}未満", man_yen(self.lower), man_yen(upper)),
            (_, None) => format!("{}以上", man_yen(self.lower)),
        }
    }
}

/// Where an average monthly wage stands among the fee bands, and how far the next band is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandPosition {
    pub band: FeeBand,
    /// [`FeeBand::label_ja`], for screens.
    pub label: String,
    /// How much more average monthly wage reaches the next band's lower bound; `None` in the
    /// top band.
    pub to_next_band: Option<Yen>,
}

/// The band of an average monthly wage (by the FY2024 formula). Amounts below zero cannot
/// occur; they fall in the lowest band.
pub fn band_for(average_monthly_wage: Yen) -> BandPosition {
    let band = FY2024_FEE_BANDS
        .iter()
        .rev()
        .find(|b| average_monthly_wage >= b.lower)
        .copied()
        .unwrap_or(FY2024_FEE_BANDS[0]);
    BandPosition {
        band,
        label: band.label_ja(),
        to_next_band: band
            .upper
            .map(|upper| Yen(upper.0.saturating_sub(average_monthly_wage.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_bands() {
        let cases = [
            (0, 0, "1万円未満", Some(10_000)),
            (9_999, 0, "1万円未満", Some(1)),
            (10_000, 1, "1万円以上1万5千円未満", Some(5_000)),
            (17_031, 2, "1万5千円以上2万円未満", Some(2_969)),
            (23_053, 3, "2万円以上2万5千円未満", Some(1_947)),
            (25_000, 4, "2万5千円以上3万円未満", Some(5_000)),
            (34_999, 5, "3万円以上3万5千円未満", Some(1)),
            (35_000, 6, "3万5千円以上4万5千円未満", Some(10_000)),
            (44_999, 6, "3万5千円以上4万5千円未満", Some(1)),
            (45_000, 7, "4万5千円以上", None),
            (120_000, 7, "4万5千円以上", None),
            (-1, 0, "1万円未満", Some(10_001)),
        ];
        for (amount, index, label, to_next) in cases {
            let p = band_for(Yen(amount));
            assert_eq!(p.band.index, index, "{amount}");
            assert_eq!(p.label, label, "{amount}");
            assert_eq!(p.to_next_band, to_next.map(Yen), "{amount}");
        }
        assert_eq!(FY2024_FEE_BANDS[6].upper, Some(Yen(45_000)));
        assert!(
            FY2024_FEE_BANDS
                .windows(2)
                .all(|w| w[0].upper == Some(w[1].lower))
        );
    }
}
