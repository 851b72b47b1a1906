//! ESC/POS bytes for Epson TM-series printers with a Japanese (Kanji) font.
//!
//! The `escpos` crate builds the standard commands into an in-memory driver. What it lacks or
//! gets wrong for us is sent as raw bytes: the Kanji commands (`FS C`, `FS &`, `FS .`), the
//! 5-byte drawer kick (its `cash_drawer()` sends 3 bytes), the partial cut `GS V 66 n` (its
//! `partial_cut()` sends `GS V 65 1`, a full cut), and the text itself, which we encode to
//! Shift_JIS one whole character at a time (its `max_length` can split a two-byte character).

use ::escpos::driver::Driver;
use ::escpos::errors::{PrinterError, Result as EscPosResult};
use ::escpos::printer::Printer;
use ::escpos::utils::{
    CharacterSet, Encoder, JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};
use encoding_rs::SHIFT_JIS;
use selpos_domain::receipts::paper::{Align, MIN_COLUMNS, PrintLine, display_width};
use std::cell::RefCell;

/// `FS C 1`: two-byte characters are Shift_JIS.
const KANJI_CODE_SHIFT_JIS: &[u8] = &[0x1C, b'C', 1];
/// `FS &` / `FS .`: enter and leave Kanji mode around text with two-byte characters.
const KANJI_ON: &[u8] = &[0x1C, b'&'];
const KANJI_OFF: &[u8] = &[0x1C, b'.'];
/// `ESC p 0 25 250`: pulse drawer pin 2 for 50 ms, then wait 500 ms.
const DRAWER_KICK: &[u8] = &[0x1B, b'p', 0, 25, 250];
/// `GS V 66 0`: feed the last line past the cutter, then cut partially (one point left).
const FEED_AND_CUT: &[u8] = &[0x1D, b'V', 66, 0];
const LINE_FEED: &[u8] = &[0x0A];
/// `〓` (geta mark): the usual stand-in for a character the printer cannot print.
const GETA: char = '〓';
/// The most data a QR code (model 2) holds.
const QR_MAX_BYTES: usize = 7089;

/// How to encode a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscPosOptions {
    /// Half-width columns of the paper (48 for 80 mm, 32 for 58 mm).
    pub columns: usize,
    /// Kick the cash drawer open first (cash sales).
    pub open_drawer: bool,
}

/// The bytes of a job, and what had to be changed to print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    /// Japanese notes for staff, one per character that was substituted.
    pub warnings: Vec<String>,
}

/// The command builder refused a value: a bug here, not a problem of the receipt.
#[derive(Debug, thiserror::Error)]
#[error("印刷データを作成できません: {0}")]
pub struct EncodeError(String);

impl From<PrinterError> for EncodeError {
    fn from(err: PrinterError) -> Self {
        EncodeError(err.to_string())
    }
}

/// Encodes print lines for the printer. Characters it cannot print are substituted and
/// reported in [`Encoded::warnings`]: a receipt always prints.
pub fn encode(lines: &[PrintLine], options: EscPosOptions) -> Result<Encoded, EncodeError> {
    let mut job = Job::new(options.columns.max(MIN_COLUMNS))?;
    if options.open_drawer {
        job.printer.custom(DRAWER_KICK)?;
    }
    for line in lines {
        job.line(line)?;
    }
    job.printer.print()?;
    let warnings = job.warnings;
    Ok(Encoded {
        bytes: job.printer.driver().0.into_inner(),
        warnings,
    })
}

/// A driver that keeps the bytes in memory.
#[derive(Default)]
struct Memory(RefCell<Vec<u8>>);

impl Driver for Memory {
    fn name(&self) -> String {
        "memory".into()
    }

    fn write(&self, data: &[u8]) -> EscPosResult<()> {
        self.0.try_borrow_mut()?.extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> EscPosResult<usize> {
        Ok(0)
    }

    fn flush(&self) -> EscPosResult<()> {
        Ok(())
    }
}

/// The printer's style as last set, so a command is only sent when the style changes.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Style {
    align: Align,
    bold: bool,
    double: bool,
}

struct Job {
    printer: Printer<Memory>,
    columns: usize,
    style: Style,
    warnings: Vec<String>,
    substituted: Vec<char>,
}

