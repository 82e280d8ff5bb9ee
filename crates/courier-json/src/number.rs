//! JSON numbers: the grammar check, exact conversion to integers (`1e2`, `100.0` and
//! `9223372036854775807` are all exact — no round trip through `f64`), correctly rounded
//! conversion to floats, and shortest round-trip formatting.

/// A number as it appears in JSON text, checked against the grammar of RFC 8259 §6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number<'a> {
    text: &'a str,
}

/// The length of the JSON number at the start of `b`, or `None` when there is none.
///
/// RFC 8259 §6: `number = [ minus ] int [ frac ] [ exp ]`, `int = zero / ( digit1-9 *DIGIT )`,
/// `frac = decimal-point 1*DIGIT`, `exp = e [ minus / plus ] 1*DIGIT`.
pub(crate) fn scan(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    Some(i)
}

impl<'a> Number<'a> {
    pub(crate) fn new(text: &'a str) -> Number<'a> {
        Number { text }
    }

    /// `text` if it is exactly one JSON number (no sign other than `-`, no spaces, no leading
    /// zeros): how quoted numbers (`"1e2"`) are read.
    pub fn parse(text: &'a str) -> Option<Number<'a>> {
        (scan(text.as_bytes()) == Some(text.len())).then_some(Number { text })
    }

    /// The number's text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The value as the nearest `f64` (correctly rounded), or `None` when it is too large for
    /// one.
    pub fn to_f64(&self) -> Option<f64> {
        if let Some(v) = self.simple_f64() {
            return Some(v);
        }
        let v: f64 = self.text.parse().ok()?;
        v.is_finite().then_some(v)
    }

    /// The value of a short decimal (`-12.375`: no exponent, at most 15 digits) without the
    /// general parser: its digits as an integer, exact in an `f64`, divided by a power of ten
    /// that is exact too, which rounds correctly (one IEEE division). `None` for anything else.
    #[inline]
    fn simple_f64(&self) -> Option<f64> {
        /// `10^k` for `k` up to 15, all exact in an `f64`.
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        let b = self.text.as_bytes();
        let (neg, b) = match b.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, b),
        };
        if b.is_empty() || b.len() > 16 {
            return None;
        }
        let mut m = 0u64;
        let mut digits = 0usize;
        let mut point = None;
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'0'..=b'9' => {
                    m = m * 10 + u64::from(c - b'0');
                    digits += 1;
                }
                b'.' if point.is_none() => point = Some(i),
                _ => return None,
            }
        }
        if digits > 15 {
            return None;
        }
        let scale = point.map_or(0, |i| b.len() - i - 1);
        let v = m as f64 / *POW10.get(scale)?;
        Some(if neg { -v } else { v })
    }

    /// The exact integer value: sign, magnitude (`None` when the number has a fractional part
    /// or more than 39 digits of magnitude).
    fn integer(&self) -> Option<(bool, u128)> {
        let t = self.text;
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], &t[i + 1..]),
            None => (t, "0"),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        // Exponents beyond ±10^6 saturate: the digits can never bring such a value back to an
        // integer in range (or to a non-zero one).
        let exp: i64 = match exp.strip_prefix('+').unwrap_or(exp).parse::<i64>() {
            Ok(e) => e.clamp(-1_000_000, 1_000_000),
            Err(_) if exp.starts_with('-') => -1_000_000,
            Err(_) => 1_000_000,
        };
        let digits = int.bytes().chain(frac.bytes());
        let mut sig: Vec<u8> = digits.skip_while(|&d| d == b'0').collect();
        let mut scale = exp - frac.len() as i64;
        if sig.is_empty() {
            return Some((neg, 0));
        }
        while sig.last() == Some(&b'0') {
            sig.pop();
            scale += 1;
        }
        if scale < 0 || sig.len() as i64 + scale > 39 {
            return None;
        }
        let mut v: u128 = 0;
        for d in sig {
            v = v.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
        }
        for _ in 0..scale {
            v = v.checked_mul(10)?;
        }
        Some((neg, v))
    }

    /// A plain integer (`-`, then at most 19 digits, no fraction or exponent): its sign and
    /// magnitude, without the general path's work. `None` for anything else.
    #[inline]
    fn plain(&self) -> Option<(bool, u64)> {
        let b = self.text.as_bytes();
        let (neg, digits) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            _ => (false, b),
        };
        if digits.is_empty() || digits.len() > 19 {
            return None;
        }
        let mut v: u64 = 0;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            // At most 19 digits: cannot overflow a u64.
            v = v * 10 + u64::from(d - b'0');
        }
        Some((neg, v))
    }

    /// The exact value as an `i64`, or `None` when it is not an integer in range.
    #[inline]
    pub fn to_i64(&self) -> Option<i64> {
        if let Some((neg, v)) = self.plain() {
            return if neg {
                (v <= i64::MAX as u64 + 1).then(|| (v as i64).wrapping_neg())
            } else {
                i64::try_from(v).ok()
            };
        }
        let (neg, v) = self.integer()?;
        if neg {
            if v <= i64::MAX as u128 + 1 {
                Some((v as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else {
            i64::try_from(v).ok()
        }
    }

    /// The exact value as a `u64`, or `None` when it is not an integer in range (`-0` is 0).
    #[inline]
    pub fn to_u64(&self) -> Option<u64> {
        if let Some((neg, v)) = self.plain() {
            return (!neg || v == 0).then_some(v);
        }
        let (neg, v) = self.integer()?;
        if neg && v != 0 {
            return None;
        }
        u64::try_from(v).ok()
    }

    /// The exact value as an `i32`.
    #[inline]
    pub fn to_i32(&self) -> Option<i32> {
        i32::try_from(self.to_i64()?).ok()
    }

    /// The exact value as a `u32`.
    #[inline]
    pub fn to_u32(&self) -> Option<u32> {
        u32::try_from(self.to_u64()?).ok()
    }
}

/// Appends the shortest decimal form of finite `v` that reads back as the same `f64`
/// (`1`, `0.1`, `1e300`, `1.5e-7`).
pub fn write_f64(out: &mut String, v: f64) {
    let mut b = zmij::Buffer::new();
    push_float(out, b.format_finite(v));
}

/// The integer `v` is, when it is a whole number below 10^15 in magnitude (exact in an
/// `f64`, and below the 10^16 where [`write_f64`]'s form switches to an exponent), other than
/// zero (`-0.0` keeps its sign there): then [`write_f64`] writes that integer's digits, which
/// [`write_int`] writes without the shortest-digits search. (`as` truncates: two conversions,
/// where `trunc` is a library call on baseline x86-64.)
#[inline]
pub(crate) fn whole(v: f64) -> Option<i64> {
    (v != 0.0 && v.abs() < 1e15 && (v as i64) as f64 == v).then_some(v as i64)
}

/// Appends the shortest decimal form of finite `v` that reads back as the same `f32`.
///
/// One exception: `±f32::MAX`, whose shortest form `3.4028235e38` is larger than `f32::MAX`
/// when read as a double, is written `3.4028234e38` (which also reads back as `f32::MAX`), so
/// that parsers checking the double against the float range (Python protobuf's, for one)
/// accept it.
pub fn write_f32(out: &mut String, v: f32) {
    if v.abs() == f32::MAX {
        out.push_str(if v < 0.0 {
            "-3.4028234e38"
        } else {
            "3.4028234e38"
        });
        return;
    }
    let mut b = zmij::Buffer::new();
    push_float(out, b.format_finite(v));
}

/// Appends the shortest form `zmij` wrote, in the form ProtoJSON output has always had here
/// (that of `ryu`, which picks the same digits and the same switch to an exponent, written
/// `1e16` and `1e-7` where `zmij` writes `1e+16`): `1.0` as `1`, but `-0.0` kept whole (read by
/// JSON parsers that make `-0` an integer, Python's, a bare `-0` would lose its sign).
#[inline]
fn push_float(out: &mut String, s: &str) {
    // An exponent's `+` is among the last five bytes (`e+` and one to three digits).
    let from = s.len().saturating_sub(5);
    if let Some(int) = s.strip_suffix(".0") {
        out.push_str(if int == "-0" { s } else { int });
    } else if let Some(k) = s.as_bytes()[from..].iter().position(|&c| c == b'+') {
        out.push_str(&s[..from + k]);
        out.push_str(&s[from + k + 1..]);
    } else {
        out.push_str(s);
    }
}

/// Appends an integer in decimal.
pub fn write_int(out: &mut String, v: impl itoa::Integer) {
    let mut b = itoa::Buffer::new();
    out.push_str(b.format(v));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_doubles_are_written_as_the_general_way_writes_them() {
        let general = |v: f64| {
            let mut out = String::new();
            push_float(&mut out, zmij::Buffer::new().format_finite(v));
            out
        };
        let mut vs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            42.0,
            100.0,
            1e14,
            999_999_999_999_999.0,
            1e15,
            1e16,
        ];
        for e in 0..=16 {
            let p = 10f64.powi(e);
            vs.extend([p, p - 1.0, p + 1.0, -p, 3.0 * p, -(7.0 * p) + 1.0]);
        }
        vs.extend([(1u64 << 49) as f64, 2.5, -0.5, 1e-7]);
        for v in vs {
            let mut out = String::new();
            match whole(v) {
                Some(i) => write_int(&mut out, i),
                None => write_f64(&mut out, v),
            }
            assert_eq!(out, general(v), "{v}");
        }
    }

    #[test]
    fn simple_decimals_read_as_the_general_parser_reads_them() {
        for t in [
            "0",
            "-0",
            "1",
            "-1",
            "0.1",
            "0.875",
            "1.5",
            "7.5",
            "42",
            "-12.375",
            "0.000001",
            "123456789012345",
            "12345678901234.5",
            "0.123456789012345",
            "1234567890123456",
            "9007199254740993",
            "0.30000000000000004",
            "1e2",
            "-0.0",
        ] {
            let n = Number::parse(t).unwrap();
            let want: f64 = t.parse().unwrap();
            assert_eq!(n.to_f64().unwrap().to_bits(), want.to_bits(), "{t}");
        }
    }

    proptest! {
        #[test]
        fn short_decimals_match_the_general_parser(m in 0u64..1_000_000_000_000_000, k in 0usize..16, neg: bool) {
            let digits = m.to_string();
            let t = if k == 0 || k >= digits.len() {
                digits
            } else {
                format!("{}.{}", &digits[..digits.len() - k], &digits[digits.len() - k..])
            };
            let t = if neg { format!("-{t}") } else { t };
            let want: f64 = t.parse().unwrap();
            prop_assert_eq!(Number::parse(&t).unwrap().to_f64().unwrap().to_bits(), want.to_bits());
        }
    }

    /// The form written before `zmij`: `ryu`'s, `.0` trimmed except from `-0.0`.
    fn ryu_form(s: &str) -> String {
        if s == "-0.0" {
            s.to_owned()
        } else {
            s.strip_suffix(".0").unwrap_or(s).to_owned()
        }
    }

    fn check_f64(v: f64) {
        if v.is_finite() {
            let mut out = String::new();
            write_f64(&mut out, v);
            assert_eq!(out, ryu_form(ryu::Buffer::new().format_finite(v)), "{v:e}");
            assert_eq!(out.parse::<f64>().ok(), Some(v));
        }
    }

    fn check_f32(v: f32) {
        if v.is_finite() && v.abs() != f32::MAX {
            let mut out = String::new();
            write_f32(&mut out, v);
            assert_eq!(out, ryu_form(ryu::Buffer::new().format_finite(v)), "{v:e}");
            assert_eq!(out.parse::<f32>().ok(), Some(v));
        }
    }

    #[test]
    fn floats_as_before_at_every_power_of_ten() {
        for e in -325..=310 {
            for m in [
                1.0,
                1.5,
                2.0,
                5.0,
                9.5,
                9.999_999_999_999_999,
                1.000_000_000_000_000_2,
            ] {
                let v: f64 = m * 10f64.powi(e);
                for w in [
                    v,
                    f64::from_bits(v.to_bits() + 1),
                    f64::from_bits(v.to_bits().wrapping_sub(1)),
                ] {
                    check_f64(w);
                    check_f64(-w);
                    check_f32(w as f32);
                }
            }
        }
        for v in [0.0, -0.0, 1.0, 98.25, 5e-324, f64::MAX, f64::MIN_POSITIVE] {
            check_f64(v);
            check_f32(v as f32);
        }
    }

    proptest! {
        #[test]
        fn floats_as_before(bits: u64) {
            check_f64(f64::from_bits(bits));
            check_f32(f32::from_bits(bits as u32));
            check_f32(f32::from_bits((bits >> 32) as u32));
        }
    }

    fn n(s: &str) -> Number<'_> {
        Number::parse(s).unwrap_or_else(|| panic!("{s} is not a JSON number"))
    }

    #[test]
    fn grammar() {
        for good in [
            "0",
            "-0",
            "1",
            "10",
            "1.5",
            "1e5",
            "1E+5",
            "1e-5",
            "-0.0e0",
            "123.456e-789",
        ] {
            assert!(Number::parse(good).is_some(), "{good}");
        }
        for bad in [
            "", "-", "+1", "01", "-01", "1.", ".1", "1e", "1e+", " 1", "1 ", "0x1", "1.e5", "NaN",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn exact_integers() {
        assert_eq!(n("9223372036854775807").to_i64(), Some(i64::MAX));
        assert_eq!(n("-9223372036854775808").to_i64(), Some(i64::MIN));
        assert_eq!(n("9223372036854775808").to_i64(), None);
        assert_eq!(n("18446744073709551615").to_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").to_u64(), None);
        assert_eq!(n("1e2").to_i32(), Some(100));
        assert_eq!(n("100.000").to_i32(), Some(100));
        assert_eq!(n("2.147483647e9").to_i32(), Some(i32::MAX));
        assert_eq!(n("2.147483648e9").to_i32(), None);
        assert_eq!(n("1.5").to_i32(), None);
        assert_eq!(n("-0").to_u32(), Some(0));
        assert_eq!(n("-1").to_u32(), None);
        assert_eq!(n("0e999999999999999").to_i64(), Some(0));
        assert_eq!(n("1e999999999999999").to_i64(), None);
        assert_eq!(n("1e-999999999999999").to_i64(), None);
        assert_eq!(n("12300e-2").to_i64(), Some(123));
    }

    #[test]
    fn floats() {
        assert_eq!(n("1.7976931348623157e308").to_f64(), Some(f64::MAX));
        assert_eq!(n("1e309").to_f64(), None);
        let mut s = String::new();
        write_f64(&mut s, 1.0);
        s.push(' ');
        write_f64(&mut s, 0.1);
        s.push(' ');
        write_f32(&mut s, 0.1);
        s.push(' ');
        write_f64(&mut s, -0.0);
        s.push(' ');
        write_f64(&mut s, 1e300);
        assert_eq!(s, "1 0.1 0.1 -0.0 1e300");
        for v in [
            f32::MAX,
            -f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
            0.1,
            16_777_217.0,
        ] {
            let mut s = String::new();
            write_f32(&mut s, v);
            assert_eq!(s.parse::<f32>().unwrap(), v, "{s}");
            assert!(
                s.parse::<f64>().unwrap().abs() <= f64::from(f32::MAX),
                "{s}"
            );
        }
        for v in [f64::MAX, f64::MIN_POSITIVE, 5e-324, 123.456, -1e-7] {
            let mut s = String::new();
            write_f64(&mut s, v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
    }
}
