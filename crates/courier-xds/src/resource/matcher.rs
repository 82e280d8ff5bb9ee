//! Request matching shared by routes and RBAC: header matchers (gRFC A28 "Picking"), string
//! matchers, path matchers and RE2-style regular expressions.

use regex::Regex;

use crate::pb::envoy::config::route::v3 as route;
use crate::pb::envoy::r#type::matcher::v3 as matcher;
use courier_rpc::Metadata;

/// A validation error: the resource is NACKed with it.
pub type Invalid = String;

/// Compiles a `safe_regex` (Envoy uses RE2; the `regex` crate accepts RE2's syntax and, like
/// RE2, runs in linear time). The whole value must match, as in Envoy.
pub(crate) fn full_regex(r: &matcher::RegexMatcher) -> Result<Regex, Invalid> {
    Regex::new(&format!("^(?:{})$", r.regex))
        .map_err(|e| format!("invalid regex {:?}: {e}", r.regex))
}

/// A string matcher (`envoy.type.matcher.v3.StringMatcher`).
#[derive(Clone, Debug)]
pub enum StringMatch {
    /// Equal.
    Exact(String),
    /// Starts with.
    Prefix(String),
    /// Ends with.
    Suffix(String),
    /// Contains.
    Contains(String),
    /// Matches entirely.
    Regex(Regex),
}

impl StringMatch {
    /// Whether `value` matches (`ignore_case` applies to all but regexes).
    pub fn matches(&self, value: &str, ignore_case: bool) -> bool {
        let lower;
        let (v, fold) = if ignore_case {
            lower = value.to_ascii_lowercase();
            (lower.as_str(), true)
        } else {
            (value, false)
        };
        let pat = |p: &str| {
            if fold {
                p.to_ascii_lowercase()
            } else {
                p.to_owned()
            }
        };
        match self {
            StringMatch::Exact(p) => v == pat(p),
            StringMatch::Prefix(p) => v.starts_with(&pat(p)),
            StringMatch::Suffix(p) => v.ends_with(&pat(p)),
            StringMatch::Contains(p) => v.contains(&pat(p)),
            StringMatch::Regex(r) => r.is_match(value),
        }
    }
}

/// Parses a `StringMatcher`; `None` pattern or an unsupported one is invalid.
pub(crate) fn string_matcher(m: &matcher::StringMatcher) -> Result<(StringMatch, bool), Invalid> {
    use matcher::string_matcher::MatchPattern as P;
    let sm = match &m.match_pattern {
        Some(P::Exact(s)) => StringMatch::Exact(s.clone()),
        Some(P::Prefix(s)) => StringMatch::Prefix(s.clone()),
        Some(P::Suffix(s)) => StringMatch::Suffix(s.clone()),
        Some(P::Contains(s)) => StringMatch::Contains(s.clone()),
        Some(P::SafeRegex(r)) => StringMatch::Regex(full_regex(r)?),
        Some(P::Custom(_)) => return Err("StringMatcher: custom matchers are not supported".into()),
        None => return Err("StringMatcher: no match pattern".into()),
    };
    Ok((sm, m.ignore_case))
}

/// How a header matcher tests the header's value.
#[derive(Clone, Debug)]
pub enum HeaderTest {
    /// One of the string tests.
    String(StringMatch, bool),
    /// An integer in `[start, end)`.
    Range(i64, i64),
    /// Present (or, with `false`, absent).
    Present(bool),
}

/// A header matcher (`envoy.config.route.v3.HeaderMatcher`).
#[derive(Clone, Debug)]
pub struct HeaderMatcher {
    /// The header's name (lowercase).
    pub name: String,
    /// The test.
    pub test: HeaderTest,
    /// The result is inverted.
    pub invert: bool,
}

impl HeaderMatcher {
    /// Parses one, as gRFC A28 lists: exact, safe_regex, range, present, prefix, suffix,
    /// contains, string_match.
    pub(crate) fn parse(h: &route::HeaderMatcher) -> Result<HeaderMatcher, Invalid> {
        use route::header_matcher::HeaderMatchSpecifier as S;
        let test = match &h.header_match_specifier {
            Some(S::ExactMatch(s)) => HeaderTest::String(StringMatch::Exact(s.clone()), false),
            Some(S::SafeRegexMatch(r)) => {
                HeaderTest::String(StringMatch::Regex(full_regex(r)?), false)
            }
            Some(S::RangeMatch(r)) => HeaderTest::Range(r.start, r.end),
            Some(S::PresentMatch(p)) => HeaderTest::Present(*p),
            Some(S::PrefixMatch(s)) => HeaderTest::String(StringMatch::Prefix(s.clone()), false),
            Some(S::SuffixMatch(s)) => HeaderTest::String(StringMatch::Suffix(s.clone()), false),
            Some(S::ContainsMatch(s)) => {
                HeaderTest::String(StringMatch::Contains(s.clone()), false)
            }
            Some(S::StringMatch(m)) => {
                let (sm, ic) = string_matcher(m)?;
                HeaderTest::String(sm, ic)
            }
            None => return Err(format!("header matcher {:?}: no match specifier", h.name)),
        };
        Ok(HeaderMatcher {
            name: h.name.to_ascii_lowercase(),
            test,
            invert: h.invert_match,
        })
    }

