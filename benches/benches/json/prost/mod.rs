// prost + pbjson code for the `json` bench, checked in (see benches/protos/json/README.md):
// prost-build 0.14.6 (`.google.protobuf` mapped to `::pbjson_types`) and pbjson-build 0.9.0, run
// once with the peers' protoc over benches/protos/codec/*.proto and benches/protos/json/*.proto.
pub mod bench {
    pub mod blob {
        include!("bench.blob.rs");
        include!("bench.blob.serde.rs");
    }
    pub mod hello {
        include!("bench.hello.rs");
        include!("bench.hello.serde.rs");
    }
    pub mod log {
        include!("bench.log.rs");
        include!("bench.log.serde.rs");
    }
    pub mod maps {
        include!("bench.maps.rs");
        include!("bench.maps.serde.rs");
    }
    pub mod proto2 {
        include!("bench.proto2.rs");
        include!("bench.proto2.serde.rs");
    }
    pub mod proto3 {
        include!("bench.proto3.rs");
        include!("bench.proto3.serde.rs");
    }
    pub mod wkt {
        include!("bench.wkt.rs");
        include!("bench.wkt.serde.rs");
    }
}
