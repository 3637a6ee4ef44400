//! The strict RFC 8259 grammar: one value, whitespace around it, nothing else.

use thiserror::Error;

use super::{Json, Number};

/// Arrays and objects nest at most this deep, so hostile input cannot exhaust the stack (serde_json's limit).
pub const MAX_DEPTH: usize = 128;

/// Where the text stopped being JSON. It never quotes the text, which may hold a token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("expected {expected} at byte {at}")]
    Expected { expected: &'static str, at: usize },
    #[error("nested deeper than {MAX_DEPTH} levels at byte {at}")]
    TooDeep { at: usize },
}

impl Json {
    pub fn parse(text: &str) -> Result<Json, ParseError> {
        let mut parser = Parser { text, bytes: text.as_bytes(), at: 0, depth: 0 };
        let value = parser.value()?;
        parser.skip_whitespace();
        if parser.at < parser.bytes.len() {
            return Err(parser.expected("the end of the text"));
        }
        Ok(value)
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn expected(&self, expected: &'static str) -> ParseError {
        ParseError::Expected { expected, at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Consumes `byte` if it comes next (after whitespace).
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), ParseError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.expected(expected))
        }
    }

    fn keyword(&mut self, word: &'static str, value: Json) -> Result<Json, ParseError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.expected(word))
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.keyword("true", Json::Bool(true)),
            Some(b'f') => self.keyword("false", Json::Bool(false)),
            Some(b'n') => self.keyword("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.expected("a value")),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Json, ParseError>) -> Result<Json, ParseError> {
        if self.depth == MAX_DEPTH {
            return Err(ParseError::TooDeep { at: self.at });
        }
        self.depth += 1;
        self.at += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn array(&mut self) -> Result<Json, ParseError> {
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            self.expect(b',', "`,` or `]`")?;
        }
    }

    fn object(&mut self) -> Result<Json, ParseError> {
        let mut members = Vec::new();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.expected("a string key"));
            }
            let key = self.string()?;
            self.expect(b':', "`:`")?;
            members.push((key, self.value()?));
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            self.expect(b',', "`,` or `}`")?;
        }
    }

    /// At the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character in one go.
            let run = self.bytes[self.at..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(run) = run else {
                self.at = self.bytes.len();
                return Err(self.expected("a closing `\"`"));
            };
            // The run ends at an ASCII byte, so it ends on a character boundary.
            out.push_str(&self.text[self.at..self.at + run]);
            self.at += run;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                _ => return Err(self.expected("an escaped control character")),
            }
        }
    }

    /// After a backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let simple = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(),
            _ => return Err(self.expected("an escape (one of \"\\/bfnrtu)")),
        };
        self.at += 1;
        Ok(simple)
    }

    /// At the `u` of `\uXXXX`; a UTF-16 surrogate pair is two escapes making one character.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if !self.text[self.at..].starts_with("\\u") {
                    return Err(self.expected("the low surrogate `\\u` of a pair"));
                }
                self.at += 1;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.expected("a low surrogate (DC00 to DFFF)"));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.expected("a high surrogate before a low one")),
            _ => high,
        };
        char::from_u32(code).ok_or_else(|| self.expected("a Unicode scalar value"))
    }

    /// At the `u`: reads it and four hex digits.
    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.text.get(self.at + 1..self.at + 5).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let code =
            digits.and_then(|d| u32::from_str_radix(d, 16).ok()).ok_or_else(|| self.expected("four hex digits"))?;
        self.at += 5;
        Ok(code)
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.at;
        self.at += usize::from(self.peek() == Some(b'-'));
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.expected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            self.at += usize::from(matches!(self.peek(), Some(b'+' | b'-')));
            self.required_digits()?;
        }
        Ok(Json::Number(Number::from_grammar(&self.text[start..self.at])))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), ParseError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.expected("a digit"));
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn fails_at(text: &str) -> usize {
        match Json::parse(text) {
            Err(ParseError::Expected { at, .. } | ParseError::TooDeep { at }) => at,
            Ok(value) => panic!("{text:?} parsed as {value:?}"),
        }
    }

    #[test]
    fn parses_every_kind_of_value_with_nesting_and_whitespace() {
        let text = " {\"a\" : [1, -2, true, false, null, \"s\", {}, []],\n\t\"b\": {\"c\": {\"d\": []}}\r} ";
        let expected = json!({"a": [1, -2, true, false, null, "s", {}, []], "b": {"c": {"d": []}}});
        assert_eq!(Json::parse(text), Ok(expected));
    }

    #[test]
    fn numbers_follow_the_grammar_including_exponents() {
        for text in ["0", "-0", "42", "-17", "3.25", "1e3", "1E+3", "-2.5e-3", "1800000000", "1e400"] {
            let parsed = Json::parse(text).unwrap();
            assert_eq!(parsed.as_number().map(Number::as_str), Some(text));
        }
        assert_eq!(Json::parse("1E+3").unwrap().as_i64(), Some(1000));
        for bad in ["01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "NaN", "Infinity", "- 1"] {
            assert!(Json::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_escapes_and_surrogate_pairs_decode() {
        let text = r#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC \ud83d\ude00 é😀""#;
        assert_eq!(Json::parse(text), Ok(Json::String("q\" b\\ s/ \u{8}\u{c}\n\r\t é € 😀 é😀".into())));
        for bad in [r#""\ud83d""#, r#""\ud83d\u0041""#, r#""\ude00""#, r#""\u12""#, r#""\u12g4""#, r#""\x""#] {
            assert!(Json::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(fails_at("\"tab\there\""), 4, "a raw control character is not allowed");
        assert_eq!(fails_at("\"open"), 5);
    }

    #[test]
    fn anything_after_the_value_is_rejected() {
        assert_eq!(fails_at("{} x"), 3);
        assert_eq!(fails_at("[1] [2]"), 4);
        assert_eq!(fails_at("nullx"), 4);
        assert_eq!(fails_at("1 2"), 2);
    }

    #[test]
    fn broken_structure_says_where_and_what_was_expected() {
        assert_eq!(Json::parse(""), Err(ParseError::Expected { expected: "a value", at: 0 }));
        assert_eq!(Json::parse("[1 2]"), Err(ParseError::Expected { expected: "`,` or `]`", at: 3 }));
        assert_eq!(Json::parse("{1: 2}"), Err(ParseError::Expected { expected: "a string key", at: 1 }));
        assert_eq!(Json::parse(r#"{"a" 2}"#), Err(ParseError::Expected { expected: "`:`", at: 5 }));
        for bad in ["[1,]", "{\"a\":1,}", "[", "{", "tru", "nul", "'a'", "[1]]"] {
            assert!(Json::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nesting_is_limited_so_the_stack_is_safe() {
        let deepest_allowed = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Json::parse(&deepest_allowed).is_ok());
        let hostile = "[{\"a\":".repeat(100_000);
        assert_eq!(Json::parse(&hostile), Err(ParseError::TooDeep { at: 6 * MAX_DEPTH / 2 }));
    }

    #[test]
    fn errors_never_quote_the_input() {
        let secret = "eyJhbGciOiJIUzI1NiJ9.secret";
        for text in [format!("{{\"token\": {secret}}}"), format!("\"{secret}"), format!("[\"{secret}\" 1]")] {
            let message = Json::parse(&text).unwrap_err().to_string();
            assert!(!message.contains("eyJ") && !message.contains("secret"), "{message}");
        }
    }
}
