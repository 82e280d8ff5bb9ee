//! The public load-balancing API (`courier_rpc::lb`): a policy of our own registered by name
//! and chosen by a service config's `loadBalancingConfig` with its parsed config, a picker
//! that routes on the call's metadata, completion hooks, a parent policy composing
//! round_robin children with `ChildManager`, and a resolver's config selector (gRFC A31)
//! giving calls a method config and pick attributes.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "gen/courier.echo.rs"]
mod echo;
mod support {
    pub mod backend;
}

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier_rpc::lb::{
    self, Attributes, CallEnd, ChildManager, ConfigSelector, Endpoint, FailPicker, Helper,
    LbConfig, Pick, PickInfo, PickResult, Picker, Policy, PolicyBuilder, PolicyOptions,
    QueuePicker, ResolverUpdate, SelectedConfig, Subchannel, SubchannelState,
};
use courier_rpc::{
    Channel, Code, ConnectivityState, ManualResolver, Metadata, MethodConfig, MethodDescriptor,
    Request, ServiceConfig, Status,
};
use echo::EchoRequest;
use echo::echo_rpc::EchoClient;
use serde_json::Value;
use support::backend::Backend;

fn req(msg: &str, delay_ms: u32) -> EchoRequest {
    EchoRequest {
        message: msg.into(),
        delay_ms,
        ..Default::default()
    }
}

fn name_of(r: courier_rpc::Response<echo::EchoResponse>) -> String {
    r.into_inner().message.split(' ').next().unwrap().to_owned()
}

/// `by_header`: one subchannel per address; a call with metadata `x-backend: N` goes to
/// address N, one without to the config's `default` address. Counts completions by code.
struct ByHeader {
    default: usize,
    subs: Vec<(Subchannel, ConnectivityState)>,
    ended: Arc<Mutex<HashMap<Code, usize>>>,
}

struct ByHeaderConfig {
    default: usize,
}

struct ByHeaderBuilder {
    ended: Arc<Mutex<HashMap<Code, usize>>>,
}

impl PolicyBuilder for ByHeaderBuilder {
    fn name(&self) -> &'static str {
        "test_by_header"
    }

    fn parse_config(&self, config: &Value) -> Result<LbConfig, String> {
        let default = config
            .get("default")
            .and_then(Value::as_u64)
            .ok_or("test_by_header: default must be an integer")?;
        Ok(LbConfig::new(
            self.name(),
            ByHeaderConfig {
                default: default as usize,
            },
        ))
    }

    fn build(&self, _: PolicyOptions) -> Box<dyn Policy> {
        Box::new(ByHeader {
            default: 0,
            subs: Vec::new(),
            ended: Arc::clone(&self.ended),
        })
    }
}

struct ByHeaderPicker {
    subs: Vec<Option<Subchannel>>,
    default: usize,
    ended: Arc<Mutex<HashMap<Code, usize>>>,
}

impl Picker for ByHeaderPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        let i = info
            .metadata()
            .get("x-backend")
            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
            .unwrap_or(self.default);
        match self.subs.get(i) {
            Some(Some(s)) => {
                let ended = Arc::clone(&self.ended);
                PickResult::Pick(Pick::new(s.clone()).with_completion(move |end: CallEnd| {
                    if end.started {
                        *ended.lock().unwrap().entry(end.code).or_insert(0) += 1;
                    }
                }))
            }
            Some(None) => PickResult::Queue,
            None => PickResult::Drop(Status::new(Code::UNAVAILABLE, format!("no backend {i}"))),
        }
    }
}

impl ByHeader {
    fn publish(&self, helper: &mut dyn Helper) {
        let subs: Vec<Option<Subchannel>> = self
            .subs
            .iter()
            .map(|(s, st)| (*st == ConnectivityState::Ready).then(|| s.clone()))
            .collect();
        let state = if subs.iter().all(Option::is_some) {
            ConnectivityState::Ready
        } else {
            ConnectivityState::Connecting
        };
        helper.update_picker(
            state,
            Arc::new(ByHeaderPicker {
                subs,
                default: self.default,
                ended: Arc::clone(&self.ended),
            }),
        );
    }
}