    /// Whether the call's headers match.
    pub fn matches(&self, metadata: &Metadata) -> bool {
        let value = header_value(metadata, &self.name);
        let m = match (&self.test, &value) {
            (HeaderTest::Present(p), v) => v.is_some() == *p,
            (_, None) => false,
            (HeaderTest::String(s, ic), Some(v)) => s.matches(v, *ic),
            (HeaderTest::Range(start, end), Some(v)) => v
                .trim()
                .parse::<i64>()
                .is_ok_and(|n| n >= *start && n < *end),
        };
        m != self.invert
    }
}

/// A header's value for matching (gRFC A28: "only custom metadata is considered during header
/// matching", `content-type` is `application/grpc`, `-bin` headers are absent; repeated
/// headers are joined with commas).
pub fn header_value(metadata: &Metadata, name: &str) -> Option<String> {
    // gRFC A28: "we will explicitly exclude headers with a `-bin` suffix from matching (i.e.,
    // we will behave as if the header is not present, even if it actually is)."
    if name.ends_with("-bin") {
        return None;
    }
    if name == "content-type" {
        return Some("application/grpc".to_owned());
    }
    let mut out: Option<String> = None;
    for v in metadata.get_all(name) {
        let v = String::from_utf8_lossy(v);
        match &mut out {
            None => out = Some(v.into_owned()),
            Some(o) => {
                o.push(',');
                o.push_str(&v);
            }
        }
    }
    out
}

/// How a route matches the path.
#[derive(Clone, Debug)]
pub enum PathMatcher {
    /// Starts with (an empty prefix matches everything).
    Prefix(String),
    /// Equal.
    Path(String),
    /// Matches entirely.
    Regex(Regex),
}

impl PathMatcher {
    /// Whether `path` matches.
    pub fn matches(&self, path: &str, case_sensitive: bool) -> bool {
        match self {
            PathMatcher::Prefix(p) if case_sensitive => path.starts_with(p.as_str()),
            PathMatcher::Prefix(p) => path
                .to_ascii_lowercase()
                .starts_with(&p.to_ascii_lowercase()),
            PathMatcher::Path(p) if case_sensitive => path == p,
            PathMatcher::Path(p) => path.eq_ignore_ascii_case(p),
            PathMatcher::Regex(r) => r.is_match(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(pairs: &[(&str, &str)]) -> Metadata {
        let mut m = Metadata::new();
        for (k, v) in pairs {
            m.append(k.to_string(), v.to_string()).unwrap();
        }
        m
    }

    fn hm(spec: route::header_matcher::HeaderMatchSpecifier, invert: bool) -> HeaderMatcher {
        HeaderMatcher::parse(&route::HeaderMatcher {
            name: "X-User".into(),
            header_match_specifier: Some(spec),
            invert_match: invert,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn header_matchers() {
        use route::header_matcher::HeaderMatchSpecifier as S;
        let m = md(&[("x-user", "alice"), ("x-user", "bob"), ("n", "42")]);
        assert!(hm(S::ExactMatch("alice,bob".into()), false).matches(&m));
        assert!(!hm(S::ExactMatch("alice".into()), false).matches(&m));
        assert!(hm(S::ExactMatch("alice".into()), true).matches(&m));
        assert!(hm(S::PrefixMatch("ali".into()), false).matches(&m));
        assert!(hm(S::SuffixMatch("bob".into()), false).matches(&m));
        assert!(hm(S::ContainsMatch("e,b".into()), false).matches(&m));
        assert!(hm(S::PresentMatch(true), false).matches(&m));
        assert!(!hm(S::PresentMatch(true), false).matches(&md(&[])));
        assert!(hm(S::PresentMatch(false), false).matches(&md(&[])));
        let re = S::SafeRegexMatch(matcher::RegexMatcher {
            regex: "a.*b".into(),
            ..Default::default()
        });
        assert!(hm(re.clone(), false).matches(&m));
        assert!(
            !hm(re, false).matches(&md(&[("x-user", "xab")])),
            "whole value"
        );
        let range = HeaderMatcher {
            name: "n".into(),
            test: HeaderTest::Range(40, 43),
            invert: false,
        };
        assert!(range.matches(&m));
        assert!(!range.matches(&md(&[("n", "43")])));
        // -bin headers never match; content-type is application/grpc.
        assert_eq!(header_value(&md(&[("a-bin", "x")]), "a-bin"), None);
        assert_eq!(
            header_value(&md(&[]), "content-type").as_deref(),
            Some("application/grpc")
        );
    }

    #[test]
    fn path_matchers() {
        assert!(PathMatcher::Prefix(String::new()).matches("/a/b", true));
        assert!(PathMatcher::Prefix("/A".into()).matches("/a/b", false));
        assert!(!PathMatcher::Prefix("/A".into()).matches("/a/b", true));
        assert!(PathMatcher::Path("/a/B".into()).matches("/A/b", false));
        let r = full_regex(&matcher::RegexMatcher {
            regex: "/svc/.*".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(PathMatcher::Regex(r.clone()).matches("/svc/M", true));
        assert!(!PathMatcher::Regex(r).matches("x/svc/M", true));
    }
}
