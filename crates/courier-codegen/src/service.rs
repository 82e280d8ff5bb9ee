//! Services: for each service a module `<service>_rpc` holding the method descriptors
//! (constants), a client stub generic over `courier_rpc::Transport`, a server trait (async
//! methods) and a server adapter implementing `courier_rpc::Service`.

use courier_types::ServiceDescriptorProto;

use crate::comments::Comments;
use crate::config::Error;
use crate::index::Index;
use crate::names;
use crate::out::Out;

const RPC: &str = "::courier_rpc";
const RESULT: &str = "::core::result::Result";

struct Method {
    name: String,
    rust: String,
    constant: String,
    input: String,
    output: String,
    client_streaming: bool,
    server_streaming: bool,
    doc: Vec<String>,
    /// `courier_rpc::web::Idempotency`'s variant for the method's `idempotency_level`
    /// option, when it has one.
    idempotency: Option<&'static str>,
}

/// What generating a service looks at besides the service itself.
pub(crate) struct Options<'a> {
    /// Every type, to name the methods' messages.
    pub(crate) index: &'a Index<'a>,
    /// The file's comments, for the docs.
    pub(crate) comments: &'a Comments,
    /// The messages implement `courier_json::ProtoJson` (the `json` option): the server
    /// adapter gives each method its JSON codec.
    pub(crate) json: bool,
    /// The `#[cfg(...)]` line gating the ProtoJSON code, if any.
    pub(crate) json_cfg: Option<&'a str>,
}

