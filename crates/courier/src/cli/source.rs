//! Where the descriptors come from: server reflection, `.proto` files compiled by courier-idl
//! (`--proto`, `-I`), or descriptor sets (`--protoset`); and finding services, methods and
//! types in them, with errors that list what there is.

use std::path::PathBuf;

use courier_reflect::{
    DescriptorPool, EnumDescriptor, ExtensionDescriptor, FieldDescriptor, FileDescriptor,
    MessageDescriptor, MethodDescriptor, ServiceDescriptor,
};
use courier_rpc::reflection::v1::server_reflection_request::MessageRequest;
use courier_rpc::{Channel, Metadata};

use super::compile::{compile_files, virtual_names};
use super::conn::{ConnArgs, Target, connection_hint};
use super::error::{CliError, Result};
use super::reflect::{ReflectError, ReflectionClient};
use super::util::closest;

/// Descriptors from files instead of server reflection.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct SourceArgs {
    /// A .proto file defining the service, compiled by Courier (no protoc needed), instead of
    /// asking the server by reflection (repeatable)
    #[arg(long = "proto", value_name = "FILE", help_heading = "Descriptors")]
    pub(crate) protos: Vec<PathBuf>,

    /// An import path for --proto, like protoc's -I (repeatable; default: each file's own
    /// directory)
    #[arg(
        short = 'I',
        long = "import-path",
        value_name = "DIR",
        help_heading = "Descriptors"
    )]
    pub(crate) import_paths: Vec<PathBuf>,

    /// A FileDescriptorSet file (`courier compile -o FILE --include_imports`, or protoc's
    /// `--descriptor_set_out`) instead of server reflection (repeatable)
    #[arg(long, value_name = "FILE", help_heading = "Descriptors")]
    pub(crate) protoset: Vec<PathBuf>,
}

impl SourceArgs {
    /// Whether descriptors come from files.
    pub(crate) fn uses_files(&self) -> bool {
        !self.protos.is_empty() || !self.protoset.is_empty()
    }

    /// The pool of the files.
    pub(crate) fn pool(&self) -> Result<DescriptorPool> {
        let mut pool = DescriptorPool::new();
        for p in &self.protoset {
            let bytes = std::fs::read(p)
                .map_err(|e| CliError::new(format!("--protoset {}: {e}", p.display())))?;
            pool.add_encoded_file_descriptor_set(&bytes).map_err(|e| {
                CliError::new(format!("--protoset {}: {e}", p.display())).hint(
                    "a protoset is a FileDescriptorSet with every import: write one with \
                     `courier compile -o FILE --include_imports` (or protoc's \
                     --descriptor_set_out with --include_imports)",
                )
            })?;
        }
        if !self.protos.is_empty() {
            let mut includes = self.import_paths.clone();
            if includes.is_empty() {
                for p in &self.protos {
                    let dir = p
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .map_or_else(|| PathBuf::from("."), PathBuf::from);
                    if !includes.contains(&dir) {
                        includes.push(dir);
                    }
                }
            }
            let names = virtual_names(&self.protos, &includes)?;
            let compiled = compile_files(&includes, &names, false)?;
            pool.add_file_descriptor_set(compiled.into_file_descriptor_set(true))
                .map_err(|e| CliError::new(format!("--proto: {e}")))?;
        }
        Ok(pool)
    }
}

/// The descriptors of one command: from files, or asked from the server as needed.
#[derive(Debug)]
pub(crate) enum Source {
    /// `--proto`, `--protoset`.
    Files(DescriptorPool),
    /// Server reflection, opened on first use.
    Reflection(Box<Reflection>),
}

/// The reflection side of a [`Source`].
#[derive(Debug)]
pub(crate) struct Reflection {
    channel: Channel,
    metadata: Metadata,
    conn: ConnArgs,
    target: Target,
    client: Option<ReflectionClient>,
    services: Option<Vec<String>>,
}

impl Source {
    /// The source the flags ask for.
    pub(crate) fn new(
        args: &SourceArgs,
        channel: &Channel,
        conn: &ConnArgs,
        target: &Target,
    ) -> Result<Source> {
        if args.uses_files() {
            return Ok(Source::Files(args.pool()?));
        }
        Ok(Source::Reflection(Box::new(Reflection {
            channel: channel.clone(),
            metadata: conn.metadata()?,
            conn: conn.clone(),
            target: target.clone(),
            client: None,
            services: None,
        })))
    }

