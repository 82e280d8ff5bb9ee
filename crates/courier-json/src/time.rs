//! `google.protobuf.Timestamp` as RFC 3339 text and `google.protobuf.Duration` as `"1.5s"`, with
//! the ranges the types document.
//!
//! timestamp.proto: "Range is from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z";
//! output "will always be Z-normalized and uses 0, 3, 6 or 9 fractional digits", input "Offsets
//! other than "Z" are also accepted". duration.proto: "Range is approximately +-10,000 years"
//! (±315,576,000,000 seconds), nanos of the same sign as the seconds; output uses 0, 3, 6 or 9
//! fractional digits and the suffix `s`. Parsing follows json.md's stricter reading of RFC 3339
//! (upper-case `T` and `Z` only, two-digit fields, no leap second).
//! <https://protobuf.dev/programming-guides/json/#rfc3339>

/// The smallest `Timestamp.seconds`: 0001-01-01T00:00:00Z.
pub const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
/// The largest `Timestamp.seconds`: 9999-12-31T23:59:59Z.
pub const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;
/// The largest `Duration.seconds` magnitude (10,000 years of 365.25 days).
pub const MAX_DURATION_SECONDS: i64 = 315_576_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `00` to `99`, two bytes each.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes `v` (below 10^`n`) as exactly `n` ASCII digits at `buf[at..at + n]`, two at a time.
#[inline(always)]
fn put_digits(buf: &mut [u8], at: usize, n: usize, v: u32) {
    let mut v = v as usize;
    let mut end = at + n;
    while end >= at + 2 {
        let p = (v % 100) * 2;
        buf[end - 2..end].copy_from_slice(&PAIRS[p..p + 2]);
        v /= 100;
        end -= 2;
    }
    if end > at {
        buf[at] = b'0' + (v % 10) as u8;
    }
}

/// Writes `.fff`, `.ffffff` or `.fffffffff` for `nanos` (below 10^9) at `buf[at..]` (nothing
/// for 0); how many bytes.
#[inline]
fn put_fraction(buf: &mut [u8], at: usize, nanos: u32) -> usize {
    if nanos == 0 {
        return 0;
    }
    buf[at] = b'.';
    let (n, v) = if nanos % 1_000_000 == 0 {
        (3, nanos / 1_000_000)
    } else if nanos % 1000 == 0 {
        (6, nanos / 1000)
    } else {
        (9, nanos)
    };
    put_digits(buf, at + 1, n, v);
    1 + n
}

/// Appends ASCII text built in a buffer.
#[inline(always)]
fn push_ascii(out: &mut String, b: &[u8]) {
    out.push_str(std::str::from_utf8(b).unwrap_or_default());
}

/// Appends the RFC 3339 form of a timestamp (`1972-01-01T10:00:20.021Z`).
pub fn format_timestamp(out: &mut String, seconds: i64, nanos: i32) -> Result<(), &'static str> {
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err("timestamp out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)");
    }
    if !(0..1_000_000_000).contains(&nanos) {
        return Err("timestamp nanos out of range (0 to 999999999)");
    }
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    // Filled in place: `YYYY-MM-DDTHH:MM:SS`, then the fraction and `Z`.
    let mut buf = *b"0000-00-00T00:00:00.000000000Z";
    put_digits(&mut buf, 0, 4, y as u32);
    put_digits(&mut buf, 5, 2, m);
    put_digits(&mut buf, 8, 2, d);
    put_digits(&mut buf, 11, 2, secs / 3600);
    put_digits(&mut buf, 14, 2, secs / 60 % 60);
    put_digits(&mut buf, 17, 2, secs % 60);
    let mut n = 19 + put_fraction(&mut buf, 19, nanos as u32);
    buf[n] = b'Z';
    n += 1;
    push_ascii(out, &buf[..n]);
    Ok(())
}

