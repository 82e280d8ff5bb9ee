//! [`Extensions`]: typed values a transport attaches to a connection (a TLS peer's verified
//! identity, say) for handlers and interceptors to read.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A map from a type to one value of it.
///
/// A server [`Acceptor`](crate::Acceptor) fills one per connection; every call on that
/// connection sees it through [`CallContext::extensions`](crate::CallContext::extensions) and
/// [`InterceptedCall::extensions`](crate::InterceptedCall::extensions).
///
/// ```
/// use courier_rpc::Extensions;
///
/// #[derive(Debug, PartialEq)]
/// struct Tenant(&'static str);
///
/// let mut ext = Extensions::new();
/// ext.insert(Tenant("blue"));
/// assert_eq!(ext.get::<Tenant>(), Some(&Tenant("blue")));
/// assert_eq!(ext.get::<u32>(), None);
/// ```
#[derive(Clone, Default)]
pub struct Extensions {
    map: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Extensions {
    /// An empty map.
    pub fn new() -> Extensions {
        Extensions::default()
    }

    /// Stores `value`, replacing any earlier value of the same type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.map.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, if one was stored.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.map
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
    }

    /// Whether the map holds nothing.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions")
            .field("len", &self.map.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_by_type() {
        let mut e = Extensions::new();
        assert!(e.is_empty());
        e.insert(1u8);
        e.insert(2u8);
        e.insert("x");
        assert_eq!(e.get::<u8>(), Some(&2));
        assert_eq!(e.get::<&str>(), Some(&"x"));
        assert_eq!(e.get::<u16>(), None);
    }
}
