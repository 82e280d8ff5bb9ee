//! A call's final status for people: code, name, message, and the `google.rpc.Status`
//! details of `grpc-status-details-bin` decoded — the standard error types of
//! google/rpc/error_details.proto (built in), and any type the server's descriptors know.

use std::sync::OnceLock;

use courier_reflect::json::PrintOptions;
use courier_reflect::{DescriptorPool, DynamicMessage};
use courier_rpc::Status;

use super::style::Style;

/// google/rpc/error_details.proto (Apache-2.0, Google's; unchanged).
const ERROR_DETAILS_PROTO: &str = include_str!("../../../../proto/google/rpc/error_details.proto");

/// The pool of the standard error detail types (ErrorInfo, RetryInfo, DebugInfo,
/// QuotaFailure, PreconditionFailure, BadRequest, RequestInfo, ResourceInfo, Help,
/// LocalizedMessage), compiled on first use.
pub(crate) fn error_details_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut c = courier_idl::Compiler::new();
        c.add_file("google/rpc/error_details.proto", ERROR_DETAILS_PROTO);
        c.compile(&["google/rpc/error_details.proto"])
            .ok()
            .and_then(|x| {
                DescriptorPool::from_file_descriptor_set(x.file_descriptor_set(true)).ok()
            })
            .unwrap_or_default()
    })
}

/// One decoded detail: its type name and its JSON (or what could be said about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detail {
    pub(crate) type_name: String,
    pub(crate) json: Option<String>,
    pub(crate) note: Option<String>,
}

/// The details of `status`, decoded with `server` (the server's descriptors, when known)
/// and the built-in error types.
pub(crate) fn details(status: &Status, server: Option<&DescriptorPool>) -> Vec<Detail> {
    let Some(rpc) = status.rpc_status() else {
        return Vec::new();
    };
    let opts = PrintOptions::new();
    rpc.details
        .iter()
        .map(|any| {
            let type_name = any
                .type_url
                .rsplit('/')
                .next()
                .unwrap_or(&any.type_url)
                .to_owned();
            let desc = server
                .and_then(|p| p.get_message_by_name(&type_name))
                .or_else(|| error_details_pool().get_message_by_name(&type_name));
            match desc {
                Some(d) => match DynamicMessage::decode(d, &any.value[..]) {
                    Ok(m) => Detail {
                        type_name,
                        json: m.to_json_with(&opts).ok(),
                        note: None,
                    },
                    Err(e) => Detail {
                        type_name,
                        json: None,
                        note: Some(format!("does not decode: {e}")),
                    },
                },
                None => Detail {
                    type_name,
                    json: None,
                    note: Some(format!(
                        "an unknown type, {} bytes: {}",
                        any.value.len(),
                        courier_reflect::json::base64::encode(&any.value)
                    )),
                },
            }
        })
        .collect()
}

/// Prints a status that is not OK to stderr: `error: CODE_NAME (n): message`, then its
/// details.
pub(crate) fn print_failure(status: &Status, server: Option<&DescriptorPool>) {
    let name = status.code().name().unwrap_or("unknown code");
    let mut line = format!(
        "{} the call ended with {} ({})",
        Style::BoldRed.err("error:"),
        Style::Bold.err(name),
        status.code().0
    );
    if !status.message().is_empty() {
        line.push_str(": ");
        line.push_str(status.message());
    }
    eprintln!("{line}");
    let details = details(status, server);
    if !details.is_empty() {
        eprintln!("  {}", Style::Bold.err("details:"));
        for d in details {
            match (&d.json, &d.note) {
                (Some(j), _) => eprintln!("    {} {j}", Style::Cyan.err(&d.type_name)),
                (None, Some(n)) => eprintln!("    {} {n}", Style::Cyan.err(&d.type_name)),
                (None, None) => eprintln!("    {}", Style::Cyan.err(&d.type_name)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_rpc::Code;
    use courier_types::Any;
    use courier_wire::Message as _;

    #[test]
    fn standard_details_are_decoded() {
        let pool = error_details_pool();
        let info = pool.get_message_by_name("google.rpc.ErrorInfo").unwrap();
        let m = DynamicMessage::from_json(info, r#"{"reason": "QUOTA", "domain": "courier.test"}"#)
            .unwrap();
        let status = Status::new(Code::RESOURCE_EXHAUSTED, "slow down").with_rpc_details(vec![
            Any {
                type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                value: m.encode_to_bytes(),
                ..Default::default()
            },
            Any {
                type_url: "type.googleapis.com/acme.Secret".into(),
                value: bytes::Bytes::from_static(b"\x08\x01"),
                ..Default::default()
            },
        ]);
        let d = details(&status, None);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].type_name, "google.rpc.ErrorInfo");
        assert_eq!(
            d[0].json.as_deref(),
            Some(r#"{"reason":"QUOTA","domain":"courier.test"}"#)
        );
        assert_eq!(d[1].type_name, "acme.Secret");
        assert_eq!(d[1].note.as_deref(), Some("an unknown type, 2 bytes: CAE="));
        assert!(details(&Status::new(Code::INTERNAL, "x"), None).is_empty());
        // Every standard type is there.
        for t in [
            "RetryInfo",
            "DebugInfo",
            "QuotaFailure",
            "PreconditionFailure",
            "BadRequest",
            "RequestInfo",
            "ResourceInfo",
            "Help",
            "LocalizedMessage",
        ] {
            assert!(
                pool.get_message_by_name(&format!("google.rpc.{t}"))
                    .is_some(),
                "{t}"
            );
        }
        let _ = courier_rpc::rpc_status::Status::default().encode_to_vec();
    }
}