    /// Every service, sorted.
    pub(crate) async fn services(&mut self) -> Result<Vec<String>> {
        match self {
            Source::Files(pool) => {
                let mut v: Vec<String> =
                    pool.services().map(|s| s.full_name().to_owned()).collect();
                v.sort();
                Ok(v)
            }
            Source::Reflection(r) => r.services().await,
        }
    }

    /// A pool in which `symbol` is defined, or `None` when it is nowhere.
    pub(crate) async fn pool_with(&mut self, symbol: &str) -> Result<Option<DescriptorPool>> {
        match self {
            Source::Files(pool) => Ok(find(pool, symbol).map(|_| pool.clone())),
            Source::Reflection(r) => r.pool_with(symbol).await,
        }
    }

    /// A pool of everything known so far (reflection: what was fetched).
    pub(crate) fn known_pool(&self) -> Option<DescriptorPool> {
        match self {
            Source::Files(pool) => Some(pool.clone()),
            Source::Reflection(r) => r.client.as_ref().and_then(|c| c.pool().ok()),
        }
    }

    /// How the descriptors were had: `server reflection v1`, or `the given files`.
    pub(crate) fn origin(&self) -> String {
        match self {
            Source::Files(_) => "the given files".into(),
            Source::Reflection(r) => match &r.client {
                Some(c) => format!("server reflection {}", c.version()),
                None => "server reflection".into(),
            },
        }
    }

    /// Where the descriptors come from, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Source::Files(_) => "the given files".into(),
            Source::Reflection(r) => match &r.client {
                Some(c) => format!("{} (server reflection {})", r.target.shown, c.version()),
                None => format!("{} (server reflection)", r.target.shown),
            },
        }
    }

    /// The service named `service`; the error lists the services there are.
    pub(crate) async fn service(&mut self, service: &str) -> Result<ServiceDescriptor> {
        let Some(pool) = self.pool_with(service).await? else {
            let services = self.services().await?;
            let mut err = CliError::new(format!(
                "there is no service `{service}` in {}",
                self.describe()
            ));
            let near = closest(service, services.iter().map(String::as_str));
            if !near.is_empty() {
                err = err.hint(format!("did you mean {}?", near.join(" or ")));
            }
            err = err.hint(if services.is_empty() {
                "no services are listed".to_owned()
            } else {
                format!("the services are:\n{}", services.join("\n"))
            });
            return Err(err);
        };
        pool.get_service_by_name(service).ok_or_else(|| {
            CliError::new(format!(
                "`{service}` is not a service (it is a {})",
                find(&pool, service).map_or("symbol", |s| s.kind_name())
            ))
        })
    }

    /// A method of a service; errors list the services or methods there are.
    pub(crate) async fn method(&mut self, service: &str, method: &str) -> Result<MethodDescriptor> {
        let svc = self.service(service).await?;
        if let Some(m) = svc.methods().find(|m| m.name() == method) {
            return Ok(m);
        }
        let names: Vec<String> = svc.methods().map(|m| m.name().to_owned()).collect();
        let mut err = CliError::new(format!("service `{service}` has no method `{method}`"));
        let near = closest(method, names.iter().map(String::as_str));
        if !near.is_empty() {
            err = err.hint(format!("did you mean {service}/{}?", near.join(" or ")));
        }
        let lines: Vec<String> = svc
            .methods()
            .map(|m| super::protoprint::method_line(&m))
            .collect();
        Err(err.hint(format!("its methods are:\n{}", lines.join("\n"))))
    }
}

impl Reflection {
    fn error(&self, e: ReflectError) -> CliError {
        match e {
            ReflectError::Unsupported => CliError::new(format!(
                "the server at {} does not support server reflection (neither \
                 grpc.reflection.v1 nor v1alpha)",
                self.target.shown
            ))
            .hint(
                "give the service's .proto files instead: --proto FILE.proto [-I IMPORT_DIR], \
                 or a descriptor set: --protoset FILE.pb",
            ),
            ReflectError::Call(s) => {
                let mut err = CliError::status("the reflection call", &s);
                if let Some(h) = connection_hint(&s, &self.conn, &self.target) {
                    err = err.hint(h);
                }
                err
            }
            ReflectError::Answer(code, msg) => CliError::new(format!(
                "the reflection server answered {} ({}): {msg}",
                code.name().unwrap_or("an error"),
                code.0
            )),
            ReflectError::Descriptor(msg) => CliError::new(format!(
                "the descriptors {} sent by reflection: {msg}",
                self.target.shown
            ))
            .hint("give the .proto files with --proto instead"),
        }
    }