/// A fixed number of ASCII digits at `s[at..at + n]`.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    let mut v = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Reads `.d{1,9}` at `s[*at..]` (if present) as nanoseconds.
fn fraction(s: &[u8], at: &mut usize) -> Result<u32, &'static str> {
    /// `10^(9 - n)`: what `n` fractional digits are multiplied by to make nanoseconds.
    const SCALE: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1000,
        100,
        10,
        1,
    ];
    if s.get(*at) != Some(&b'.') {
        return Ok(0);
    }
    *at += 1;
    let start = *at;
    let mut v = 0u32;
    while let Some(&c) = s.get(*at) {
        if !c.is_ascii_digit() {
            break;
        }
        if *at - start == 9 {
            return Err("fractional seconds must have 1 to 9 digits");
        }
        v = v * 10 + u32::from(c - b'0');
        *at += 1;
    }
    let n = *at - start;
    if n == 0 {
        return Err("fractional seconds must have 1 to 9 digits");
    }
    Ok(v * SCALE[n])
}

/// Parses an RFC 3339 timestamp (`1972-01-01T10:00:20.021Z`, `...+01:30`) into seconds and
/// nanos.
pub fn parse_timestamp(text: &str) -> Result<(i64, i32), &'static str> {
    whole(text, parse_timestamp_prefix, BAD_TIMESTAMP)
}

/// Reads a timestamp or a duration at the start of its argument: `(seconds, nanos)` and the
/// length read ([`parse_timestamp_prefix`], [`parse_duration_prefix`]).
pub(crate) type PrefixParser = fn(&[u8]) -> Result<((i64, i32), usize), &'static str>;

/// A prefix parser's value when what it read is the whole of `text` (else `bad`).
fn whole(text: &str, prefix: PrefixParser, bad: &'static str) -> Result<(i64, i32), &'static str> {
    match prefix(text.as_bytes())? {
        (v, len) if len == text.len() => Ok(v),
        _ => Err(bad),
    }
}

const BAD_TIMESTAMP: &str = "invalid timestamp (expected RFC 3339, like 1972-01-01T10:00:20.021Z)";

/// Reads an RFC 3339 timestamp at the start of `s` (which may go on past it): `(seconds,
/// nanos)` and its length. Its bytes are ASCII digits and `-T:.Z+`, none of which a JSON
/// string escapes, so a timestamp read from the text of a JSON string is the string's whole
/// content when a quote follows it.
pub(crate) fn parse_timestamp_prefix(s: &[u8]) -> Result<((i64, i32), usize), &'static str> {
    let bad = BAD_TIMESTAMP;
    // `YYYY-MM-DDTHH:MM:SS`: fourteen digits and five separators at fixed places, checked in
    // one pass over a fixed-size chunk.
    let head = s.first_chunk::<19>().ok_or(bad)?;
    const SEP: &[u8; 19] = b"0000-00-00T00:00:00";
    let mut ok = true;
    for (&c, &want) in head.iter().zip(SEP) {
        ok &= if want == b'0' {
            c.is_ascii_digit()
        } else {
            c == want
        };
    }
    if !ok {
        return Err(bad);
    }
    let d = |i: usize| u32::from(head[i] - b'0');
    let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    let month = d(5) * 10 + d(6);
    let day = d(8) * 10 + d(9);
    let hour = d(11) * 10 + d(12);
    let minute = d(14) * 10 + d(15);
    let second = d(17) * 10 + d(18);
    let year = i64::from(year);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err("invalid date or time in timestamp");
    }
    let mut at = 19;
    let nanos = fraction(s, &mut at)?;
    let offset = match s.get(at) {
        Some(b'Z') => {
            at += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(s, at + 1, 2).ok_or(bad)?;
            if s.get(at + 3) != Some(&b':') {
                return Err(bad);
            }
            let m = digits(s, at + 4, 2).ok_or(bad)?;
            if h > 23 || m > 59 {
                return Err("invalid UTC offset in timestamp");
            }
            at += 6;
            let off = i64::from(h * 3600 + m * 60);
            if sign == b'-' { -off } else { off }
        }
        _ => return Err(bad),
    };
    let seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset;
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err("timestamp out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)");
    }
    Ok(((seconds, nanos as i32), at))
}

/// Checks a duration's fields: range, nanos magnitude, same signs.
fn check_duration(seconds: i64, nanos: i32) -> Result<(), &'static str> {
    if !(-MAX_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds) {
        return Err("duration out of range (±315576000000 seconds)");
    }
    if !(-999_999_999..=999_999_999).contains(&nanos) {
        return Err("duration nanos out of range");
    }
    if (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0) {
        return Err("duration seconds and nanos have different signs");
    }
    Ok(())
}

