//! Small parsers shared by the commands: durations, `-H` metadata, edit distance for
//! suggestions.

use std::time::Duration;

use bytes::Bytes;
use courier_reflect::json::base64;
use courier_rpc::Metadata;

use super::error::{CliError, Result};

/// Parses a duration: a number with a unit — `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h` — or a
/// bare number of seconds; fractions allowed (`1.5s`, `0.25`).
pub(crate) fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (examples: 500ms, 2s, 1.5m, 10)"))?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "`{other}` is not a unit of time (use ns, us, ms, s, m or h)"
            ));
        }
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 1e9 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Formats a duration for people: `812 µs`, `12.3 ms`, `1.25 s`.
pub(crate) fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Adds `-H 'name: value'` entries to `metadata`. Names are lowercased; the value of a name
/// ending `-bin` is base64 (standard or URL-safe, padding optional) and is sent as the bytes
/// it stands for.
pub(crate) fn add_headers(metadata: &mut Metadata, headers: &[String]) -> Result {
    for h in headers {
        let (name, value) = h.split_once(':').ok_or_else(|| {
            CliError::usage(format!("-H `{h}`: a header is `name: value`"))
                .hint("for example: -H 'authorization: Bearer TOKEN'")
        })?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name.starts_with(':') || name == "content-type" || name == "te" {
            return Err(CliError::usage(format!(
                "-H `{h}`: `{name}` is set by the gRPC protocol itself and cannot be given"
            ))
            .hint("use --authority to set :authority"));
        }
        let bytes = if name.ends_with("-bin") {
            Bytes::from(base64::decode(value).ok_or_else(|| {
                CliError::usage(format!(
                    "-H `{h}`: the value of a `-bin` header must be base64"
                ))
                .hint("for example: -H 'trace-bin: AAEC' sends the bytes 00 01 02")
            })?)
        } else {
            Bytes::copy_from_slice(value.as_bytes())
        };
        metadata.append(name.clone(), bytes).map_err(|_| {
            CliError::usage(format!("-H `{h}`: not a valid gRPC metadata entry")).hint(
                "names are 0-9 a-z _ - . ; values of names not ending in -bin are printable \
                 ASCII",
            )
        })?;
    }
    Ok(())
}

/// A metadata value for people: `-bin` values as base64, others as text.
pub(crate) fn show_value(name: &str, value: &[u8]) -> String {
    if name.ends_with("-bin") {
        base64::encode(value)
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

/// The edit distance between `a` and `b` (case-insensitive), for "did you mean".
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidates closest to `name`: those at the smallest edit distance (at most three),
/// when it is within a third of the length of `name`'s last component (at least 2).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let last = |s: &'a str| -> &'a str { s.rsplit(['.', '/']).next().unwrap_or(s) };
    let short_name = name.rsplit(['.', '/']).next().unwrap_or(name);
    let limit = (short_name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            // Whole names, and last components: `GetFeatur` against `pkg.Svc.GetFeature`.
            let d = edit_distance(name, c)
                .min(edit_distance(name, last(c)))
                .min(
                    edit_distance(short_name, last(c))
                        + edit_distance(
                            name.strip_suffix(short_name).unwrap_or(""),
                            c.strip_suffix(last(c)).unwrap_or(""),
                        ),
                );
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .take_while(|s| s.0 == best)
        .take(3)
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1e300h").is_err());
        assert_eq!(format_duration(Duration::from_micros(812)), "812.0 µs");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25 s");
    }

    #[test]
    fn headers() {
        let mut md = Metadata::new();
        add_headers(
            &mut md,
            &[
                "X-User: alice".into(),
                "trace-bin: AAEC".into(),
                "k:v:w".into(),
            ],
        )
        .unwrap();
        assert_eq!(md.get("x-user").unwrap(), "alice");
        assert_eq!(md.get("trace-bin").unwrap().as_ref(), &[0, 1, 2]);
        assert_eq!(md.get("k").unwrap(), "v:w");
        for bad in [
            "novalue",
            ":path: /x",
            "x-bin: !!!",
            "bad key: v",
            "content-type: x",
        ] {
            let e = add_headers(&mut Metadata::new(), &[bad.into()]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
        assert_eq!(show_value("trace-bin", &[0, 1, 2]), "AAEC");
        assert_eq!(show_value("x-user", b"alice"), "alice");
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let names = ["GetFeature", "ListFeatures", "RecordRoute", "RouteChat"];
        assert_eq!(closest("GetFeatur", names), vec!["GetFeature"]);
        assert_eq!(closest("routechat", names), vec!["RouteChat"]);
        assert!(closest("Zzzzzzzzzz", names).is_empty());
        // A short unknown name does not match a long one through their common package.
        assert!(closest("grpc.testing.Nope", ["grpc.testing.Empty"]).is_empty());
        assert_eq!(
            closest(
                "grpc.testing.SimpleRequst",
                ["grpc.testing.SimpleRequest", "grpc.testing.Empty"]
            ),
            vec!["grpc.testing.SimpleRequest"]
        );
        assert_eq!(
            closest("GetFeatur", ["routeguide.RouteGuide.GetFeature"]),
            vec!["routeguide.RouteGuide.GetFeature"]
        );
    }
}
