//! `outlier_detection_experimental` (gRFC A50): counts each address's call successes and
//! failures through its child's picks, and every `interval` ejects the outliers (success rate
//! and failure percentage algorithms): an ejected address's subchannels look
//! TRANSIENT_FAILURE to the child, which stops picking them, until the ejection time is over.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use courier_rpc::lb::{
    ChildManager, Helper, LbConfig, PickInfo, PickResult, Picker, Policy, PolicyBuilder,
    PolicyOptions, QueuePicker, ResolverUpdate, Subchannel, SubchannelState, WeakSubchannel,
    WorkScheduler,
};
use courier_rpc::{Address, Code, ConnectivityState, Status};

use super::{AbortOnDrop, config_of, internal_only, random_below};
use crate::resource::cluster::OutlierDetection;

/// The config: the detection settings (`None`: no-op, calls are not even counted) and the
/// child.
#[derive(Clone, Debug)]
pub struct OutlierDetectionConfig {
    /// The settings.
    pub detection: Option<OutlierDetection>,
    /// The child policy.
    pub child: LbConfig,
}

/// The policy's name.
pub const NAME: &str = "outlier_detection_experimental";

pub(crate) struct OutlierDetectionBuilder;

impl PolicyBuilder for OutlierDetectionBuilder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse_config(&self, _: &serde_json::Value) -> Result<LbConfig, String> {
        Err(internal_only(NAME))
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(Od {
            work: options.work.clone(),
            child: ChildManager::new(options.work),
            detection: None,
            addrs: HashMap::new(),
            subs: HashMap::new(),
            timer: None,
            timer_start: None,
            fired: Arc::new(AtomicBool::new(false)),
        })
    }
}

/// gRFC A50's call counter: two buckets of (successes, failures); calls count in the active
/// one; each sweep swaps them.
#[derive(Debug, Default)]
pub(crate) struct CallCounter {
    buckets: [(AtomicU64, AtomicU64); 2],
    active: std::sync::atomic::AtomicUsize,
}

impl CallCounter {
    fn record(&self, ok: bool) {
        let b = &self.buckets[self.active.load(Ordering::Relaxed) & 1];
        if ok { &b.0 } else { &b.1 }.fetch_add(1, Ordering::Relaxed);
    }

    /// Swaps the buckets; the counts of the interval that ended.
    fn swap(&self) -> (u64, u64) {
        let old = self.active.fetch_add(1, Ordering::AcqRel) & 1;
        let new = &self.buckets[(old + 1) & 1];
        new.0.store(0, Ordering::Relaxed);
        new.1.store(0, Ordering::Relaxed);
        let b = &self.buckets[old];
        (b.0.load(Ordering::Relaxed), b.1.load(Ordering::Relaxed))
    }

    fn reset(&self) {
        for b in &self.buckets {
            b.0.store(0, Ordering::Relaxed);
            b.1.store(0, Ordering::Relaxed);
        }
    }
}

struct AddrEntry {
    counter: Arc<CallCounter>,
    ejected_at: Option<Instant>,
    multiplier: u32,
    /// The last interval's counts.
    last: (u64, u64),
}

struct SubEntry {
    address: Address,
    /// The subchannel's real state.
    state: SubchannelState,
    sub: WeakSubchannel,
}

struct Od {
    work: WorkScheduler,
    child: ChildManager<()>,
    detection: Option<OutlierDetection>,
    addrs: HashMap<Address, AddrEntry>,
    subs: HashMap<u64, SubEntry>,
    timer: Option<AbortOnDrop>,
    timer_start: Option<Instant>,
    fired: Arc<AtomicBool>,
}

/// The helper the child gets: records each subchannel's address.
struct OdHelper<'a> {
    inner: &'a mut dyn Helper,
    subs: &'a mut HashMap<u64, SubEntry>,
}

impl Helper for OdHelper<'_> {
    fn new_subchannel(&mut self, address: &Address) -> Subchannel {
        let sub = self.inner.new_subchannel(address);
        self.subs.insert(
            sub.id(),
            SubEntry {
                address: address.clone(),
                state: SubchannelState::new(ConnectivityState::Idle),
                sub: sub.downgrade(),
            },
        );
        sub
    }

    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>) {
        self.inner.update_picker(state, picker);
    }

    fn request_resolution(&mut self) {
        self.inner.request_resolution();
    }
}

struct OdPicker {
    child: Arc<dyn Picker>,
    counters: Option<Arc<HashMap<Address, Arc<CallCounter>>>>,
}

