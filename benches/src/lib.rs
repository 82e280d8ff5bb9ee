//! Shared fixtures for Courier's criterion benchmarks (`benches/benches/*.rs`).
//!
//! Every bench names its criterion groups `BENCH/row` and its functions `courier` and the peer
//! crate's name, so `cargo xtask bench BENCH` can put them side by side in docs/benchmarks.md.
