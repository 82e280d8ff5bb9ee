//! The derived names and value spellings protoc writes into descriptors: JSON names, map entry
//! names, and default values in protoc's formats.

/// protoc's `ToJsonName`: drops each `_` and upper-cases the letter after it.
pub fn json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper_next = false;
    for c in name.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// protoc's `MapEntryName`: `foo_bar` becomes `FooBarEntry`.
pub fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut upper_next = true;
    for c in field.chars() {
        if c == '_' {
            upper_next = true;
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

/// protoc's `CEscape`, used for `bytes` default values: printable ASCII as is, `\n \r \t \" \'
/// \\` as two-character escapes, every other byte as three octal digits.
pub fn c_escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                out.push('\\');
                out.push((b'0' + (b >> 6)) as char);
                out.push((b'0' + ((b >> 3) & 7)) as char);
                out.push((b'0' + (b & 7)) as char);
            }
        }
    }
    out
}

/// C's `printf("%.<precision>g", v)` for finite `v`.
fn format_g(v: f64, precision: usize) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let p = precision.max(1);
    // Scientific form first: it fixes the exponent after rounding to `p` digits.
    let sci = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// protoc's `SimpleDtoa`: `%.15g`, or `%.17g` when that does not read back exactly.
pub fn format_double(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format_g(v, 15);
    if s.parse::<f64>().ok() == Some(v) {
        s
    } else {
        format_g(v, 17)
    }
}

/// protoc's `SimpleFtoa`: `%.6g`, or `%.9g` when that does not read back exactly as `f32`.
pub fn format_float(v: f32) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format_g(f64::from(v), 6);
    if s.parse::<f32>().ok() == Some(v) {
        s
    } else {
        format_g(f64::from(v), 9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_like_protoc() {
        assert_eq!(json_name("snake_case_name"), "snakeCaseName");
        assert_eq!(json_name("_leading"), "Leading");
        assert_eq!(json_name("trailing_"), "trailing");
        assert_eq!(json_name("x2y"), "x2y");
        assert_eq!(json_name("a__b"), "aB");
        assert_eq!(json_name("maybe_s"), "maybeS");
    }

    #[test]
    fn map_entry_names_like_protoc() {
        assert_eq!(map_entry_name("by_name"), "ByNameEntry");
        assert_eq!(map_entry_name("m"), "MEntry");
        assert_eq!(map_entry_name("_x"), "XEntry");
    }

    #[test]
    fn c_escape_like_protoc() {
        assert_eq!(c_escape(b"\x00\x01\xffabc"), "\\000\\001\\377abc");
        assert_eq!(c_escape(b"a\"b'\\\n"), "a\\\"b\\'\\\\\\n");
    }

    #[test]
    fn floats_like_protoc() {
        assert_eq!(format_double(-1.5), "-1.5");
        assert_eq!(format_double(1e10), "10000000000");
        assert_eq!(format_double(1e15), "1e+15");
        assert_eq!(format_double(0.1), "0.1");
        assert_eq!(format_double(1e-5), "1e-05");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(f64::NAN), "nan");
        assert_eq!(format_double(1.0 / 3.0), "0.33333333333333331");
        assert_eq!(format_float(1e10), "1e+10");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(3.4028235e38), "3.40282347e+38");
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_double(123456.0), "123456");
    }
}