impl Picker for OdPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        match self.child.pick(info) {
            PickResult::Pick(p) => {
                let counter = self
                    .counters
                    .as_ref()
                    .and_then(|c| c.get(p.subchannel.address()))
                    .cloned();
                match counter {
                    Some(c) => PickResult::Pick(p.with_completion(move |end| {
                        if end.started {
                            c.record(end.code == Code::OK);
                        }
                    })),
                    None => PickResult::Pick(p),
                }
            }
            other => other,
        }
    }
}

impl Od {
    fn enabled(&self) -> bool {
        self.detection
            .as_ref()
            .is_some_and(|d| d.success_rate.is_some() || d.failure_percentage.is_some())
    }

    fn ejected(&self, a: &Address) -> bool {
        self.addrs.get(a).is_some_and(|e| e.ejected_at.is_some())
    }

    fn publish(&mut self, helper: &mut dyn Helper) {
        let Some((state, picker)) = self.child.child(&()) else {
            helper.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
            return;
        };
        let counters = self.enabled().then(|| {
            Arc::new(
                self.addrs
                    .iter()
                    .map(|(a, e)| (a.clone(), Arc::clone(&e.counter)))
                    .collect(),
            )
        });
        helper.update_picker(
            state,
            Arc::new(OdPicker {
                child: Arc::clone(picker),
                counters,
            }),
        );
    }

    /// Tells the child the state its subchannels of `address` should look to be in.
    fn reflect(&mut self, address: &Address, helper: &mut dyn Helper) {
        let ejected = self.ejected(address);
        let subs: Vec<(Subchannel, SubchannelState)> = self
            .subs
            .values()
            .filter(|s| s.address == *address)
            .filter_map(|s| s.sub.upgrade().map(|sub| (sub, s.state.clone())))
            .collect();
        for (sub, real) in subs {
            let seen = if ejected {
                SubchannelState::failure(Status::new(
                    Code::UNAVAILABLE,
                    format!("{address} ejected by outlier detection"),
                ))
            } else {
                real
            };
            let mut h = OdHelper {
                inner: &mut *helper,
                subs: &mut self.subs,
            };
            self.child.subchannel_update(&sub, &seen, &mut h);
        }
    }

    fn start_timer(&mut self, delay: Duration, interval: Duration) {
        let (fired, work) = (Arc::clone(&self.fired), self.work.clone());
        self.timer = Some(AbortOnDrop(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            loop {
                fired.store(true, Ordering::Release);
                work.schedule();
                tokio::time::sleep(interval).await;
            }
        })));
    }

    /// One ejection sweep (gRFC A50, "Outlier Detection Behavior").
    fn sweep(&mut self, helper: &mut dyn Helper) {
        let Some(d) = self.detection.clone() else {
            return;
        };
        let now = Instant::now();
        self.timer_start = Some(now);
        for e in self.addrs.values_mut() {
            e.last = e.counter.swap();
        }
        let total = self.addrs.len();
        let mut to_eject: Vec<Address> = Vec::new();
        let ejected_count = |addrs: &HashMap<Address, AddrEntry>, extra: usize| {
            addrs.values().filter(|e| e.ejected_at.is_some()).count() + extra
        };
        let max_pct = u64::from(d.max_ejection_percent);
        // "If the percentage of ejected addresses is greater than or equal to
        // max_ejection_percent, stop" — but at least one address may be ejected.
        let may_eject =
            |n: usize| total > 0 && ((n as u64) * 100 < max_pct * total as u64 || n == 0);
        if let Some((stdev_factor, enforce, min_hosts, volume)) = d.success_rate {
            let rates: Vec<(Address, f64)> = self
                .addrs
                .iter()
                .filter(|(_, e)| e.last.0 + e.last.1 >= u64::from(volume))
                .map(|(a, e)| (a.clone(), e.last.0 as f64 / (e.last.0 + e.last.1) as f64))
                .collect();
            if rates.len() >= min_hosts as usize && !rates.is_empty() {
                let mean = rates.iter().map(|(_, r)| r).sum::<f64>() / rates.len() as f64;
                let var =
                    rates.iter().map(|(_, r)| (r - mean).powi(2)).sum::<f64>() / rates.len() as f64;
                let threshold = mean - var.sqrt() * (f64::from(stdev_factor) / 1000.0);
                for (a, r) in rates {
                    if !may_eject(ejected_count(&self.addrs, to_eject.len())) {
                        break;
                    }
                    if r < threshold
                        && random_below(100) < u64::from(enforce)
                        && !self.ejected(&a)
                        && !to_eject.contains(&a)
                    {
                        to_eject.push(a);
                    }
                }
            }
        }
        if let Some((threshold, enforce, min_hosts, volume)) = d.failure_percentage {
            let qualified: Vec<(Address, f64)> = self
                .addrs
                .iter()
                .filter(|(_, e)| e.last.0 + e.last.1 >= u64::from(volume))
                .map(|(a, e)| {
                    (
                        a.clone(),
                        100.0 * e.last.1 as f64 / (e.last.0 + e.last.1) as f64,
                    )
                })
                .collect();
            if qualified.len() >= min_hosts as usize {
                for (a, pct) in qualified {
                    if !may_eject(ejected_count(&self.addrs, to_eject.len())) {
                        break;
                    }
                    if pct > f64::from(threshold)
                        && random_below(100) < u64::from(enforce)
                        && !self.ejected(&a)
                        && !to_eject.contains(&a)
                    {
                        to_eject.push(a);
                    }
                }
            }
        }
        let mut changed = Vec::new();
        for a in to_eject {
            if let Some(e) = self.addrs.get_mut(&a) {
                e.ejected_at = Some(now);
                e.multiplier += 1;
                tracing::info!(address = %a, "outlier detection: ejected");
                changed.push(a);
            }
        }
        for (a, e) in self.addrs.iter_mut() {
            match e.ejected_at {
                None if e.multiplier > 0 => e.multiplier -= 1,
                Some(at) => {
                    let t = d.base_ejection_time.saturating_mul(e.multiplier);
                    if now >= at + t.min(d.max_ejection_time.max(d.base_ejection_time)) {
                        e.ejected_at = None;
                        tracing::info!(address = %a, "outlier detection: returned");
                        changed.push(a.clone());
                    }
                }
                None => {}
            }
        }
        for a in changed {
            self.reflect(&a, helper);
        }
    }
}