impl Job {
    /// `ESC @`, then as receiptline does for Epson: `ESC t 1` (katakana page for half-width
    /// katakana), `ESC R 8` (Japan: 0x5C prints as ¥), `FS C 1` (Shift_JIS Kanji).
    fn new(columns: usize) -> Result<Self, EncodeError> {
        let protocol = Protocol::new(Encoder::new(SHIFT_JIS));
        let mut printer = Printer::new(Memory::default(), protocol, None);
        printer
            .init()?
            .page_code(PageCode::Katakana)?
            .character_set(CharacterSet::Japan)?
            .custom(KANJI_CODE_SHIFT_JIS)?;
        Ok(Job {
            printer,
            columns,
            style: Style::default(),
            warnings: Vec::new(),
            substituted: Vec::new(),
        })
    }

    fn line(&mut self, line: &PrintLine) -> Result<(), EncodeError> {
        match line {
            PrintLine::Text {
                text,
                align,
                bold,
                double,
            } => {
                self.text(
                    text,
                    Style {
                        align: *align,
                        bold: *bold,
                        double: *double,
                    },
                )?;
            }
            PrintLine::Rule => self.text(&"-".repeat(self.columns), Style::default())?,
            PrintLine::Qr(data) => self.qr(data)?,
            PrintLine::Feed(lines) => {
                self.printer.feeds(*lines)?;
            }
            PrintLine::Cut => {
                self.printer.custom(FEED_AND_CUT)?;
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str, style: Style) -> Result<(), EncodeError> {
        self.set_style(style)?;
        let printable = keep_width(self.printable(text), display_width(text));
        let bytes = shift_jis(&printable);
        // Single-byte text needs no Kanji mode; two-byte characters and katakana enter it.
        if bytes.iter().any(|&b| b >= 0x80) {
            self.printer.custom(KANJI_ON)?.custom(&bytes)?.custom(KANJI_OFF)?;
        } else if !bytes.is_empty() {
            self.printer.custom(&bytes)?;
        }
        self.printer.custom(LINE_FEED)?;
        Ok(())
    }

    fn set_style(&mut self, style: Style) -> Result<(), EncodeError> {
        if style.align != self.style.align {
            self.printer.justify(justify_mode(style.align))?;
        }
        if style.bold != self.style.bold {
            self.printer.bold(style.bold)?;
        }
        if style.double != self.style.double {
            if style.double {
                self.printer.size(2, 2)?;
            } else {
                self.printer.reset_size()?;
            }
        }
        self.style = style;
        Ok(())
    }

    fn qr(&mut self, data: &str) -> Result<(), EncodeError> {
        if data.len() > QR_MAX_BYTES {
            self.warnings.push(format!(
                "QRコードのデータが長すぎるため印字しませんでした（{}バイト）",
                data.len()
            ));
            return Ok(());
        }
        self.set_style(Style {
            align: Align::Center,
            ..Style::default()
        })?;
        // Model 2 is what phones read; 6 dots a module keeps a UUID's code about 2.5 cm wide.
        let option = QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M);
        self.printer.qrcode_option(data, option)?;
        Ok(())
    }

    /// `text` with every character the printer cannot print replaced, warning once per
    /// character.
    fn printable(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if shift_jis_char(c).is_some() {
                out.push(c);
                continue;
            }
            let replacement = replacement(c);
            if !self.substituted.contains(&c) && !is_silent(c) {
                self.substituted.push(c);
                self.warnings.push(warning(c, &replacement));
            }
            out.push_str(&replacement);
        }
        out
    }
}

