//! Wages (工賃) paid to the users of the workshops: fiscal years, the monthly records a facility
//! keeps, the formulas of the prefecture's table and of the FY2024 fee revision, the fee bands,
//! and a check of the prefecture's published table against its own totals.
//!
//! Money stays in integer yen ([`Yen`](crate::Yen)); figures the table publishes with one decimal are
//! integer tenths ([`Tenths`]). Every division is done on 128-bit integers and rounded half up
//! exactly once, so the server, the tablet and the prefecture's spreadsheet agree to the digit.
//!
//! - [`numbers`]: integer tenths and the published figures' number formats;
//! - [`fiscal_year`]: April–March years and their labels (令和7年度, R7, 2025);
//! - [`months`]: a facility's monthly record and its checks;
//! - [`formulas`]: the averages, achievement rates and a year's totals;
//! - [`fee_bands`]: the FY2024 fee bands;
//! - [`published`]: the prefecture's published table, its check and its totals;
//! - [`corrections`]: what the import proposes for a misread figure, and why;
//! - [`names`]: matching the table's facilities with selpos's by number and name;
//! - [`progress`]: a year in progress (見込み): year to date, projection, band;
//! - [`report`]: the API's shapes: a facility's year, the table, an import's report.

pub mod corrections;
pub mod fee_bands;
pub mod fiscal_year;
pub mod formulas;
pub mod months;
pub mod names;
pub mod numbers;
pub mod progress;
pub mod published;
pub mod report;

pub use corrections::*;
pub use fee_bands::*;
pub use fiscal_year::*;
pub use formulas::*;
pub use months::*;
pub use names::*;
pub use numbers::*;
pub use progress::*;
pub use published::*;
pub use report::*;
