//! Compact JSON text: `value.to_string()`.

use std::fmt::{self, Display, Formatter, Write};

use super::Json;

impl Display for Json {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(flag) => write!(f, "{flag}"),
            // As read, or as an integer's `Display` wrote it: valid JSON either way.
            Json::Number(number) => f.write_str(number.as_str()),
            Json::String(text) => write_string(f, text),
            Json::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    item.fmt(f)?;
                }
                f.write_char(']')
            }
            Json::Object(members) => {
                f.write_char('{')?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_string(f, key)?;
                    f.write_char(':')?;
                    value.fmt(f)?;
                }
                f.write_char('}')
            }
        }
    }
}

/// Escapes what JSON requires (the quote, the backslash, control characters) and nothing else.
fn write_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escapes are ASCII, so `at` is on a character boundary.
        f.write_str(&text[plain_from..at])?;
        if escaped.is_empty() {
            write!(f, "\\u{byte:04x}")?;
        } else {
            f.write_str(escaped)?;
        }
        plain_from = at + 1;
    }
    f.write_str(&text[plain_from..])?;
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::super::Json;
    use crate::json;

    #[test]
    fn writes_compactly_in_member_order() {
        let value = json!({"b": [1, -3, null, true], "a": {"x": "y"}, "big": 1800000000_i64, "max": u64::MAX});
        assert_eq!(
            value.to_string(),
            r#"{"b":[1,-3,null,true],"a":{"x":"y"},"big":1800000000,"max":18446744073709551615}"#
        );
    }

    #[test]
    fn strings_escape_only_what_json_requires() {
        let text = "quote\" backslash\\ nl\n cr\r tab\t bs\u{8} ff\u{c} nul\u{0} us\u{1f} slash/ é 😀 del\u{7f}";
        let written = Json::String(text.into()).to_string();
        assert_eq!(
            written,
            "\"quote\\\" backslash\\\\ nl\\n cr\\r tab\\t bs\\b ff\\f nul\\u0000 us\\u001f slash/ é 😀 del\u{7f}\""
        );
        assert_eq!(Json::parse(&written), Ok(Json::String(text.into())));
    }

    #[test]
    fn what_is_written_parses_back_the_same() {
        let value = json!({"k\"ey": ["\u{2028}", {"n": 7}, [[[]]]], "min": i64::MIN});
        assert_eq!(Json::parse(&value.to_string()), Ok(value));
        // A number read is written back exactly as it was spelled.
        let read = Json::parse(r#"[1e-7,1.7976931348623157e308,-0.0025,2.50]"#).unwrap();
        assert_eq!(read.to_string(), "[1e-7,1.7976931348623157e308,-0.0025,2.50]");
    }
}
