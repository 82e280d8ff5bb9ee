//! The `.proto` compiler front end (work in progress, issue [B]).

pub mod diag;
pub mod lex;
pub mod span;
