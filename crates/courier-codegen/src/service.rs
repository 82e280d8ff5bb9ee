//! Services: client stubs and server traits.

use courier_types::ServiceDescriptorProto;

use crate::comments::Comments;
use crate::config::Error;
use crate::index::Index;
use crate::out::Out;

pub(crate) fn generate(
    _o: &mut Out,
    _s: &ServiceDescriptorProto,
    _package: &str,
    _modules: &[String],
    _index: &Index<'_>,
    _comments: &Comments,
    _i: usize,
) -> Result<(), Error> {
    Ok(())
}
