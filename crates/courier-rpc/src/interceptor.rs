//! [`Interceptor`]: async hooks that read and change a call's metadata, or reject the call,
//! on the client (before the request is sent) and on the server (before the handler runs).

use std::future::Future;

use std::sync::Arc;

use bytes::Bytes;

use crate::call::BoxFuture;
use crate::extensions::Extensions;
use crate::metadata::Metadata;
use crate::status::Status;

/// What an interceptor sees of a call: its path, its (request) metadata and, on a server,
/// what the transport attached to the connection.
#[derive(Debug)]
pub struct InterceptedCall {
    path: Bytes,
    metadata: Metadata,
    extensions: Option<Arc<Extensions>>,
    authority: Option<Bytes>,
}

impl InterceptedCall {
    pub(crate) fn new(path: Bytes, metadata: Metadata) -> InterceptedCall {
        InterceptedCall {
            path,
            metadata,
            extensions: None,
            authority: None,
        }
    }

    pub(crate) fn with_authority(mut self, authority: Option<Bytes>) -> InterceptedCall {
        self.authority = authority;
        self
    }

    /// On a server, the call's `:authority` (the host the client asked for), if it sent one;
    /// `None` on a client.
    pub fn authority(&self) -> Option<&str> {
        self.authority
            .as_deref()
            .and_then(|a| std::str::from_utf8(a).ok())
    }

    pub(crate) fn with_extensions(mut self, extensions: Arc<Extensions>) -> InterceptedCall {
        self.extensions = Some(extensions);
        self
    }

    pub(crate) fn into_metadata(self) -> Metadata {
        self.metadata
    }

    /// The call's `:path`, `/package.Service/Method`.
    pub fn path(&self) -> &str {
        std::str::from_utf8(&self.path).unwrap_or("")
    }

    /// The request metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// On a server, what the transport attached to the call's connection (a TLS peer's
    /// verified identity, for example); `None` on a client.
    pub fn extensions(&self) -> Option<&Extensions> {
        self.extensions.as_deref()
    }

    /// The request metadata, to change.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }
}

/// An async call interceptor. Return the (possibly changed) call to let it proceed, or a
/// [`Status`] to reject it: on a client the call fails with it, on a server the client gets it.
///
/// Closures implement it:
///
/// ```
/// use courier_rpc::{Code, InterceptedCall, Interceptor, Status};
///
/// let auth = |call: InterceptedCall| async move {
///     match call.metadata().get("authorization") {
///         Some(v) if v == "Bearer secret" => Ok(call),
///         _ => Err(Status::new(Code::UNAUTHENTICATED, "no token")),
///     }
/// };
/// fn check(_: &impl Interceptor) {}
/// check(&auth);
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Intercepts one call.
    fn intercept(
        &self,
        call: InterceptedCall,
    ) -> BoxFuture<'static, Result<InterceptedCall, Status>>;
}

impl<F, Fut> Interceptor for F
where
    F: Fn(InterceptedCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<InterceptedCall, Status>> + Send + 'static,
{
    fn intercept(
        &self,
        call: InterceptedCall,
    ) -> BoxFuture<'static, Result<InterceptedCall, Status>> {
        Box::pin(self(call))
    }
}

/// Runs `interceptors` in order over `call`.
pub(crate) async fn run(
    interceptors: &[std::sync::Arc<dyn Interceptor>],
    mut call: InterceptedCall,
) -> Result<InterceptedCall, Status> {
    for i in interceptors {
        call = i.intercept(call).await?;
    }
    Ok(call)
}
