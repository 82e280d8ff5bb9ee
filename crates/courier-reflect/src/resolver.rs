//! [`TypeResolver`]: how ProtoJSON and the text format find the message type a
//! `google.protobuf.Any` holds.

use crate::descriptor::{DescriptorPool, MessageDescriptor};

/// Finds the message type a `google.protobuf.Any` type URL names.
///
/// A [`DescriptorPool`] is one (it looks the full name after the URL's last `/` up in itself);
/// printers and parsers use the message's own pool unless their options name another
/// resolver. A registry of generated types can implement this trait to let `Any` fields of
/// dynamic messages hold its types (the generated code's descriptors are what it returns).
pub trait TypeResolver: Send + Sync {
    /// The message type `type_url` names (`type.googleapis.com/pkg.Msg`), if known.
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor>;
}

/// The full type name of an `Any` type URL: what follows the last `/` (which must be there).
pub(crate) fn type_name_of_url(type_url: &str) -> Option<&str> {
    let (_, name) = type_url.rsplit_once('/')?;
    (!name.is_empty()).then_some(name)
}

impl TypeResolver for DescriptorPool {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        self.get_message_by_name(type_name_of_url(type_url)?)
    }
}

/// Several pools (the descriptor pools of generated packages, say): the first that knows the
/// type answers.
impl TypeResolver for [DescriptorPool] {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        self.iter().find_map(|p| p.resolve_message(type_url))
    }
}

impl TypeResolver for Vec<DescriptorPool> {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        self.as_slice().resolve_message(type_url)
    }
}

impl<T: TypeResolver + ?Sized> TypeResolver for &T {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        (**self).resolve_message(type_url)
    }
}

impl<T: TypeResolver + ?Sized> TypeResolver for std::sync::Arc<T> {
    fn resolve_message(&self, type_url: &str) -> Option<MessageDescriptor> {
        (**self).resolve_message(type_url)
    }
}
