//! The protobuf binary wire format (work in progress; see issue [A]).