    /// The open client: the stream is opened with a list_services request (every server
    /// answers it), whose answer is kept.
    async fn client(&mut self) -> Result<&mut ReflectionClient> {
        if self.client.is_none() {
            let (c, answer) = ReflectionClient::open(
                &self.channel,
                &self.metadata,
                MessageRequest::ListServices(String::new()),
            )
            .await
            .map_err(|e| self.error(e))?;
            let services = ReflectionClient::services_of(answer).map_err(|e| self.error(e))?;
            self.services = Some(services);
            self.client = Some(c);
        }
        Ok(self.client.as_mut().expect("just opened"))
    }

    async fn services(&mut self) -> Result<Vec<String>> {
        self.client().await?;
        Ok(self.services.clone().unwrap_or_default())
    }

    async fn pool_with(&mut self, symbol: &str) -> Result<Option<DescriptorPool>> {
        // `pkg.Svc/Method`: ask for the service (every server knows services as symbols; not
        // all know methods).
        let asked = symbol.split_once('/').map_or(symbol, |(s, _)| s).to_owned();
        let client = self.client().await?;
        let mut found = if symbol.ends_with(".proto") {
            // A file, by its name.
            client.fetch_file(symbol).await
        } else {
            client.fetch_symbol(&asked).await
        };
        if matches!(found, Ok(false)) && !symbol.contains('/') && !symbol.ends_with(".proto") {
            // `pkg.Svc.Method` or `pkg.Msg.field`: the file of its parent.
            if let Some((parent, _)) = asked.rsplit_once('.') {
                found = client.fetch_symbol(parent).await;
            }
        }
        match found {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        }
        let pool = self
            .client
            .as_ref()
            .expect("opened")
            .pool()
            .map_err(|e| self.error(e))?;
        Ok(find(&pool, symbol).map(|_| pool))
    }
}

/// A named element of a pool.
#[derive(Debug, Clone)]
pub(crate) enum Symbol {
    Service(ServiceDescriptor),
    Method(MethodDescriptor),
    Message(MessageDescriptor),
    Enum(EnumDescriptor),
    Field(FieldDescriptor),
    Extension(ExtensionDescriptor),
    File(FileDescriptor),
}

impl Symbol {
    /// What kind of element, for messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Symbol::Service(_) => "service",
            Symbol::Method(_) => "method",
            Symbol::Message(_) => "message",
            Symbol::Enum(_) => "enum",
            Symbol::Field(_) => "field",
            Symbol::Extension(_) => "extension",
            Symbol::File(_) => "file",
        }
    }
}

/// Finds `name` in `pool`: a service, a method (`pkg.Svc.Method` or `pkg.Svc/Method`), a
/// message, an enum, a field (`pkg.Msg.field`), an extension or a file name. A leading `.`
/// is allowed.
pub(crate) fn find(pool: &DescriptorPool, name: &str) -> Option<Symbol> {
    let name = name.strip_prefix('.').unwrap_or(name);
    if let Some(f) = pool.get_file_by_name(name) {
        return Some(Symbol::File(f));
    }
    if let Some((svc, m)) = name.split_once('/') {
        return pool
            .get_service_by_name(svc)?
            .methods()
            .find(|x| x.name() == m)
            .map(Symbol::Method);
    }
    if let Some(s) = pool.get_service_by_name(name) {
        return Some(Symbol::Service(s));
    }
    if let Some(m) = pool.get_message_by_name(name) {
        return Some(Symbol::Message(m));
    }
    if let Some(e) = pool.get_enum_by_name(name) {
        return Some(Symbol::Enum(e));
    }
    if let Some(x) = pool.get_extension_by_name(name) {
        return Some(Symbol::Extension(x));
    }
    let (parent, last) = name.rsplit_once('.')?;
    if let Some(s) = pool.get_service_by_name(parent) {
        return s.methods().find(|m| m.name() == last).map(Symbol::Method);
    }
    if let Some(m) = pool.get_message_by_name(parent) {
        return m.get_field_by_name(last).map(Symbol::Field);
    }
    None
}

