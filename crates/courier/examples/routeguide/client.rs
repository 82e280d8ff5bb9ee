//! The route guide client: `cargo run -p courier --example routeguide_client [-- --port 10000]`
//! (start `routeguide_server` first). Makes each of the four kinds of call once.

use courier::Channel;
use courier::rpc::iter;

mod pb {
    // Generated: every package of build.rs, of which this example uses a part.
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::routeguide::route_guide_rpc::RouteGuideClient;
use pb::routeguide::{Point, Rectangle, RouteNote};

fn point(lat: f64, lon: f64) -> Point {
    Point {
        latitude: (lat * 1e7).round() as i32,
        longitude: (lon * 1e7).round() as i32,
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = arg("--port").unwrap_or_else(|| "10000".into());
    let client = RouteGuideClient::new(Channel::lazy(format!("127.0.0.1:{port}")));

    // Unary.
    let feature = client
        .get_feature(point(41.3915, -73.9560))
        .await?
        .into_inner();
    println!("GetFeature: {:?} at {:?}", feature.name, feature.location);

    // Server streaming.
    let rect = Rectangle {
        lo: Some(point(41.0, -74.5)),
        hi: Some(point(41.3, -74.2)),
        ..Default::default()
    };
    let mut features = client.list_features(rect).await?.into_inner();
    let mut n = 0;
    while let Some(f) = features.message().await? {
        n += 1;
        if n <= 3 {
            println!("ListFeatures: {}", f.name);
        }
    }
    println!("ListFeatures: {n} features in the rectangle");

    // Client streaming.
    let route: Vec<Point> = (0..10)
        .map(|i| point(41.0 + f64::from(i) * 0.1, -74.5))
        .collect();
    let summary = client
        .record_route(courier::Request::new(iter(route)))
        .await?
        .into_inner();
    println!(
        "RecordRoute: {} points, {} features, {} m",
        summary.point_count, summary.feature_count, summary.distance
    );

    // Bidirectional streaming: notes at two places, each answered with the notes left there
    // before.
    let notes: Vec<RouteNote> = ["first", "second", "third", "fourth"]
        .iter()
        .enumerate()
        .map(|(i, m)| RouteNote {
            location: Some(point(41.0 + (i % 2) as f64, -74.0)),
            message: (*m).to_owned(),
            ..Default::default()
        })
        .collect();
    let mut replies = client
        .route_chat(courier::Request::new(iter(notes)))
        .await?
        .into_inner();
    while let Some(note) = replies.message().await? {
        println!("RouteChat: got {:?} at {:?}", note.message, note.location);
    }
    Ok(())
}

/// The value after `name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
