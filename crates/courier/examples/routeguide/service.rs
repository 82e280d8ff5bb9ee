//! The route guide service, shared by the `routeguide_server` example and `courier demo`:
//! a small map of named features and the four calls of `routeguide.RouteGuide`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use courier::rpc::{BoxStream, receiver_stream};
use courier::{Request, Response, Status, Streaming};
use tokio::sync::mpsc;

use super::pb::routeguide::route_guide_rpc::RouteGuide;
use super::pb::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};

/// A point from degrees.
pub(crate) fn point(lat: f64, lon: f64) -> Point {
    Point {
        latitude: (lat * 1e7).round() as i32,
        longitude: (lon * 1e7).round() as i32,
        ..Default::default()
    }
}

/// The map: a few landmarks along the Hudson valley and a grid of numbered markers, so that
/// rectangles and routes find something.
pub(crate) fn features() -> Vec<Feature> {
    let named = [
        ("Bear Mountain Bridge", 41.3200, -73.9853),
        ("West Point", 41.3915, -73.9560),
        ("Storm King Art Center", 41.4257, -74.0597),
        ("Breakneck Ridge", 41.4440, -73.9780),
        ("Walkway Over the Hudson", 41.7115, -73.9440),
        ("Mohonk Preserve", 41.7737, -74.1520),
    ];
    let mut all: Vec<Feature> = named
        .iter()
        .map(|&(name, lat, lon)| Feature {
            name: name.to_owned(),
            location: Some(point(lat, lon)),
            ..Default::default()
        })
        .collect();
    for i in 0..10 {
        for j in 0..10 {
            all.push(Feature {
                name: format!("Marker {i}-{j}"),
                location: Some(point(41.0 + f64::from(i) * 0.1, -74.5 + f64::from(j) * 0.1)),
                ..Default::default()
            });
        }
    }
    all
}

/// Great-circle distance in metres (haversine formula).
pub(crate) fn distance(a: &Point, b: &Point) -> f64 {
    const R: f64 = 6_371_000.0;
    let rad = |e7: i32| f64::from(e7) / 1e7 * std::f64::consts::PI / 180.0;
    let (lat1, lat2) = (rad(a.latitude), rad(b.latitude));
    let dlat = lat2 - lat1;
    let dlon = rad(b.longitude) - rad(a.longitude);
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().atan2((1.0 - h).sqrt())
}

fn inside(r: &Rectangle, p: &Point) -> bool {
    let (lo, hi) = (
        r.lo.clone().unwrap_or_default(),
        r.hi.clone().unwrap_or_default(),
    );
    let (lat_lo, lat_hi) = (lo.latitude.min(hi.latitude), lo.latitude.max(hi.latitude));
    let (lon_lo, lon_hi) = (
        lo.longitude.min(hi.longitude),
        lo.longitude.max(hi.longitude),
    );
    (lat_lo..=lat_hi).contains(&p.latitude) && (lon_lo..=lon_hi).contains(&p.longitude)
}

/// Notes left at each point (latitude, longitude), shared by every caller.
type Notes = Arc<Mutex<HashMap<(i32, i32), Vec<RouteNote>>>>;

/// `routeguide.RouteGuide` over [`features`]; route notes are shared by every caller.
#[derive(Clone)]
pub(crate) struct RouteGuideService {
    features: Arc<Vec<Feature>>,
    notes: Notes,
}

impl Default for RouteGuideService {
    fn default() -> Self {
        RouteGuideService {
            features: Arc::new(features()),
            notes: Arc::default(),
        }
    }
}

impl RouteGuide for RouteGuideService {
    async fn get_feature(&self, request: Request<Point>) -> Result<Response<Feature>, Status> {
        let p = request.into_inner();
        let found = self
            .features
            .iter()
            .find(|f| f.location.as_ref() == Some(&p))
            .cloned();
        Ok(Response::new(found.unwrap_or(Feature {
            location: Some(p),
            ..Default::default()
        })))
    }

    async fn list_features(
        &self,
        request: Request<Rectangle>,
    ) -> Result<Response<BoxStream<Result<Feature, Status>>>, Status> {
        let rect = request.into_inner();
        let features = self.features.clone();
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            for f in features.iter() {
                if f.location.as_ref().is_some_and(|p| inside(&rect, p))
                    && tx.send(Ok(f.clone())).await.is_err()
                {
                    return; // The client went away.
                }
            }
        });
        Ok(Response::new(Box::pin(receiver_stream(rx)) as BoxStream<_>))
    }

    async fn record_route(
        &self,
        request: Request<Streaming<Point>>,
    ) -> Result<Response<RouteSummary>, Status> {
        let mut points = request.into_inner();
        let start = Instant::now();
        let mut summary = RouteSummary::default();
        let mut last: Option<Point> = None;
        let mut metres = 0.0;
        while let Some(p) = points.message().await? {
            summary.point_count += 1;
            if self
                .features
                .iter()
                .any(|f| f.location.as_ref() == Some(&p))
            {
                summary.feature_count += 1;
            }
            if let Some(prev) = &last {
                metres += distance(prev, &p);
            }
            last = Some(p);
        }
        summary.distance = metres.round() as i32;
        summary.elapsed_time = start.elapsed().as_secs() as i32;
        Ok(Response::new(summary))
    }

    async fn route_chat(
        &self,
        request: Request<Streaming<RouteNote>>,
    ) -> Result<Response<BoxStream<Result<RouteNote, Status>>>, Status> {
        let mut incoming = request.into_inner();
        let notes = self.notes.clone();
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                let note = match incoming.message().await {
                    Ok(Some(note)) => note,
                    Ok(None) => return,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                };
                let at = note.location.clone().unwrap_or_default();
                let earlier = {
                    let mut map = notes.lock().unwrap_or_else(|e| e.into_inner());
                    let here = map.entry((at.latitude, at.longitude)).or_default();
                    let earlier = here.clone();
                    here.push(note);
                    earlier
                };
                for n in earlier {
                    if tx.send(Ok(n)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(receiver_stream(rx)) as BoxStream<_>))
    }
}