/// Appends a duration as ProtoJSON writes it (`1.000340012s`, `-0.5s`, `3s`).
pub fn format_duration(out: &mut String, seconds: i64, nanos: i32) -> Result<(), &'static str> {
    check_duration(seconds, nanos)?;
    if seconds < 0 || nanos < 0 {
        out.push('-');
    }
    let mut int = itoa::Buffer::new();
    out.push_str(int.format(seconds.unsigned_abs()));
    let mut buf = [0u8; 11];
    let mut n = put_fraction(&mut buf, 0, nanos.unsigned_abs());
    buf[n] = b's';
    n += 1;
    push_ascii(out, &buf[..n]);
    Ok(())
}

/// Parses a duration (`1.5s`, `-3s`, `0.000000001s`) into seconds and nanos.
pub fn parse_duration(text: &str) -> Result<(i64, i32), &'static str> {
    whole(text, parse_duration_prefix, BAD_DURATION)
}

const BAD_DURATION: &str =
    "invalid duration (expected seconds with up to 9 fractional digits and an 's', like 1.5s)";

/// Reads a duration at the start of `s` (which may go on past it): `(seconds, nanos)` and its
/// length (as [`parse_timestamp_prefix`]: its bytes are digits, `-`, `.` and `s`).
pub(crate) fn parse_duration_prefix(s: &[u8]) -> Result<((i64, i32), usize), &'static str> {
    let bad = BAD_DURATION;
    let (neg, body) = match s.strip_prefix(b"-") {
        Some(b) => (true, b),
        None => (false, s),
    };
    let int_len = body.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || int_len > 12 {
        return Err(if int_len == 0 {
            bad
        } else {
            "duration out of range (±315576000000 seconds)"
        });
    }
    let mut seconds: i64 = 0;
    for &c in &body[..int_len] {
        seconds = seconds * 10 + i64::from(c - b'0');
    }
    let mut at = int_len;
    let nanos = fraction(body, &mut at)?;
    if body.get(at) != Some(&b's') {
        return Err(bad);
    }
    let len = usize::from(neg) + at + 1;
    let (seconds, nanos) = if neg {
        (-seconds, -(nanos as i32))
    } else {
        (seconds, nanos as i32)
    };
    check_duration(seconds, nanos)?;
    Ok(((seconds, nanos), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64, n: i32) -> String {
        let mut out = String::new();
        format_timestamp(&mut out, s, n).unwrap();
        out
    }

    fn dur(s: i64, n: i32) -> String {
        let mut out = String::new();
        format_duration(&mut out, s, n).unwrap();
        out
    }

    #[test]
    fn fractions_and_malformed_heads() {
        for (text, n) in [
            ("1970-01-01T00:00:00.1Z", 100_000_000),
            ("1970-01-01T00:00:00.12Z", 120_000_000),
            ("1970-01-01T00:00:00.000000001Z", 1),
            ("1970-01-01T00:00:00.123456789Z", 123_456_789),
        ] {
            assert_eq!(parse_timestamp(text), Ok((0, n)), "{text}");
        }
        for bad in [
            "1970-01-01T00:00:00.1234567890Z",
            "1970-01-01T00:00:00.Z",
            "1970-01-01T00:00:0",
            "1970-01-01t00:00:00Z",
            "1970/01-01T00:00:00Z",
            "197a-01-01T00:00:00Z",
            "1970-01-01T00:00:00",
            "1970-02-30T00:00:00Z",
            "1970-01-01T24:00:00Z",
            "",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("1.5s"), Ok((1, 500_000_000)));
        assert!(parse_duration("1.0000000001s").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(ts(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(ts(63_108_020, 21_000_000), "1972-01-01T10:00:20.021Z");
        assert_eq!(ts(MIN_TIMESTAMP_SECONDS, 0), "0001-01-01T00:00:00Z");
        assert_eq!(
            ts(MAX_TIMESTAMP_SECONDS, 999_999_999),
            "9999-12-31T23:59:59.999999999Z"
        );
        assert_eq!(ts(-1, 1000), "1969-12-31T23:59:59.000001Z");
        assert_eq!(ts(951_782_400, 0), "2000-02-29T00:00:00Z");
        assert!(format_timestamp(&mut String::new(), MAX_TIMESTAMP_SECONDS + 1, 0).is_err());
        assert!(format_timestamp(&mut String::new(), 0, -1).is_err());
        for (text, s, n) in [
            ("1972-01-01T10:00:20.021Z", 63_108_020, 21_000_000),
            ("1970-01-01T00:00:00.1Z", 0, 100_000_000),
            ("1970-01-01T01:00:00+01:00", 0, 0),
            ("1969-12-31T23:00:00-01:00", 0, 0),
            ("0001-01-01T00:00:00Z", MIN_TIMESTAMP_SECONDS, 0),
            (
                "9999-12-31T23:59:59.999999999Z",
                MAX_TIMESTAMP_SECONDS,
                999_999_999,
            ),
        ] {
            assert_eq!(parse_timestamp(text), Ok((s, n)), "{text}");
        }
        for bad in [
            "1970-01-01t00:00:00Z",
            "1970-01-01T00:00:00z",
            "1970-01-01T00:00:00",
            "1970-1-01T00:00:00Z",
            "1970-02-30T00:00:00Z",
            "1970-01-01T24:00:00Z",
            "1970-01-01T00:00:60Z",
            "1970-01-01T00:00:00.Z",
            "1970-01-01T00:00:00.1234567890Z",
            "0000-12-31T23:59:59Z",
            "0001-01-01T00:00:00+00:01",
            "1970-01-01T00:00:00+0100",
            "1970-01-01 00:00:00Z",
            "1970-01-01T00:00:00Z ",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_byte_in_every_place_of_the_head() {
        // Every byte in every place of `YYYY-MM-DDTHH:MM:SS`: a digit where the pattern has
        // `0`, else the pattern's byte, or an error.
        const PATTERN: &[u8; 19] = b"0000-00-00T00:00:00";
        let good = *b"2023-11-14T22:13:20";
        for i in 0..19 {
            for x in 0..=255u8 {
                let mut t = good.to_vec();
                t[i] = x;
                t.push(b'Z');
                let want = if PATTERN[i] == b'0' {
                    x.is_ascii_digit()
                } else {
                    x == PATTERN[i]
                };
                let got = parse_timestamp_prefix(&t).is_ok();
                // A digit can still make the date invalid (month 13): only check rejections.
                if !want {
                    assert!(!got, "{i} {x}");
                }
            }
        }
        assert_eq!(
            parse_timestamp("2023-11-14T22:13:20Z"),
            Ok((1_700_000_000, 0))
        );
    }

    #[test]
    fn every_day_round_trips() {
        for day in [-719_162i64, -1, 0, 59, 60, 11_016, 2_932_896] {
            for secs in [0, 1, 86_399] {
                let s = day * 86_400 + secs;
                if (MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&s) {
                    assert_eq!(parse_timestamp(&ts(s, 7)), Ok((s, 7)));
                }
            }
        }
        for d in (-800_000..3_000_000).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(dur(1, 340_012), "1.000340012s");
        assert_eq!(dur(1, 0), "1s");
        assert_eq!(dur(0, -500_000_000), "-0.500s");
        assert_eq!(dur(-3, -1000), "-3.000001s");
        assert_eq!(
            dur(MAX_DURATION_SECONDS, 999_999_999),
            "315576000000.999999999s"
        );
        assert!(format_duration(&mut String::new(), 1, -1).is_err());
        assert!(format_duration(&mut String::new(), MAX_DURATION_SECONDS + 1, 0).is_err());
        for (text, s, n) in [
            ("1.5s", 1, 500_000_000),
            ("-1.5s", -1, -500_000_000),
            ("-0.000000001s", 0, -1),
            ("0s", 0, 0),
            ("315576000000.999999999s", MAX_DURATION_SECONDS, 999_999_999),
        ] {
            assert_eq!(parse_duration(text), Ok((s, n)), "{text}");
        }
        for bad in [
            "1",
            "s",
            "1.s",
            ".5s",
            "1.0000000001s",
            "+1s",
            "315576000001s",
            "1 s",
            "--1s",
            "1e3s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
