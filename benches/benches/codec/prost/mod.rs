// prost-generated code for the `codec` bench, checked in (see benches/protos/codec/README.md):
// prost-build 0.14 with its default configuration, run once over
// benches/protos/codec/{message1_proto2,message1_proto3,hello,log,blob}.proto with the peers'
// protoc (`python -m grpc_tools.protoc`).
pub mod bench {
    pub mod blob {
        include!("bench.blob.rs");
    }
    pub mod hello {
        include!("bench.hello.rs");
    }
    pub mod log {
        include!("bench.log.rs");
    }
    pub mod proto2 {
        include!("bench.proto2.rs");
    }
    pub mod proto3 {
        include!("bench.proto3.rs");
    }
}