impl Policy for Od {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let cfg: &OutlierDetectionConfig = config_of(config, NAME)?;
        self.detection = cfg.detection.clone();
        // A50: one map entry per address of the update.
        let list = update.endpoints.as_deref().unwrap_or(&[]);
        let addrs: Vec<Address> = list.iter().map(|e| e.address.clone()).collect();
        self.addrs.retain(|a, _| addrs.contains(a));
        for a in addrs {
            self.addrs.entry(a).or_insert_with(|| AddrEntry {
                counter: Arc::new(CallCounter::default()),
                ejected_at: None,
                multiplier: 0,
                last: (0, 0),
            });
        }
        if let Some(d) = self.detection.clone().filter(|_| self.enabled()) {
            match self.timer_start {
                None => {
                    self.timer_start = Some(Instant::now());
                    for e in self.addrs.values() {
                        e.counter.reset();
                    }
                    self.start_timer(d.interval, d.interval);
                }
                Some(start) => {
                    let delay = d.interval.saturating_sub(start.elapsed());
                    self.start_timer(delay, d.interval);
                }
            }
        } else {
            // A50: no algorithm configured: no timer, nothing ejected.
            self.timer = None;
            self.timer_start = None;
            let ejected: Vec<Address> = self
                .addrs
                .iter_mut()
                .filter_map(|(a, e)| {
                    e.multiplier = 0;
                    e.ejected_at.take().map(|_| a.clone())
                })
                .collect();
            for a in ejected {
                self.reflect(&a, helper);
            }
        }
        self.subs.retain(|_, s| s.sub.is_alive());
        let r = {
            let mut h = OdHelper {
                inner: &mut *helper,
                subs: &mut self.subs,
            };
            self.child
                .update(vec![((), cfg.child.clone(), update.clone())], &mut h)
        };
        self.publish(helper);
        r
    }

    fn subchannel_update(
        &mut self,
        sub: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        let address = match self.subs.get_mut(&sub.id()) {
            Some(s) => {
                s.state = state.clone();
                Some(s.address.clone())
            }
            None => None,
        };
        // An ejected address's subchannels stay TRANSIENT_FAILURE to the child.
        let seen = match &address {
            Some(a) if self.ejected(a) => return,
            _ => state.clone(),
        };
        {
            let mut h = OdHelper {
                inner: &mut *helper,
                subs: &mut self.subs,
            };
            self.child.subchannel_update(sub, &seen, &mut h);
        }
        if self.child.take_changed() {
            self.publish(helper);
        }
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        {
            let mut h = OdHelper {
                inner: &mut *helper,
                subs: &mut self.subs,
            };
            self.child.exit_idle(&mut h);
        }
        self.publish(helper);
    }

    fn work(&mut self, helper: &mut dyn Helper) {
        if self.fired.swap(false, Ordering::AcqRel) {
            self.sweep(helper);
        }
        {
            let mut h = OdHelper {
                inner: &mut *helper,
                subs: &mut self.subs,
            };
            self.child.work(&mut h);
        }
        self.child.take_changed();
        self.publish(helper);
    }
}
