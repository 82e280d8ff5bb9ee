//! The xDS bootstrap (gRFC A27, A36): which management server to talk to, how, and who this
//! node is. Read from the file named by `GRPC_XDS_BOOTSTRAP`, or from the JSON in
//! `GRPC_XDS_BOOTSTRAP_CONFIG`.

use std::fmt;

use serde_json::Value;

use crate::pb::envoy::config::core::v3 as core;

/// A bootstrap that could not be read or is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapError(String);

impl fmt::Display for BootstrapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "xDS bootstrap: {}", self.0)
    }
}

impl std::error::Error for BootstrapError {}

/// A management server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdsServer {
    /// Its target (`host:port`, or any target a Courier channel takes).
    pub server_uri: String,
    /// The channel credentials type chosen (`insecure`: the only one supported here).
    pub channel_creds: String,
    /// `server_features` (`ignore_resource_deletion`, ...).
    pub server_features: Vec<String>,
}

/// A parsed bootstrap.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    /// The management servers; the first is used.
    pub servers: Vec<XdsServer>,
    /// The node this client is (`user_agent_*` and `client_features` are set by the client).
    pub node: core::Node,
    /// gRFC A36: the Listener name template of xDS servers (`%s` is the listening address).
    pub server_listener_resource_name_template: Option<String>,
}

impl Bootstrap {
    /// From the environment: `GRPC_XDS_BOOTSTRAP` (a file) first, else
    /// `GRPC_XDS_BOOTSTRAP_CONFIG` (the JSON itself).
    pub fn from_env() -> Result<Bootstrap, BootstrapError> {
        if let Some(path) = std::env::var_os("GRPC_XDS_BOOTSTRAP") {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                BootstrapError(format!(
                    "reading {}: {e}",
                    std::path::Path::new(&path).display()
                ))
            })?;
            return Bootstrap::from_json(&text);
        }
        if let Ok(text) = std::env::var("GRPC_XDS_BOOTSTRAP_CONFIG") {
            return Bootstrap::from_json(&text);
        }
        Err(BootstrapError(
            "neither GRPC_XDS_BOOTSTRAP nor GRPC_XDS_BOOTSTRAP_CONFIG is set".into(),
        ))
    }

    /// Parses the JSON form. gRFC A27: "unknown fields in the bootstrap file will be silently
    /// ignored".
    pub fn from_json(text: &str) -> Result<Bootstrap, BootstrapError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| BootstrapError(format!("not JSON: {e}")))?;
        let o = v
            .as_object()
            .ok_or_else(|| BootstrapError("not a JSON object".into()))?;
        let list = o
            .get("xds_servers")
            .and_then(Value::as_array)
            .ok_or_else(|| BootstrapError("xds_servers: missing or not an array".into()))?;
        let mut servers = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let at = |m: &str| BootstrapError(format!("xds_servers[{i}]: {m}"));
            let uri = s
                .get("server_uri")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
                .ok_or_else(|| at("server_uri: missing or not a string"))?;
            // gRFC A27: "List of channel creds; client will stop at the first type it
            // supports. This field is required and must contain at least one channel creds
            // type that the client supports."
            let creds = s
                .get("channel_creds")
                .and_then(Value::as_array)
                .ok_or_else(|| at("channel_creds: missing or not an array"))?;
            let chosen = creds
                .iter()
                .filter_map(|c| c.get("type").and_then(Value::as_str))
                .find(|t| *t == "insecure")
                .ok_or_else(|| at("channel_creds: no supported type (supported: insecure)"))?;
            let server_features = s
                .get("server_features")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            servers.push(XdsServer {
                server_uri: uri.to_owned(),
                channel_creds: chosen.to_owned(),
                server_features,
            });
        }
        if servers.is_empty() {
            return Err(BootstrapError("xds_servers is empty".into()));
        }
        let node = match o.get("node") {
            Some(n) => parse_node(n)?,
            None => core::Node::default(),
        };
        let template = match o.get("server_listener_resource_name_template") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(BootstrapError(
                    "server_listener_resource_name_template: not a string".into(),
                ));
            }
        };
        Ok(Bootstrap {
            servers,
            node,
            server_listener_resource_name_template: template,
        })
    }
}

fn string(o: &Value, key: &str) -> Result<String, BootstrapError> {
    match o.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(BootstrapError(format!("node.{key}: not a string"))),
    }
}

fn parse_node(n: &Value) -> Result<core::Node, BootstrapError> {
    if !n.is_object() {
        return Err(BootstrapError("node: not an object".into()));
    }
    let mut node = core::Node {
        id: string(n, "id")?,
        cluster: string(n, "cluster")?,
        ..Default::default()
    };
    if let Some(l) = n.get("locality") {
        node.locality = Some(core::Locality {
            region: string(l, "region")?,
            zone: string(l, "zone")?,
            sub_zone: string(l, "sub_zone")?,
            ..Default::default()
        });
    }
    if let Some(m) = n.get("metadata") {
        match json_to_value(m).kind {
            Some(courier_types::value::Kind::StructValue(s)) => node.metadata = Some(s),
            _ => return Err(BootstrapError("node.metadata: not an object".into())),
        }
    }
    Ok(node)
}

/// A JSON value as a `google.protobuf.Value`.
fn json_to_value(v: &Value) -> courier_types::Value {
    use courier_types::value::Kind;
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(a) => Kind::ListValue(courier_types::ListValue {
            values: a.iter().map(json_to_value).collect(),
            ..Default::default()
        }),
        Value::Object(o) => Kind::StructValue(courier_types::Struct {
            fields: o
                .iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
            ..Default::default()
        }),
    };
    courier_types::Value {
        kind: Some(kind),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_bootstrap() {
        let b = Bootstrap::from_json(
            r#"{"xds_servers": [{"server_uri": "localhost:18000",
                 "channel_creds": [{"type": "google_default"}, {"type": "insecure"}],
                 "server_features": ["xds_v3"]}],
                "node": {"id": "n1", "cluster": "c", "locality": {"zone": "z"},
                         "metadata": {"k": ["v", 1]}},
                "server_listener_resource_name_template": "grpc/server?addr=%s",
                "unknown": true}"#,
        )
        .unwrap();
        assert_eq!(b.servers[0].server_uri, "localhost:18000");
        assert_eq!(b.servers[0].channel_creds, "insecure");
        assert_eq!(b.node.id, "n1");
        assert_eq!(b.node.locality.as_ref().unwrap().zone, "z");
        assert!(b.node.metadata.as_ref().unwrap().fields.contains_key("k"));
        assert_eq!(
            b.server_listener_resource_name_template.as_deref(),
            Some("grpc/server?addr=%s")
        );
    }

    #[test]
    fn rejects_bad_bootstraps() {
        for (json, needle) in [
            ("{}", "xds_servers"),
            (r#"{"xds_servers": []}"#, "empty"),
            (
                r#"{"xds_servers": [{"channel_creds": [{"type": "insecure"}]}]}"#,
                "server_uri",
            ),
            (
                r#"{"xds_servers": [{"server_uri": "x", "channel_creds": [{"type": "tls"}]}]}"#,
                "no supported type",
            ),
            (
                r#"{"xds_servers": [{"server_uri": "x", "channel_creds": [{"type": "insecure"}]}], "node": {"id": 1}}"#,
                "node.id",
            ),
        ] {
            let e = Bootstrap::from_json(json).unwrap_err();
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }
}
