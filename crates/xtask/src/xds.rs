//! `cargo xtask xds`: Courier's xDS client against the reference. Runs courier-xds's unit
//! tests, then `examples/xds_reference.rs`: a management server on Python grpcio + xds-protos
//! (tests/xds/control_plane.py) configures a Courier channel and grpcio's own xDS client
//! (tests/xds/ref_client.py) at once; every scenario makes the same calls through both and
//! checks that both route them as configured and follow the updates. Ends with
//! `xds: S scenarios, F failed`; any failure fails the step. Scenario names as arguments run
//! only those.

use std::process::Command;

use crate::peers;
use crate::util::{self, Result};

/// The CI step: every scenario.
pub(crate) fn ci() -> Result {
    main(&[])
}

/// `cargo xtask xds [SCENARIO...]`.
pub(crate) fn main(args: &[String]) -> Result {
    util::step("xds: courier-xds tests (unit, ADS protocol, doc)");
    util::run(util::cargo().args(["test", "--locked", "-p", "courier-xds"]))?;
    util::step("xds: Courier and grpcio against one management server (tests/xds)");
    util::build_examples("courier-xds", &["xds_reference"])?;
    let bin = util::target_dir().join("release/examples/xds_reference");
    // The program prints `xds: S scenarios, F failed` last and exits non-zero on a failure.
    util::run(
        Command::new(&bin)
            .args(args)
            .env("COURIER_PYTHON", peers::python())
            // grpcio's C-core logs every NACK and GOAWAY: the scenarios cause them on purpose.
            .env("GRPC_VERBOSITY", "NONE"),
    )
}
