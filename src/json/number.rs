//! JSON numbers, kept as written. The page reads only whole numbers (counts, ids, and JWT times, which it rounds
//! down) and writes only whole numbers, so it never converts to or from `f64`: core's float parsing and printing,
//! with their tables, were 18 KB gzip of the shipped wasm.

/// A number exactly as its JSON text. Two are equal when their values are: `1`, `1.0` and `10e-1` are one number
/// (exponents beyond ±2^40 are clamped, so beyond them only the digits tell numbers apart).
#[derive(Debug, Clone)]
pub struct Number(String);

impl Number {
    /// `text` must already match JSON's number grammar (the parser checked it).
    pub(super) fn from_grammar(text: &str) -> Number {
        Number(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value if it is a whole number that fits `i64`; `1.5` and `1e300` are not one.
    pub fn as_i64(&self) -> Option<i64> {
        let decimal = Decimal::of(&self.0);
        decimal.signed(decimal.scaled_integer()?)
    }

    /// The value rounded down to a whole number, if that fits `i64`: `1.5` is 1, `-1.5` is -2.
    pub fn floor_i64(&self) -> Option<i64> {
        let decimal = Decimal::of(&self.0);
        if decimal.exponent >= 0 {
            return self.as_i64();
        }
        // The digits carry no trailing zeros, so a negative exponent means a fraction remains.
        let fraction_digits = usize::try_from(-decimal.exponent).unwrap_or(usize::MAX);
        let whole_digits = decimal.digits.len().saturating_sub(fraction_digits);
        let whole = if whole_digits == 0 { 0 } else { decimal.digits[..whole_digits].parse::<u64>().ok()? };
        decimal.signed(whole)?.checked_sub(i64::from(decimal.negative))
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        Decimal::of(&self.0) == Decimal::of(&other.0)
    }
}

macro_rules! number_from_integer {
    ($($integer:ty),*) => {$(
        impl From<$integer> for Number {
            fn from(value: $integer) -> Number {
                Number(value.to_string())
            }
        }
    )*};
}

number_from_integer!(i32, i64, u32, u64, usize);

/// A number's value as `digits × 10^exponent`, normalized so that equal values compare equal: no leading or
/// trailing zeros in `digits`, and zero is empty digits with no sign.
#[derive(Debug, PartialEq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Exponents beyond this are far outside any `i64` and are clamped, so `1e99999999999999999999` cannot overflow.
const EXPONENT_LIMIT: i64 = 1 << 40;

impl Decimal {
    fn of(text: &str) -> Self {
        let (negative, unsigned) = text.strip_prefix('-').map_or((false, text), |rest| (true, rest));
        let (mantissa, exponent) = unsigned.split_once(['e', 'E']).map_or((unsigned, 0), |(m, e)| (m, exponent_of(e)));
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all = [whole, fraction].concat();
        let significant = all.trim_start_matches('0');
        let kept = significant.trim_end_matches('0');
        if kept.is_empty() {
            return Decimal { negative: false, digits: String::new(), exponent: 0 };
        }
        let exponent = exponent - fraction.len() as i64 + (significant.len() - kept.len()) as i64;
        Decimal { negative, digits: kept.to_owned(), exponent }
    }

    /// `digits × 10^exponent` when that is a whole number below 2^64.
    fn scaled_integer(&self) -> Option<u64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let scale = 10_u64.checked_pow(u32::try_from(self.exponent).ok()?)?;
        self.digits.parse::<u64>().ok()?.checked_mul(scale)
    }

    /// `magnitude` with this number's sign, if that fits `i64` (down to `i64::MIN`).
    fn signed(&self, magnitude: u64) -> Option<i64> {
        if self.negative {
            0_i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }
}

/// The exponent's value (the grammar guarantees an optional sign and digits), clamped to ±[`EXPONENT_LIMIT`].
fn exponent_of(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude =
        digits.bytes().fold(0_i64, |value, digit| (value * 10 + i64::from(digit - b'0')).min(EXPONENT_LIMIT));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        Number::from_grammar(text)
    }

    #[test]
    fn whole_numbers_read_exactly_whatever_their_spelling() {
        for (text, value) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("42", Some(42)),
            ("-17", Some(-17)),
            ("1.0", Some(1)),
            ("1e3", Some(1000)),
            ("1E+3", Some(1000)),
            ("2500e-2", Some(25)),
            ("0.00e5", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("-92233720368547758080e-1", Some(i64::MIN)),
            ("-9223372036854775809", None),
            ("9223372036854775808", None),
            ("1.5", None),
            ("1e300", None),
            ("1e99999999999999999999", None),
            ("1e-99999999999999999999", None),
        ] {
            assert_eq!(number(text).as_i64(), value, "{text}");
        }
    }

    #[test]
    fn floor_rounds_down_and_keeps_whole_numbers() {
        for (text, value) in [
            ("1800000000.5", Some(1_800_000_000)),
            ("1.8e9", Some(1_800_000_000)),
            ("0.25", Some(0)),
            ("-0.25", Some(-1)),
            ("-1.5", Some(-2)),
            ("7", Some(7)),
            ("-7", Some(-7)),
            ("123e-1", Some(12)),
            ("-1e-1", Some(-1)),
            ("-2.0", Some(-2)),
            ("-9223372036854775807.5", Some(i64::MIN)),
            ("-9223372036854775808.5", None),
            ("5e-99999999999999999999", Some(0)),
            ("1e300", None),
            ("99999999999999999999.5", None),
        ] {
            assert_eq!(number(text).floor_i64(), value, "{text}");
        }
    }

    #[test]
    fn numbers_are_equal_by_value_not_spelling() {
        assert_eq!(number("1"), number("1.0"));
        assert_eq!(number("10e-1"), number("1"));
        assert_eq!(number("-0"), number("0.000"));
        assert_eq!(number("2.50"), number("25e-1"));
        assert_ne!(number("1"), number("-1"));
        assert_ne!(number("1.5"), number("15"));
        assert_eq!(Number::from(31_u32), number("31"));
        assert_eq!(Number::from(-3_i64).as_str(), "-3");
        assert_eq!(Number::from(i64::MIN).as_i64(), Some(i64::MIN));
    }
}