fn justify_mode(align: Align) -> JustifyMode {
    match align {
        Align::Left => JustifyMode::LEFT,
        Align::Center => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// The Shift_JIS bytes of `c` if the printer can print it: ASCII, half-width katakana, and
/// JIS X 0208 (lead bytes 81–84, 88–EA). encoding_rs also encodes the NEC and IBM
/// extensions of Windows (①, ㈱, 髙, 﨑), which a TM printer's JIS font does not have.
fn shift_jis_char(c: char) -> Option<Vec<u8>> {
    if c == '\\' || c == '~' {
        // 0x5C and 0x7E print as ¥ and ‾ under ESC R 8.
        return None;
    }
    let mut buf = [0; 4];
    let (bytes, _, unmappable) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    match (unmappable, bytes.as_ref()) {
        (false, [0x20..=0x7E | 0xA1..=0xDF]) | (false, [0x81..=0x84 | 0x88..=0xEA, _]) => {
            Some(bytes.into_owned())
        }
        _ => None,
    }
}

/// Shift_JIS bytes of a text whose characters all passed [`shift_jis_char`].
fn shift_jis(text: &str) -> Vec<u8> {
    text.chars().filter_map(shift_jis_char).flatten().collect()
}

/// What to print instead of `c`: an everyday form where there is one, else `〓`. Control
/// characters become spaces, so no text can smuggle in a printer command.
fn replacement(c: char) -> String {
    let fixed = match c {
        c if c.is_control() => " ",
        '\\' => "＼",
        '~' => "～",
        '〜' => "～",
        '麵' => "麺",
        '髙' => "高",
        '﨑' => "崎",
        '德' => "徳",
        '𠮷' => "吉",
        '瀨' => "瀬",
        '㈱' => "(株)",
        '㈲' => "(有)",
        '㈹' => "(代)",
        '№' => "No.",
        '℡' => "TEL",
        '㎏' => "kg",
        '㎎' => "mg",
        '㎜' => "mm",
        '㎝' => "cm",
        '‖' => "∥",
        '—' => "―",
        '–' => "-",
        '①'..='⑳' => return format!("({})", u32::from(c) - u32::from('①') + 1),
        _ => return GETA.to_string(),
    };
    fixed.to_owned()
}

/// Replacements that look the same on paper need no warning.
fn is_silent(c: char) -> bool {
    matches!(c, '\\' | '~' | '〜')
}

fn warning(c: char, replacement: &str) -> String {
    if c.is_control() {
        format!("制御文字 (U+{:04X}) を空白にしました", u32::from(c))
    } else {
        format!(
            "「{c}」(U+{:04X}) は印字できないため「{replacement}」で印字しました",
            u32::from(c)
        )
    }
}

/// A replacement can be wider or narrower than the original (`㈱` → `(株)`). A padded line
/// (name … amount) keeps its width, and the amount its place, by resizing its longest inner
/// run of spaces.
fn keep_width(text: String, width: usize) -> String {
    let actual = display_width(&text);
    let Some((start, len)) = longest_inner_spaces(&text).filter(|_| actual != width) else {
        return text;
    };
    let new_len = if actual > width {
        len.saturating_sub(actual - width).max(1)
    } else {
        len + (width - actual)
    };
    format!(
        "{}{}{}",
        &text[..start],
        " ".repeat(new_len),
        &text[start + len..]
    )
}

/// Byte offset and length of the longest run of at least two spaces with text on both sides.
fn longest_inner_spaces(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut run_start = None;
    for (i, c) in text.char_indices() {
        match (c == ' ', run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                let len = i - start;
                if start > 0 && len >= 2 && best.is_none_or(|(_, l)| len > l) {
                    best = Some((start, len));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printing::decode::decode as decode_checked;

    fn decode(bytes: &[u8]) -> crate::printing::decode::Decoded {
        decode_checked(bytes).expect("the encoder sends only what the decoder knows")
    }
    use selpos_domain::printers::{COLUMNS_58MM, COLUMNS_80MM};
    use selpos_domain::receipts::Receipt;
    use selpos_domain::receipts::paper::layout;
    use std::path::PathBuf;

    fn encoded(lines: &[PrintLine], columns: usize) -> Encoded {
        encode(
            lines,
            EscPosOptions {
                columns,
                open_drawer: false,
            },
        )
        .expect("should succeed")
    }

    fn receipt_job(columns: usize, open_drawer: bool) -> Encoded {
        encode(
            &layout(&Receipt::example(), columns),
            EscPosOptions { columns, open_drawer },
        )
        .expect("should succeed")
    }

    /// Compares with the checked-in file; `SELPOS_UPDATE_GOLDEN=1` rewrites it.
    fn assert_golden(name: &str, actual: &[u8]) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("SELPOS_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("golden folder");
            std::fs::write(&path, actual).expect("golden file written");
        }
        let expected = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (SELPOS_UPDATE_GOLDEN=1 writes it)", path.display()));
        // The `.txt` transcript is compared first: its failure shows what changed.
        let shown = if name.ends_with(".txt") {
            String::from_utf8_lossy(actual)
        } else {
            "(bytes)".into()
        };
        assert!(
            expected == actual,
            "{name} differs from {}:\n{shown}",
            path.display()
        );
    }

    #[test]
    fn golden_80mm_receipt() {
        let job = receipt_job(COLUMNS_80MM, true);
        assert!(job.warnings.is_empty(), "{:?}", job.warnings);
        let decoded = decode(&job.bytes);
        assert_golden("receipt-80mm.txt", decoded.to_text().as_bytes());
        assert_golden("receipt-80mm.bin", &job.bytes);
    }

    #[test]
    fn golden_58mm_receipt() {
        let job = receipt_job(COLUMNS_58MM, false);
        assert!(job.warnings.is_empty(), "{:?}", job.warnings);
        let decoded = decode(&job.bytes);
        assert_golden("receipt-58mm.txt", decoded.to_text().as_bytes());
        assert_golden("receipt-58mm.bin", &job.bytes);
    }

    #[test]
    fn starts_with_init_and_japanese_setup() {
        let job = receipt_job(COLUMNS_80MM, false);
        assert!(
            job.bytes
                .starts_with(&[0x1B, b'@', 0x1B, b't', 1, 0x1B, b'R', 8, 0x1C, b'C', 1])
        );
        assert!(job.bytes.ends_with(FEED_AND_CUT), "ends with GS V 66 0");
    }

    #[test]
    fn decoded_receipt_has_the_invoice_figures() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            let decoded = decode(&receipt_job(columns, false).bytes);
            let text = decoded.texts().concat();
            for needle in [
                "登録番号 T3700000000001",
                "¥1,100 (内消費税 ¥100)",
                "¥640 (内消費税 ¥47)",
                "下記は適格請求書の対象外です",
                "※は軽減税率(8%)対象",
                "お釣り",
            ] {
                assert!(text.contains(needle), "{columns}: no {needle:?}");
            }
            let total = decoded
                .lines
                .iter()
                .find(|l| l.text.starts_with("合計"))
                .expect("a 合計 line");
            assert!(
                total.double && total.bold && total.text.ends_with("¥2,540"),
                "{total:?}"
            );
            assert_eq!(decoded.qr_codes, ["0193a5c2-7d1e-7f3a-9b42-5c6d7e8f9a0b"]);
            assert_eq!(decoded.count(FEED_AND_CUT), 1);
        }
    }

    #[test]
    fn decoded_lines_fit_the_paper() {
        for columns in [COLUMNS_80MM, COLUMNS_58MM] {
            for line in decode(&receipt_job(columns, false).bytes).lines {
                let limit = if line.double { columns / 2 } else { columns };
                assert!(display_width(&line.text) <= limit, "{columns}: {line:?}");
            }
        }
    }

    #[test]
    fn drawer_is_kicked_only_when_asked() {
        let with = decode(&receipt_job(COLUMNS_80MM, true).bytes);
        assert_eq!(with.count(DRAWER_KICK), 1);
        let without = decode(&receipt_job(COLUMNS_80MM, false).bytes);
        assert!(!without.commands.iter().any(|c| c.starts_with(&[0x1B, b'p'])));
    }

    #[test]
    fn kanji_mode_wraps_only_text_that_needs_it() {
        let job = encoded(
            &[
                PrintLine::text("No.42 ¥100", Align::Left),
                PrintLine::text("ｸｯｷｰ", Align::Left),
            ],
            COLUMNS_80MM,
        );
        let body = &job.bytes[11..];
        let mut expected = b"No.42 \x5C100\n".to_vec();
        expected.extend([0x1C, b'&', 0xB8, 0xAF, 0xB7, 0xB0, 0x1C, b'.', b'\n']);
        assert_eq!(body, expected.as_slice());
    }

    #[test]
    fn shift_jis_bytes_of_japanese_text() {
        let job = encoded(&[PrintLine::text("合計", Align::Left)], COLUMNS_80MM);
        assert_eq!(
            &job.bytes[11..],
            &[0x1C, b'&', 0x8D, 0x87, 0x8C, 0x76, 0x1C, b'.', b'\n']
        );
    }

    #[test]
    fn styles_are_sent_only_when_they_change() {
        let lines = [
            PrintLine::text("A", Align::Center).bold().double(),
            PrintLine::text("B", Align::Center).bold().double(),
            PrintLine::text("C", Align::Right),
        ];
        let job = encoded(&lines, COLUMNS_80MM);
        let expected: &[u8] = &[
            0x1B, b'a', 1, 0x1B, b'E', 1, 0x1D, b'!', 0x11, b'A', b'\n', b'B', b'\n', 0x1B, b'a', 2, 0x1B,
            b'E', 0, 0x1D, b'!', 0, b'C', b'\n',
        ];
        assert_eq!(&job.bytes[11..], expected);
    }

    #[test]
    fn unprintable_characters_are_substituted_with_a_warning() {
        let lines = [
            PrintLine::text("手打ち麵 髙﨑 ㈱あおぞら 😀 麵", Align::Left),
            PrintLine::text("① ~ 〜", Align::Left),
        ];
        let job = encoded(&lines, COLUMNS_80MM);
        let decoded = decode(&job.bytes);
        assert_eq!(decoded.texts(), ["手打ち麺 高崎 (株)あおぞら 〓 麺", "(1) ～ ～"]);
        assert_eq!(job.warnings.len(), 6, "one per character: {:?}", job.warnings);
        assert_eq!(
            job.warnings[0],
            "「麵」(U+9EB5) は印字できないため「麺」で印字しました"
        );
        assert!(
            job.warnings
                .iter()
                .any(|w| w.contains("「😀」") && w.contains("「〓」"))
        );
    }

    #[test]
    fn control_characters_cannot_inject_commands() {
        let job = encoded(&[PrintLine::text("A\x1b@\x1dV\x00B", Align::Left)], COLUMNS_80MM);
        assert_eq!(&job.bytes[11..], b"A @ V B\n");
        assert_eq!(job.warnings.len(), 3);
        assert_eq!(
            decode(&job.bytes).count(&[0x1B, b'@']),
            1,
            "only the initialisation"
        );
    }

    #[test]
    fn substitution_keeps_amounts_flush_right() {
        let line = format!("㈱ひまわり{}¥300", " ".repeat(48 - 10 - 4));
        let job = encoded(&[PrintLine::text(line, Align::Left)], COLUMNS_80MM);
        let decoded = decode(&job.bytes);
        let printed = decoded.texts()[0];
        assert!(
            printed.starts_with("(株)ひまわり") && printed.ends_with(" ¥300"),
            "{printed}"
        );
        assert_eq!(display_width(printed), 48);
    }

    #[test]
    fn keep_width_resizes_the_longest_inner_gap() {
        assert_eq!(keep_width("ab  c    d".into(), 8), "ab  c  d");
        assert_eq!(keep_width("ab c d".into(), 9), "ab c d", "no run of two spaces");
        assert_eq!(keep_width("a  b".into(), 6), "a    b");
        assert_eq!(keep_width("a  b".into(), 1), "a b", "keeps one space");
        assert_eq!(keep_width("   a  ".into(), 3), "   a  ", "only inner runs");
    }

    #[test]
    fn long_qr_data_is_skipped_with_a_warning() {
        let job = encoded(&[PrintLine::Qr("x".repeat(QR_MAX_BYTES + 1))], COLUMNS_80MM);
        assert!(decode(&job.bytes).qr_codes.is_empty());
        assert_eq!(job.warnings.len(), 1);
    }

    #[test]
    fn qr_code_is_model_2_centred() {
        let job = encoded(&[PrintLine::Qr("abc".into())], COLUMNS_58MM);
        let expected: &[u8] = &[
            0x1B, b'a', 1, // centre
            0x1D, b'(', b'k', 4, 0, 49, 65, 50, 0, // model 2
            0x1D, b'(', b'k', 3, 0, 49, 67, 6, // module size
            0x1D, b'(', b'k', 3, 0, 49, 69, 49, // error correction M
            0x1D, b'(', b'k', 6, 0, 49, 80, 48, b'a', b'b', b'c', // store
            0x1D, b'(', b'k', 3, 0, 49, 81, 48, // print
        ];
        assert_eq!(&job.bytes[11..], expected);
    }

    #[test]
    fn rule_and_feed() {
        let job = encoded(&[PrintLine::Rule, PrintLine::Feed(3)], COLUMNS_58MM);
        let mut expected = vec![b'-'; 32];
        expected.extend([b'\n', 0x1B, b'd', 3]);
        assert_eq!(&job.bytes[11..], expected.as_slice());
    }
}