impl Policy for ByHeader {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        config: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        self.default = config
            .and_then(|c| c.get::<ByHeaderConfig>())
            .map_or(0, |c| c.default);
        let list = update.endpoints.as_ref().map_err(Clone::clone)?;
        self.subs = list
            .iter()
            .map(|e| {
                let s = helper.new_subchannel(&e.address);
                s.connect();
                (s, ConnectivityState::Idle)
            })
            .collect();
        self.publish(helper);
        Ok(())
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        for (s, st) in &mut self.subs {
            if s == subchannel {
                *st = state.state;
                if state.state == ConnectivityState::Idle {
                    s.connect();
                }
            }
        }
        self.publish(helper);
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.publish(helper);
    }
}

fn ended() -> Arc<Mutex<HashMap<Code, usize>>> {
    static ENDED: std::sync::OnceLock<Arc<Mutex<HashMap<Code, usize>>>> =
        std::sync::OnceLock::new();
    let e = ENDED.get_or_init(|| {
        let e = Arc::new(Mutex::new(HashMap::new()));
        lb::register(Arc::new(ByHeaderBuilder {
            ended: Arc::clone(&e),
        }));
        e
    });
    Arc::clone(e)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_policy_is_chosen_by_the_service_config_and_picks_by_metadata() {
    let ended = ended();
    let bs = [
        Backend::start("zero", Duration::ZERO).await,
        Backend::start("one", Duration::ZERO).await,
        Backend::start("two", Duration::ZERO).await,
    ];
    let config = ServiceConfig::from_json(
        r#"{"loadBalancingConfig": [{"not_registered": {}}, {"test_by_header": {"default": 2}}]}"#,
    )
    .unwrap();
    assert_eq!(config.lb_config().unwrap().name(), "test_by_header");
    assert_eq!(config.load_balancing(), None);
    let ch = Channel::builder("test")
        .resolver(ManualResolver::new(bs.iter().map(|b| b.addr)))
        .service_config(config)
        .build();
    let c = EchoClient::new(ch.clone());
    // Without the header: the config's default.
    for _ in 0..3 {
        assert_eq!(name_of(c.unary(req("x", 0)).await.unwrap()), "two");
    }
    for (i, want) in ["zero", "one", "two"].iter().enumerate() {
        let mut r = Request::new(req("x", 0));
        r.metadata_mut().insert("x-backend", i.to_string()).unwrap();
        assert_eq!(name_of(c.unary(r).await.unwrap()), *want);
    }
    // No such backend: dropped, whatever the call's wait-for-ready.
    let mut r = Request::new(req("x", 0));
    r.metadata_mut().insert("x-backend", "7").unwrap();
    r.set_wait_for_ready(true);
    let s = c.unary(r).await.unwrap_err();
    assert_eq!((s.code(), s.message()), (Code::UNAVAILABLE, "no backend 7"));
    // A failing call reaches the completion hook with its code.
    let mut failing = req("x", 0);
    failing.fail_code = Code::RESOURCE_EXHAUSTED.0;
    failing.count = 1;
    assert_eq!(
        c.unary(failing).await.unwrap_err().code(),
        Code::RESOURCE_EXHAUSTED
    );
    let e = ended.lock().unwrap().clone();
    assert_eq!(e.get(&Code::OK), Some(&6), "{e:?}");
    assert_eq!(e.get(&Code::RESOURCE_EXHAUSTED), Some(&1), "{e:?}");
    assert_eq!(ch.state(), ConnectivityState::Ready);
}

#[test]
fn registry_parses_configs_and_rejects_bad_ones() {
    ended();
    let e = ServiceConfig::from_json(r#"{"loadBalancingConfig": [{"nope": {}}]}"#).unwrap_err();
    assert!(e.to_string().contains("no supported policy"), "{e}");
    assert!(e.to_string().contains("round_robin"), "{e}");
    // The first registered entry is chosen; its config error is the config's (gRFC A28:
    // no falling through to the next entry).
    let e = ServiceConfig::from_json(
        r#"{"loadBalancingConfig": [{"test_by_header": {"default": "x"}}, {"round_robin": {}}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("default must be an integer"), "{e}");
    let c = lb::parse_lb_config_list(&serde_json::json!([{"round_robin": {}}])).unwrap();
    assert_eq!(c.name(), "round_robin");
    assert!(lb::builder("pick_first").is_some());
}

/// `by_group`: a parent whose children are round_robin policies, one per `Group` attribute
/// value of the endpoints; calls go to the group the config selector put in their
/// attributes.
struct ByGroup {
    children: ChildManager<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Group(String);

struct ByGroupBuilder;

impl PolicyBuilder for ByGroupBuilder {
    fn name(&self) -> &'static str {
        "test_by_group"
    }

    fn build(&self, options: PolicyOptions) -> Box<dyn Policy> {
        Box::new(ByGroup {
            children: ChildManager::new(options.work),
        })
    }
}

struct ByGroupPicker {
    children: HashMap<String, Arc<dyn Picker>>,
}

impl Picker for ByGroupPicker {
    fn pick(&self, info: &PickInfo<'_>) -> PickResult {
        let Some(Group(g)) = info.attributes().get::<Group>() else {
            return PickResult::Drop(Status::internal("no group"));
        };
        match self.children.get(g) {
            Some(p) => p.pick(info),
            None => PickResult::Drop(Status::new(Code::UNAVAILABLE, format!("no group {g}"))),
        }
    }
}

impl ByGroup {
    fn publish(&mut self, helper: &mut dyn Helper) {
        let children = self
            .children
            .children()
            .map(|(k, _, p)| (k.clone(), Arc::clone(p)))
            .collect();
        helper.update_picker(
            self.children.aggregate_state(),
            Arc::new(ByGroupPicker { children }),
        );
    }
}

impl Policy for ByGroup {
    fn resolver_update(
        &mut self,
        update: &ResolverUpdate,
        _: Option<&LbConfig>,
        helper: &mut dyn Helper,
    ) -> Result<(), Status> {
        let list = update.endpoints.as_ref().map_err(Clone::clone)?;
        let mut groups: HashMap<String, Vec<Endpoint>> = HashMap::new();
        for e in list {
            let g = e.attributes.get::<Group>().expect("grouped").0.clone();
            groups.entry(g).or_default().push(e.clone());
        }
        let children = groups
            .into_iter()
            .map(|(g, eps)| {
                (
                    g,
                    LbConfig::new("round_robin", ()),
                    update.with_endpoints(eps),
                )
            })
            .collect();
        let r = self.children.update(children, helper);
        self.publish(helper);
        r
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: &SubchannelState,
        helper: &mut dyn Helper,
    ) {
        self.children.subchannel_update(subchannel, state, helper);
        if self.children.take_changed() {
            self.publish(helper);
        }
    }

    fn exit_idle(&mut self, helper: &mut dyn Helper) {
        self.children.exit_idle(helper);
        self.publish(helper);
    }

    fn work(&mut self, helper: &mut dyn Helper) {
        self.children.work(helper);
        if self.children.take_changed() {
            self.publish(helper);
        }
    }
}

/// Routes `.../Unary` calls with `x-group` metadata to that group, with a 100 ms timeout on
/// group `slow`; no `x-group`: the call fails with the selector's status.
struct GroupSelector {
    selected: AtomicUsize,
}

impl ConfigSelector for GroupSelector {
    fn select(
        &self,
        _method: &MethodDescriptor,
        metadata: &Metadata,
    ) -> Result<SelectedConfig, Status> {
        self.selected.fetch_add(1, Ordering::SeqCst);
        let g = metadata
            .get("x-group")
            .and_then(|v| std::str::from_utf8(v).ok())
            .ok_or_else(|| Status::new(Code::FAILED_PRECONDITION, "no route: x-group missing"))?
            .to_owned();
        let mc = (g == "slow")
            .then(|| Arc::new(MethodConfig::new().with_timeout(Duration::from_millis(100))));
        Ok(SelectedConfig::new(mc).with_attributes(Attributes::new().with(Group(g))))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_selector_chooses_each_calls_config_and_child_policy() {
    lb::register(Arc::new(ByGroupBuilder));
    let bs = [
        Backend::start("a0", Duration::ZERO).await,
        Backend::start("a1", Duration::ZERO).await,
        Backend::start("b0", Duration::ZERO).await,
        Backend::start("slow0", Duration::ZERO).await,
    ];
    let ep = |i: usize, g: &str| {
        Endpoint::new(bs[i].addr).with_attributes(Attributes::new().with(Group(g.into())))
    };
    let selector = Arc::new(GroupSelector {
        selected: AtomicUsize::new(0),
    });
    let update = ResolverUpdate::new(vec![ep(0, "a"), ep(1, "a"), ep(2, "b"), ep(3, "slow")])
        .with_service_config(ServiceConfig::with_load_balancing(LbConfig::new(
            "test_by_group",
            (),
        )))
        .with_config_selector(selector.clone());
    let resolver = ManualResolver::new(Vec::<std::net::SocketAddr>::new());
    resolver.set_update(update);
    let ch = Channel::builder("groups")
        .resolver(resolver.clone())
        .build();
    let c = EchoClient::new(ch.clone());
    let call = |g: &'static str, delay: u32| {
        let c = c.clone();
        async move {
            let mut r = Request::new(req("x", delay));
            r.metadata_mut().insert("x-group", g).unwrap();
            c.unary(r).await
        }
    };
    let mut seen = HashMap::new();
    for _ in 0..20 {
        *seen
            .entry(name_of(call("a", 0).await.unwrap()))
            .or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 2, "round_robin inside group a: {seen:?}");
    assert!(seen.keys().all(|k| k.starts_with('a')), "{seen:?}");
    assert_eq!(name_of(call("b", 0).await.unwrap()), "b0");
    // The selector's method config: a 100 ms timeout for group slow only.
    assert_eq!(name_of(call("slow", 0).await.unwrap()), "slow0");
    let s = call("slow", 500).await.unwrap_err();
    assert_eq!(s.code(), Code::DEADLINE_EXCEEDED);
    assert_eq!(name_of(call("b", 300).await.unwrap()), "b0");
    // The selector's error fails the call; an unknown group is the picker's drop.
    let s = c.unary(req("x", 0)).await.unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::FAILED_PRECONDITION, "no route: x-group missing")
    );
    let s = call("zzz", 0).await.unwrap_err();
    assert_eq!((s.code(), s.message()), (Code::UNAVAILABLE, "no group zzz"));
    assert!(selector.selected.load(Ordering::SeqCst) >= 26);
    // Group b leaves: its child (and its connection) goes; group a stays untouched.
    resolver.set_update(
        ResolverUpdate::new(vec![ep(0, "a"), ep(1, "a")])
            .with_service_config(ServiceConfig::with_load_balancing(LbConfig::new(
                "test_by_group",
                (),
            )))
            .with_config_selector(selector.clone()),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match call("b", 0).await {
            Err(s) if s.message() == "no group b" => break,
            _ => assert!(std::time::Instant::now() < deadline, "group b still routed"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(call("a", 0).await.is_ok());
    // Unused: the types a policy author may name.
    let _ = (FailPicker::new(Status::internal("x")), QueuePicker);
}