/// Every name [`find`] knows in `pool` (for suggestions).
pub(crate) fn all_names(pool: &DescriptorPool) -> Vec<String> {
    let mut v = Vec::new();
    for s in pool.services() {
        v.push(s.full_name().to_owned());
        for m in s.methods() {
            v.push(format!("{}.{}", s.full_name(), m.name()));
        }
    }
    v.extend(
        pool.all_messages()
            .filter(|m| !m.is_map_entry())
            .map(|m| m.full_name().to_owned()),
    );
    v.extend(pool.all_enums().map(|e| e.full_name().to_owned()));
    v
}

/// Splits `pkg.Service/Method` (also `/pkg.Service/Method` and `pkg.Service.Method`) into
/// the service and the method.
pub(crate) fn split_method(text: &str) -> Result<(String, String)> {
    let t = text.strip_prefix('/').unwrap_or(text);
    let split = t.rsplit_once('/').or_else(|| t.rsplit_once('.'));
    match split {
        Some((s, m)) if !s.is_empty() && !m.is_empty() && !s.contains('/') => {
            Ok((s.to_owned(), m.to_owned()))
        }
        _ => Err(CliError::usage(format!(
            "`{text}` is not a method name"
        ))
        .hint("methods are named package.Service/Method, for example helloworld.Greeter/SayHello; \
               `courier list ADDR SERVICE` lists a service's methods")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> DescriptorPool {
        let mut c = courier_idl::Compiler::new();
        c.add_file(
            "t.proto",
            "syntax = \"proto3\";\npackage p;\nmessage M { string name = 1; enum E { A = 0; } }\n\
             service S { rpc Do(M) returns (M); }\n",
        );
        DescriptorPool::from_file_descriptor_set(
            c.compile(&["t.proto"]).unwrap().file_descriptor_set(true),
        )
        .unwrap()
    }

    #[test]
    fn finds_every_kind_of_symbol() {
        let p = pool();
        let kind = |n: &str| find(&p, n).map(|s| s.kind_name());
        assert_eq!(kind("p.S"), Some("service"));
        assert_eq!(kind(".p.S"), Some("service"));
        assert_eq!(kind("p.S.Do"), Some("method"));
        assert_eq!(kind("p.S/Do"), Some("method"));
        assert_eq!(kind("p.M"), Some("message"));
        assert_eq!(kind("p.M.E"), Some("enum"));
        assert_eq!(kind("p.M.name"), Some("field"));
        assert_eq!(kind("t.proto"), Some("file"));
        let mut c = courier_idl::Compiler::new();
        c.add_file("dir/f.proto", "syntax = \"proto3\";\nmessage X {}\n");
        let with_dir = DescriptorPool::from_file_descriptor_set(
            c.compile(&["dir/f.proto"])
                .unwrap()
                .file_descriptor_set(true),
        )
        .unwrap();
        assert_eq!(
            find(&with_dir, "dir/f.proto").map(|s| s.kind_name()),
            Some("file")
        );
        assert_eq!(kind("p.Nope"), None);
        assert_eq!(kind("p.S/Nope"), None);
        assert!(all_names(&p).contains(&"p.S.Do".to_owned()));
    }

    #[test]
    fn method_names() {
        let ok = |t: &str| split_method(t).unwrap();
        assert_eq!(
            ok("helloworld.Greeter/SayHello"),
            ("helloworld.Greeter".into(), "SayHello".into())
        );
        assert_eq!(
            ok("/helloworld.Greeter/SayHello"),
            ("helloworld.Greeter".into(), "SayHello".into())
        );
        assert_eq!(
            ok("helloworld.Greeter.SayHello"),
            ("helloworld.Greeter".into(), "SayHello".into())
        );
        assert_eq!(
            ok("Greeter/SayHello"),
            ("Greeter".into(), "SayHello".into())
        );
        for bad in ["SayHello", "a/b/c", "/x", "x/", ""] {
            assert!(split_method(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn unknown_methods_list_the_service_methods() {
        let mut src = Source::Files(pool());
        let e = src.method("p.S", "Da").await.unwrap_err().to_string();
        assert!(e.contains("service `p.S` has no method `Da`"), "{e}");
        assert!(e.contains("did you mean p.S/Do?"), "{e}");
        assert!(e.contains("p.S/Do(p.M) returns (p.M)"), "{e}");
        let e = src.method("p.T", "Do").await.unwrap_err().to_string();
        assert!(e.contains("no service `p.T`"), "{e}");
        assert!(e.contains("did you mean p.S?"), "{e}");
        assert!(src.method("p.S", "Do").await.is_ok());
    }
}
