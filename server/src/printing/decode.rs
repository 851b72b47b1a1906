//! Reads an ESC/POS stream back into text lines: what a printer would put on paper. It knows
//! exactly the commands [`super::encode`] sends and refuses anything else, so the golden tests
//! and the black-box tests (a fake printer on a TCP port) check the very bytes a printer gets.

use encoding_rs::SHIFT_JIS;

/// One printed line and the style it was printed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// `ESC a`: 0 left, 1 centre, 2 right.
    pub align: u8,
    pub bold: bool,
    pub double: bool,
}

#[derive(Debug, Default)]
pub struct Decoded {
    pub lines: Vec<Line>,
    pub qr_codes: Vec<String>,
    /// Every command, in order (text excluded).
    pub commands: Vec<Vec<u8>>,
    /// Commands and text lines in order, readable: the golden `.txt` files.
    pub transcript: Vec<String>,
}

impl Decoded {
    pub fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    pub fn count(&self, command: &[u8]) -> usize {
        self.commands.iter().filter(|c| c.as_slice() == command).count()
    }

    pub fn to_text(&self) -> String {
        self.transcript.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// Bytes the encoder would never send, at `offset`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected ESC/POS at byte {offset}: {what}")]
pub struct DecodeError {
    pub offset: usize,
    pub what: String,
}

#[derive(Default)]
struct State {
    align: u8,
    bold: bool,
    double: bool,
    kanji: bool,
    /// Whether the pending text was sent in Kanji mode.
    kanji_used: bool,
    text: Vec<u8>,
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let mut out = Decoded::default();
    let mut state = State::default();
    let mut i = 0;
    while i < bytes.len() {
        let fail = |what: String| DecodeError { offset: i, what };
        let len = match bytes[i] {
            0x1B..=0x1D => command(&bytes[i..], &mut state, &mut out).map_err(fail)?,
            // DLE EOT n: a real-time status request; it prints nothing.
            0x10 if bytes.get(i + 1) == Some(&0x04) && bytes.len() > i + 2 => 3,
            0x0A => {
                end_line(&mut state, &mut out);
                1
            }
            lead @ (0x81..=0x9F | 0xE0..=0xFC) => {
                if !state.kanji {
                    return Err(fail(format!("two-byte character {lead:02X} outside Kanji mode")));
                }
                let pair = bytes
                    .get(i..i + 2)
                    .ok_or_else(|| fail("half a two-byte character".into()))?;
                state.text.extend_from_slice(pair);
                2
            }
            b @ (0x20..=0x7E | 0xA1..=0xDF) => {
                state.text.push(b);
                1
            }
            b => return Err(fail(format!("unexpected byte {b:02X}"))),
        };
        i += len;
    }
    if !state.text.is_empty() {
        return Err(DecodeError {
            offset: bytes.len(),
            what: "text without a line feed at the end".into(),
        });
    }
    Ok(out)
}

fn command(rest: &[u8], state: &mut State, out: &mut Decoded) -> Result<usize, String> {
    let at = |i: usize| rest.get(i).copied().unwrap_or(0);
    let len = match (rest[0], at(1)) {
        (0x1B, b'@') | (0x1C, b'&') | (0x1C, b'.') => 2,
        (0x1B, b't' | b'R' | b'a' | b'E' | b'd') | (0x1C, b'C') | (0x1D, b'!') => 3,
        (0x1B, b'p') => 5,
        (0x1D, b'V') if matches!(at(2), 65 | 66) => 4,
        (0x1D, b'(') if at(2) == b'k' => 5 + usize::from(at(3)) + 256 * usize::from(at(4)),
        _ => return Err(format!("unknown command {:02X?}", &rest[..rest.len().min(4)])),
    };
    let cmd = rest
        .get(..len)
        .ok_or_else(|| format!("command {:02X?} cut short", &rest[..rest.len().min(4)]))?;
    // The encoder leaves Kanji mode right after each text.
    if cmd[0] != 0x1C && state.kanji {
        return Err(format!("command {cmd:02X?} inside Kanji mode"));
    }
    match cmd {
        [0x1B, b'@'] => *state = State::default(),
        [0x1B, b'a', n] => state.align = *n,
        [0x1B, b'E', n] => state.bold = *n == 1,
        [0x1D, b'!', n] => state.double = *n == 0x11,
        [0x1C, b'&'] => {
            state.kanji = true;
            state.kanji_used = true;
        }
        [0x1C, b'.'] => state.kanji = false,
        // Print the pending text (if any) and feed n lines in all.
        [0x1B, b'd', n] => {
            let mut blank = usize::from(*n);
            if !state.text.is_empty() {
                end_line(state, out);
                blank = blank.saturating_sub(1);
            }
            for _ in 0..blank {
                end_line(state, out);
            }
        }
        [0x1D, b'(', b'k', _, _, 49, 80, 48, data @ ..] => {
            let data =
                String::from_utf8(data.to_vec()).map_err(|_| "QR data that is not UTF-8".to_string())?;
            out.qr_codes.push(data);
        }
        _ => {}
    }
    if !matches!(cmd, [0x1C, b'&' | b'.']) {
        out.transcript.push(mnemonic(cmd));
    }
    out.commands.push(cmd.to_vec());
    Ok(len)
}

fn end_line(state: &mut State, out: &mut Decoded) {
    let (text, _, _) = SHIFT_JIS.decode(&state.text);
    // ESC R 8 (Japan) prints 0x5C as the yen sign and 0x7E as the overline.
    let text = text.replace('\\', "¥").replace('~', "‾");
    // `K|` marks text sent in Kanji mode.
    let mode = if state.kanji_used { "K" } else { " " };
    out.transcript.push(format!("{mode}|{text}"));
    out.lines.push(Line {
        text,
        align: state.align,
        bold: state.bold,
        double: state.double,
    });
    state.text.clear();
    state.kanji_used = false;
}

/// `ESC a 1`, `GS ! 17`, `GS ( k store "…"`: the command's name and its parameters.
fn mnemonic(cmd: &[u8]) -> String {
    if let [0x1D, b'(', b'k', _, _, 49, 80, 48, data @ ..] = cmd {
        return format!("GS ( k store {:?}", String::from_utf8_lossy(data));
    }
    let prefix = match cmd[0] {
        0x1B => "ESC",
        0x1C => "FS",
        _ => "GS",
    };
    // `GS ( k` is named by three bytes, the others by two.
    let name_len = if cmd[1] == b'(' { 3 } else { 2 };
    let name: Vec<String> = cmd[1..name_len]
        .iter()
        .map(|&b| char::from(b).to_string())
        .collect();
    let params: Vec<String> = cmd[name_len..].iter().map(u8::to_string).collect();
    format!("{prefix} {} {}", name.join(" "), params.join(" "))
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_the_encoder_never_sends() {
        assert!(decode(b"abc\n").is_ok());
        assert_eq!(decode(b"abc").map(|_| ()).map_err(|e| e.offset), Err(3));
        let err = decode(&[0x1B, b'Z', 0]).expect_err("unknown command");
        assert_eq!(err.offset, 0);
        assert!(decode(&[0x88, 0x9F, b'\n']).is_err(), "Kanji outside Kanji mode");
        assert!(decode(&[0x1D, b'(', b'k', 9, 0, 49]).is_err(), "cut short");
    }
}