pub(crate) fn generate(
    o: &mut Out,
    s: &ServiceDescriptorProto,
    package: &str,
    modules: &[String],
    i: usize,
    opts: &Options<'_>,
) -> Result<(), Error> {
    let (index, comments) = (opts.index, opts.comments);
    let name = s.name.as_deref().unwrap_or("");
    let full = if package.is_empty() {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    };
    let module = format!("{}_rpc", names::snake(name));
    let mut inner = modules.to_vec();
    inner.push(module.clone());
    let rust = names::type_name(name);
    // Generic parameter names that cannot clash with the service trait's name.
    let pick = |a: &'static str, b: &'static str| if rust == a { b } else { a };
    let (tp, sp, stp) = (pick("T", "Tr"), pick("S", "Svc"), pick("St", "Sx"));
    let mut methods = Vec::new();
    for (j, m) in s.method.iter().enumerate() {
        let mname = m.name.clone().unwrap_or_default();
        let resolve = |t: &Option<String>| -> Result<String, Error> {
            let t = t.as_deref().unwrap_or("");
            index
                .get(t)
                .map(|info| info.path.relative_to(&inner))
                .ok_or_else(|| Error::new(format!("{full}.{mname}: unknown type {t}")))
        };
        let mut doc = comments.doc(&[6, i as i32, 2, j as i32]);
        if doc.is_empty() {
            doc.push(format!("`{mname}`."));
        }
        methods.push(Method {
            rust: names::field(&mname),
            constant: names::snake(&mname).to_uppercase(),
            input: resolve(&m.input_type)?,
            output: resolve(&m.output_type)?,
            client_streaming: m.client_streaming == Some(true),
            server_streaming: m.server_streaming == Some(true),
            doc,
            idempotency: match m.options.as_ref().and_then(|o| o.idempotency_level) {
                Some(1) => Some("NoSideEffects"),
                Some(2) => Some("Idempotent"),
                _ => None,
            },
            name: mname,
        });
    }
    let mut doc = comments.doc(&[6, i as i32]);
    if doc.is_empty() {
        doc.push(format!("`service {full}`."));
    }
    o.line(format!(
        "/// Client stub, server trait and method descriptors of service `{full}`."
    ));
    o.line("///");
    o.doc(&doc);
    o.open(format!("pub mod {module} {{"));
    o.line("/// The service's full name.");
    o.line(format!("pub const SERVICE_NAME: &str = {full:?};"));
    for m in &methods {
        o.line("");
        o.line(format!("/// `/{full}/{}`.", m.name));
        o.line(format!(
            "pub const {}: {RPC}::MethodDescriptor = {RPC}::MethodDescriptor {{",
            m.constant
        ));
        o.line(format!("    path: \"/{full}/{}\",", m.name));
        o.line("    service: SERVICE_NAME,");
        o.line(format!("    method: {:?},", m.name));
        o.line(format!(
            "    kind: {RPC}::MethodKind::from_streaming({}, {}),",
            m.client_streaming, m.server_streaming
        ));
        o.line("};");
    }
    o.line("");
    o.line("/// Every method, in `.proto` order.");
    o.line(format!(
        "pub const METHODS: &[{RPC}::MethodDescriptor] = &[{}];",
        methods
            .iter()
            .map(|m| m.constant.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));

    // Client.
    o.line("");
    o.line(format!(
        "/// Client for `{full}`, over any [`{RPC}::Transport`]."
    ));
    o.line("#[derive(Clone, Debug)]");
    o.open(format!("pub struct {rust}Client<{tp}> {{"));
    o.line(format!("transport: {tp},"));
    o.close("}");
    o.line("");
    o.open(format!(
        "impl<{tp}: {RPC}::Transport> {rust}Client<{tp}> {{"
    ));
    o.line("/// A client sending its calls through `transport`.");
    o.open(format!("pub fn new(transport: {tp}) -> Self {{"));
    o.line("Self { transport }");
    o.close("}");
    o.line("");
    o.line("/// The transport.");
    o.open(format!("pub fn transport(&self) -> &{tp} {{"));
    o.line("&self.transport");
    o.close("}");
    for m in &methods {
        o.line("");
        o.doc(&m.doc);
        let (inp, out, c) = (&m.input, &m.output, &m.constant);
        match (m.client_streaming, m.server_streaming) {
            (false, false) => {
                o.open(format!(
                    "pub async fn {}(&self, request: impl {RPC}::IntoRequest<{inp}>) -> {RESULT}<{RPC}::Response<{out}>, {RPC}::Status> {{",
                    m.rust
                ));
                let into = format!("{RPC}::IntoRequest::into_request(request)");
                let encode = ".map(|m| ::courier_wire::Message::encode_to_bytes(&m))";
                if let Some(level) = m.idempotency {
                    // Marked for the channel (a Connect GET for side-effect-free methods).
                    o.line(format!("let mut request = {into};"));
                    o.line(format!(
                        "request.set_idempotency({RPC}::web::Idempotency::{level});"
                    ));
                    o.line(format!("let request = request{encode};"));
                } else {
                    o.line(format!("let request = {into}{encode};"));
                }
                o.line(format!(
                    "let (metadata, bytes) = self.transport.unary(&{c}, request).await?.into_parts();"
                ));
                o.line(format!(
                    "Ok({RPC}::Response::from_parts(metadata, {RPC}::decode_message::<{out}>(bytes)?))"
                ));
                o.close("}");
            }
            (false, true) => {
                o.open(format!(
                    "pub async fn {}(&self, request: impl {RPC}::IntoRequest<{inp}>) -> {RESULT}<{RPC}::Response<{RPC}::Streaming<{out}>>, {RPC}::Status> {{",
                    m.rust
                ));
                o.line(format!(
                    "let request = {RPC}::IntoRequest::into_request(request).map(|m| {RPC}::once(::courier_wire::Message::encode_to_bytes(&m)));"
                ));
                o.line(format!(
                    "Ok(self.transport.call(&{c}, request).await?.map({RPC}::Streaming::new))"
                ));
                o.close("}");
            }
            (true, false) => {
                o.open(format!(
                    "pub async fn {}<{stp}>(&self, request: {RPC}::Request<{stp}>) -> {RESULT}<{RPC}::Response<{out}>, {RPC}::Status>",
                    m.rust
                ));
                o.line(format!(
                    "where {stp}: {RPC}::Stream<Item = {inp}> + Send + 'static,"
                ));
                o.close("{");
                o.indent_line(format!(
                    "let (metadata, stream) = self.transport.call(&{c}, request.map({RPC}::encode_requests)).await?.into_parts();"
                ));
                o.indent_line(format!(
                    "Ok({RPC}::Response::from_parts(metadata, {RPC}::decode_one::<{out}>(stream).await?))"
                ));
                o.line("}");
            }
            (true, true) => {
                o.open(format!(
                    "pub async fn {}<{stp}>(&self, request: {RPC}::Request<{stp}>) -> {RESULT}<{RPC}::Response<{RPC}::Streaming<{out}>>, {RPC}::Status>",
                    m.rust
                ));
                o.line(format!(
                    "where {stp}: {RPC}::Stream<Item = {inp}> + Send + 'static,"
                ));
                o.close("{");
                o.indent_line(format!(
                    "Ok(self.transport.call(&{c}, request.map({RPC}::encode_requests)).await?.map({RPC}::Streaming::new))"
                ));
                o.line("}");
            }
        }
    }
    o.close("}");

    // Server trait.
    o.line("");
    o.line(format!(
        "/// The server side of `{full}`: implement it, then serve it wrapped in [`{rust}Server`]."
    ));
    o.open(format!("pub trait {rust}: Send + Sync + 'static {{"));
    for (k, m) in methods.iter().enumerate() {
        if k > 0 {
            o.line("");
        }
        o.doc(&m.doc);
        let (inp, out) = (&m.input, &m.output);
        let req = if m.client_streaming {
            format!("{RPC}::Request<{RPC}::Streaming<{inp}>>")
        } else {
            format!("{RPC}::Request<{inp}>")
        };
        let resp = if m.server_streaming {
            format!("{RPC}::Response<{RPC}::BoxStream<{RESULT}<{out}, {RPC}::Status>>>")
        } else {
            format!("{RPC}::Response<{out}>")
        };
        o.line(format!(
            "fn {}(&self, request: {req}) -> impl ::core::future::Future<Output = {RESULT}<{resp}, {RPC}::Status>> + Send;",
            m.rust
        ));
    }
    o.close("}");

    // Server adapter.
    o.line("");
    o.line(format!(
        "/// Serves a [`{rust}`] implementation: decodes requests, calls it, encodes responses."
    ));
    o.line("#[derive(Debug)]");
    o.open(format!("pub struct {rust}Server<{sp}> {{"));
    o.line(format!("inner: ::std::sync::Arc<{sp}>,"));
    o.close("}");
    o.line("");
    o.open(format!("impl<{sp}> {rust}Server<{sp}> {{"));
    o.line("/// Serves `service`.");
    o.open(format!("pub fn new(service: {sp}) -> Self {{"));
    o.line("Self { inner: ::std::sync::Arc::new(service) }");
    o.close("}");
    o.line("");
    o.line("/// Serves a shared `service`.");
    o.open(format!(
        "pub fn from_arc(service: ::std::sync::Arc<{sp}>) -> Self {{"
    ));
    o.line("Self { inner: service }");
    o.close("}");
    o.close("}");
    o.line("");
    o.open(format!(
        "impl<{sp}> ::core::clone::Clone for {rust}Server<{sp}> {{"
    ));
    o.open("fn clone(&self) -> Self {");
    o.line("Self { inner: ::std::sync::Arc::clone(&self.inner) }");
    o.close("}");
    o.close("}");
    o.line("");
    o.open(format!(
        "impl<{sp}: {rust}> {RPC}::Service for {rust}Server<{sp}> {{"
    ));
    o.open("fn name(&self) -> &'static str {");
    o.line("SERVICE_NAME");
    o.close("}");
    o.line("");
    o.open(format!(
        "fn methods(&self) -> &'static [{RPC}::MethodDescriptor] {{"
    ));
    o.line("METHODS");
    o.close("}");
    o.line("");
    o.open(format!(
        "fn call(&self, method: &str, request: {RPC}::Request<{RPC}::ByteStream>) -> ::core::option::Option<{RPC}::BoxFuture<'static, {RESULT}<{RPC}::Response<{RPC}::ByteStream>, {RPC}::Status>>> {{"
    ));
    if methods.is_empty() {
        o.line("let _ = (method, request);");
        o.line("::core::option::Option::None");
    } else {
        o.line("let inner = ::std::sync::Arc::clone(&self.inner);");
        o.open("match method {");
        for m in &methods {
            o.open(format!(
                "{:?} => ::core::option::Option::Some(::std::boxed::Box::pin(async move {{",
                m.name
            ));
            if m.client_streaming {
                o.line(format!("let request = request.map({RPC}::Streaming::new);"));
            } else {
                o.line("let (metadata, stream) = request.into_parts();");
                o.line(format!(
                    "let request = {RPC}::Request::from_parts(metadata, {RPC}::decode_one::<{}>(stream).await?);",
                    m.input
                ));
            }
            o.line(format!("let response = inner.{}(request).await?;", m.rust));
            if m.server_streaming {
                o.line(format!("Ok(response.map({RPC}::encode_stream))"));
            } else {
                o.line(format!(
                    "Ok(response.map(|m| {RPC}::once(::courier_wire::Message::encode_to_bytes(&m))))"
                ));
            }
            o.close("})),");
        }
        o.line("_ => ::core::option::Option::None,");
        o.close("}");
    }
    o.close("}");
    method_schema(o, &methods, opts);
    o.close("}");
    o.close("}");
    Ok(())
}

/// The server adapter's `Service::method_schema`: each method's side effects and, with the
/// `json` option, its JSON codec over the generated types (no descriptors needed for Connect
/// and gRPC-Web JSON, nor for Connect GET). Left out when there is nothing to say.
fn method_schema(o: &mut Out, methods: &[Method], opts: &Options<'_>) {
    let said: Vec<&Method> = methods
        .iter()
        .filter(|m| opts.json || m.idempotency.is_some())
        .collect();
    if said.is_empty() {
        return;
    }
    o.line("");
    o.open(format!(
        "fn method_schema(&self, method: &{RPC}::MethodDescriptor) -> ::core::option::Option<{RPC}::web::MethodSchema> {{"
    ));
    o.line(format!("let schema = {RPC}::web::MethodSchema::new();"));
    o.open("match method.method {");
    for m in said {
        o.open(format!("{:?} => {{", m.name));
        if let Some(level) = m.idempotency {
            o.line(format!(
                "let schema = schema.with_idempotency({RPC}::web::Idempotency::{level});"
            ));
        }
        if opts.json {
            if let Some(cfg) = opts.json_cfg {
                o.line(cfg);
            }
            o.line(format!(
                "let schema = schema.with_json({RPC}::web::MessageJson::<{}, {}>::shared());",
                m.input, m.output
            ));
        }
        o.line("::core::option::Option::Some(schema)");
        o.close("}");
    }
    o.line("_ => ::core::option::Option::None,");
    o.close("}");
    o.close("}");
}
