//! Services: replicas and their workers, the bounded request queue
//! (admission, or 503 when full), handing a freed worker to the next in
//! line, the busy-time integrals behind utilisation, and a service going
//! down, up or being scaled.
//!
//! [`Services`] owns every service's running state and decides, from that
//! alone, where a request goes ([`Services::admit`]) and who takes a freed
//! worker ([`Services::free_slot`]); it keeps each service's counters and
//! time integrals in its [`ServiceMetrics`], passed in. What crosses parts —
//! the handler that starts, its service time drawn from the generator, the
//! 503 answer, the broker resuming deliveries — is the `impl World` block at
//! the end.

use std::collections::VecDeque;

use super::handlers::{Origin, Phase};
use super::network::CallResult;
use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::metrics::ServiceMetrics;
use crate::model::*;
use crate::rng::SimRng;
use crate::scenario::{Balancer, ScaleIn};
use crate::time::SimTime;
use crate::trace::{Reason, TraceKind};

/// Entries kept in a notification service's outbox.
const OUTBOX_LEN: usize = 32;

/// A replica of a service.
#[derive(Clone, Debug, Default)]
struct Replica {
    busy: u32,
    /// Deliveries prefetched to this replica, waiting for a worker.
    buffer: VecDeque<ActKey>,
}

/// One service's running state.
#[derive(Clone, Debug)]
pub(super) struct ServiceState {
    up: bool,
    latency_factor: f64,
    error_rate: f64,
    drop_rate: f64,
    /// Workers per replica and room in the request queue (from the model).
    concurrency: u32,
    queue_capacity: u32,
    /// Replicas taking new work; those beyond finish what they have.
    active_replicas: u32,
    /// How new requests reach the replicas (see [`Balancer`]).
    balancer: Balancer,
    /// The replica a round-robin balancer sends the next request to.
    next_in_turn: u32,
    replicas: IdVec<ReplicaId, Replica>,
    /// Requests waiting for any worker.
    inbox: VecDeque<ActKey>,
    /// Sums over the replicas: busy workers, prefetched deliveries.
    busy: u32,
    buffered: u32,
    /// Since when `busy` and the queues are as they are (the integrals run
    /// up to here).
    last_change: SimTime,
    /// The last notifications sent: `(time, order)`.
    outbox: VecDeque<(SimTime, OrderId)>,
}

/// A service as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceView {
    pub up: bool,
    pub replicas: u32,
    pub concurrency: u32,
    pub busy: u32,
    /// Requests waiting for a worker (including prefetched deliveries).
    pub queued: u32,
    pub latency_factor: f64,
    pub error_rate: f64,
    pub drop_rate: f64,
}

/// Where an arriving request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// A worker of this replica is free: start now.
    Start(ReplicaId),
    /// Waits for a worker: in its replica's prefetch buffer (a delivery) or
    /// in the service's request queue.
    Queued,
    /// The request queue is full: 503.
    Refused,
}

impl ServiceState {
    fn new(s: &ServiceModel) -> ServiceState {
        ServiceState {
            up: true,
            latency_factor: 1.0,
            error_rate: s.error_rate,
            drop_rate: 0.0,
            concurrency: s.concurrency,
            queue_capacity: s.queue_capacity,
            active_replicas: s.replicas,
            balancer: s.balancer,
            next_in_turn: 0,
            replicas: vec![Replica::default(); s.replicas as usize].into(),
            inbox: VecDeque::new(),
            busy: 0,
            buffered: 0,
            last_change: SimTime::ZERO,
            outbox: VecDeque::new(),
        }
    }

    /// Busy workers over all replicas.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting for a worker, prefetched deliveries included.
    pub fn queued(&self) -> u32 {
        self.inbox.len() as u32 + self.buffered
    }

    /// The least busy of the active replicas with a worker free, the lowest
    /// on a tie.
    fn free_replica(&self) -> Option<ReplicaId> {
        self.replicas
            .iter_enumerated()
            .take(self.active_replicas as usize)
            .filter(|(_, r)| r.busy < self.concurrency)
            .min_by_key(|(i, r)| (r.busy, *i))
            .map(|(i, _)| i)
    }

    /// Replicas that cost money now: the active ones, and scaled-in ones
    /// still finishing their work.
    fn running_replicas(&self) -> u32 {
        let draining = self
            .replicas
            .iter()
            .skip(self.active_replicas as usize)
            .filter(|r| r.busy > 0 || !r.buffer.is_empty())
            .count() as u32;
        self.active_replicas + draining
    }

    /// Adds the time since the last change to the integrals in `sm`.
    #[inline]
    fn integrate(&mut self, now: SimTime, sm: &mut ServiceMetrics) {
        let dt = u128::from(now.since(self.last_change));
        if dt > 0 {
            sm.busy_area += u128::from(self.busy) * dt;
            sm.system_area += u128::from(self.busy + self.queued()) * dt;
            sm.replica_area += u128::from(self.running_replicas()) * dt;
            self.last_change = now;
        }
    }

    /// The worker counts agree with the replicas, and the request queue is
    /// within its capacity.
    fn check(&self) -> Result<(), &'static str> {
        let busy: u32 = self.replicas.iter().map(|r| r.busy).sum();
        let buffered: u32 = self.replicas.iter().map(|r| r.buffer.len() as u32).sum();
        if busy != self.busy || buffered != self.buffered {
            return Err("worker counts disagree");
        }
        if self.inbox.len() > self.queue_capacity as usize {
            return Err("request queue over capacity");
        }
        Ok(())
    }
}

/// Every service's running state, by service.
#[derive(Clone, Debug)]
pub(super) struct Services {
    list: IdVec<ServiceId, ServiceState>,
}

impl Services {
    pub fn new(models: &IdVec<ServiceId, ServiceModel>) -> Services {
        Services {
            list: models.iter().map(ServiceState::new).collect(),
        }
    }

    /// Every service's state, in service order.
    pub fn iter(&self) -> impl Iterator<Item = &ServiceState> {
        self.list.iter()
    }

    // ----- what the other parts read -----

    pub fn is_up(&self, s: ServiceId) -> bool {
        self.list[s].up
    }

    pub fn latency_factor(&self, s: ServiceId) -> f64 {
        self.list[s].latency_factor
    }

    pub fn error_rate(&self, s: ServiceId) -> f64 {
        self.list[s].error_rate
    }

    pub fn drop_rate(&self, s: ServiceId) -> f64 {
        self.list[s].drop_rate
    }

    /// Replicas taking new work, and replicas in all (draining ones too).
    pub fn replica_counts(&self, s: ServiceId) -> (usize, usize) {
        let st = &self.list[s];
        (st.active_replicas as usize, st.replicas.len())
    }

    /// Service `s` as seen from outside.
    pub fn view(&self, s: ServiceId) -> ServiceView {
        let st = &self.list[s];
        ServiceView {
            up: st.up,
            replicas: st.active_replicas,
            concurrency: st.concurrency,
            busy: st.busy,
            queued: st.queued(),
            latency_factor: st.latency_factor,
            error_rate: st.error_rate,
            drop_rate: st.drop_rate,
        }
    }

    /// Per replica of `s`: busy workers and prefetched deliveries.
    pub fn replica_loads(&self, s: ServiceId) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.list[s]
            .replicas
            .iter()
            .map(|r| (r.busy, r.buffer.len() as u32))
    }

    /// The last notifications `s` sent: `(time, order)`.
    pub fn outbox(&self, s: ServiceId) -> impl Iterator<Item = &(SimTime, OrderId)> {
        self.list[s].outbox.iter()
    }

    /// The busy and in-system integrals of `sm` carried forward to `now`
    /// (the state has not changed since the last change).
    pub fn areas_at(&self, s: ServiceId, now: SimTime, sm: &ServiceMetrics) -> (u128, u128) {
        let st = &self.list[s];
        let dt = u128::from(now.since(st.last_change));
        (
            sm.busy_area + u128::from(st.busy) * dt,
            sm.system_area + u128::from(st.busy + st.queued()) * dt,
        )
    }

    /// The replica-time integral of `sm` carried forward to `now`.
    pub fn replica_area_at(&self, s: ServiceId, now: SimTime, sm: &ServiceMetrics) -> u128 {
        let st = &self.list[s];
        let dt = u128::from(now.since(st.last_change));
        sm.replica_area + u128::from(st.running_replicas()) * dt
    }

    /// The worker counts of every service agree with its replicas, and no
    /// request queue is over its capacity; the error names the service.
    pub fn check(&self, models: &IdVec<ServiceId, ServiceModel>) -> Result<(), String> {
        for (s, st) in self.list.iter_enumerated() {
            st.check()
                .map_err(|e| format!("service {} {e}", models[s].id))?;
        }
        Ok(())
    }

    // ----- changes -----

    pub fn set_latency_factor(&mut self, s: ServiceId, factor: f64) {
        self.list[s].latency_factor = factor;
    }

    pub fn set_error_rate(&mut self, s: ServiceId, rate: f64) {
        self.list[s].error_rate = rate;
    }

    pub fn set_drop_rate(&mut self, s: ServiceId, rate: f64) {
        self.list[s].drop_rate = rate;
    }

    /// Keeps a notification `s` sent in its outbox (the last few).
    pub fn record_notification(&mut self, s: ServiceId, now: SimTime, order: OrderId) {
        let outbox = &mut self.list[s].outbox;
        if outbox.len() >= OUTBOX_LEN {
            outbox.pop_front();
        }
        outbox.push_back((now, order));
    }

    /// Where request `a` goes in `s`: a delivery prefetched to `replica`
    /// starts there or waits in that replica's buffer; anything else takes
    /// the least busy free worker, or waits in the request queue, or is
    /// refused when that is full (counted in `sm`). A request that is to
    /// start does not hold its worker yet: [`Services::occupy`] does that.
    pub fn admit(
        &mut self,
        s: ServiceId,
        a: ActKey,
        replica: Option<ReplicaId>,
        now: SimTime,
        sm: &mut ServiceMetrics,
    ) -> Admission {
        let st = &mut self.list[s];
        st.integrate(now, sm);
        if let Some(r) = replica
            && let Some(rep) = st.replicas.get_mut(r)
        {
            if rep.busy < st.concurrency {
                return Admission::Start(r);
            }
            rep.buffer.push_back(a);
            st.buffered += 1;
            return Admission::Queued;
        }
        if let Some(r) = st.free_replica() {
            return Admission::Start(r);
        }
        if st.inbox.len() < st.queue_capacity as usize {
            st.inbox.push_back(a);
            sm.max_queued = sm.max_queued.max(st.queued());
            return Admission::Queued;
        }
        sm.rejected += 1;
        Admission::Refused
    }

    /// The replica of `s` its balancer sends a new request to, or `None`
    /// for a pool (any free worker, else the shared queue). Draws from
    /// `rng` only for the random balancers.
    pub fn pick_replica(&mut self, s: ServiceId, rng: &mut SimRng) -> Option<ReplicaId> {
        let st = &mut self.list[s];
        let n = st.active_replicas.max(1);
        let outstanding = |st: &ServiceState, i: u32| {
            let r = &st.replicas[ReplicaId::new(i as u16)];
            r.busy + r.buffer.len() as u32
        };
        let i = match st.balancer {
            Balancer::Pool => return None,
            Balancer::RoundRobin => {
                let i = st.next_in_turn % n;
                st.next_in_turn = (i + 1) % n;
                i
            }
            Balancer::Random => rng.range_inclusive(0, u64::from(n) - 1) as u32,
            Balancer::LeastOutstanding => {
                (0..n).min_by_key(|&i| (outstanding(st, i), i)).unwrap_or(0)
            }
            Balancer::PowerOfTwo => {
                let a = rng.range_inclusive(0, u64::from(n) - 1) as u32;
                if n < 2 {
                    a
                } else {
                    // A second, different replica.
                    let b = (a + 1 + rng.range_inclusive(0, u64::from(n) - 2) as u32) % n;
                    if (outstanding(st, b), b) < (outstanding(st, a), a) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        Some(ReplicaId::new(i as u16))
    }

    /// A new request `a` sent by the balancer to replica `r` of `s`: it
    /// starts if a worker there is free, else waits in that replica's own
    /// queue, or is refused when that queue holds `queue_capacity`.
    pub fn admit_to(
        &mut self,
        s: ServiceId,
        a: ActKey,
        r: ReplicaId,
        now: SimTime,
        sm: &mut ServiceMetrics,
    ) -> Admission {
        let st = &mut self.list[s];
        st.integrate(now, sm);
        let rep = &mut st.replicas[r];
        if rep.busy < st.concurrency {
            return Admission::Start(r);
        }
        if rep.buffer.len() < st.queue_capacity as usize {
            rep.buffer.push_back(a);
            st.buffered += 1;
            sm.max_queued = sm.max_queued.max(st.queued());
            return Admission::Queued;
        }
        sm.rejected += 1;
        Admission::Refused
    }

    /// A worker of replica `r` of `s` takes up a request that waited
    /// `wait_us` (counted in `sm`). Returns the service's latency factor.
    pub fn occupy(
        &mut self,
        s: ServiceId,
        r: ReplicaId,
        wait_us: u64,
        sm: &mut ServiceMetrics,
    ) -> f64 {
        let st = &mut self.list[s];
        st.replicas[r].busy += 1;
        st.busy += 1;
        if sm.replica_started.len() <= r.index() {
            sm.replica_started.resize(r.index() + 1, 0);
        }
        sm.replica_started[r] += 1;
        sm.queue_wait.record_us(wait_us);
        sm.wait_sum_us += u128::from(wait_us);
        sm.wait_count += 1;
        st.latency_factor
    }

    /// A worker of replica `r` of `s` is free. Returns the request it takes
    /// up next, if any: a delivery prefetched to that replica first, else the
    /// head of the request queue, unless the replica is draining after a
    /// scale-in. The caller starts it with [`Services::occupy`].
    pub fn free_slot(
        &mut self,
        s: ServiceId,
        r: ReplicaId,
        now: SimTime,
        sm: &mut ServiceMetrics,
    ) -> Option<ActKey> {
        let st = &mut self.list[s];
        st.integrate(now, sm);
        st.replicas[r].busy -= 1;
        st.busy -= 1;
        if let Some(n) = st.replicas[r].buffer.pop_front() {
            st.buffered -= 1;
            Some(n)
        } else if r.index() < st.active_replicas as usize {
            st.inbox.pop_front()
        } else {
            None
        }
    }

    /// Takes `s` down or brings it up; false if it already was. Down, its
    /// queues empty and its workers stop (the handlers themselves are the
    /// caller's to drop).
    pub fn set_up(
        &mut self,
        s: ServiceId,
        up: bool,
        now: SimTime,
        sm: &mut ServiceMetrics,
    ) -> bool {
        let st = &mut self.list[s];
        if st.up == up {
            return false;
        }
        st.integrate(now, sm);
        st.up = up;
        if !up {
            st.inbox.clear();
            for r in &mut st.replicas {
                r.buffer.clear();
                r.busy = 0;
            }
            st.busy = 0;
            st.buffered = 0;
        }
        true
    }

    /// `n` replicas of `s` take new work from now on; more are added if it
    /// had fewer. Those beyond `n` finish what they hold.
    pub fn scale(&mut self, s: ServiceId, n: u32, now: SimTime, sm: &mut ServiceMetrics) {
        let st = &mut self.list[s];
        st.integrate(now, sm);
        st.active_replicas = n;
        if st.replicas.len() < n as usize {
            st.replicas.resize(n as usize, Replica::default());
        }
    }

    /// Takes the requests waiting on replicas of `s` that no longer take
    /// new work, those `movable` says may leave (the rest drain there).
    pub fn take_stranded(&mut self, s: ServiceId, movable: impl Fn(ActKey) -> bool) -> Vec<ActKey> {
        let st = &mut self.list[s];
        let mut out = Vec::new();
        for r in st.replicas.iter_mut().skip(st.active_replicas as usize) {
            let (go, stay): (VecDeque<ActKey>, VecDeque<ActKey>) =
                r.buffer.drain(..).partition(|&a| movable(a));
            r.buffer = stay;
            out.extend(go);
        }
        st.buffered -= out.len() as u32;
        out
    }

    /// The head of `s`'s request queue and the worker that can take it,
    /// if one is free (after a scale-out). The caller starts it with
    /// [`Services::occupy`].
    pub fn take_queued(&mut self, s: ServiceId) -> Option<(ActKey, ReplicaId)> {
        let st = &mut self.list[s];
        if st.inbox.is_empty() {
            return None;
        }
        let r = st.free_replica()?;
        Some((st.inbox.pop_front()?, r))
    }
}

impl World {
    /// Gives the handler a worker, or queues it, or refuses it (503).
    pub(super) fn admit(&mut self, m: &Model, a: ActKey, replica: Option<ReplicaId>) {
        let s = self.acts[a].service;
        // A new request (not a delivery prefetched to a replica) goes
        // where the service's balancer sends it.
        let balanced = match replica {
            None => self.services.pick_replica(s, &mut self.rng),
            Some(_) => None,
        };
        let sm = &mut self.metrics.services[s];
        let admission = match balanced {
            Some(r) => self.services.admit_to(s, a, r, self.now, sm),
            None => self.services.admit(s, a, replica, self.now, sm),
        };
        match admission {
            Admission::Start(r) => self.start_work(m, a, r),
            Admission::Queued => self.acts[a].phase = Phase::Queued,
            Admission::Refused => self.finish(m, a, CallResult::Err(Reason::Overloaded)),
        }
    }

    /// A worker of replica `r` takes up the handler: its service time starts.
    pub(super) fn start_work(&mut self, m: &Model, a: ActKey, r: ReplicaId) {
        let act = &mut self.acts[a];
        let s = act.service;
        act.slot = Some(r);
        act.phase = Phase::Working;
        let wait = self.now.since(act.arrived_at);
        let (o, handler) = (act.order, act.handler);
        let factor = self
            .services
            .occupy(s, r, wait, &mut self.metrics.services[s]);
        let h = &m.handlers[handler];
        let dist = h.latency.as_ref().unwrap_or(&m.services[s].latency);
        let us = dist.sample_us(&mut self.rng, factor);
        self.after(us, Event::WorkDone(a));
        if self.tracing() {
            let order = self.order_id(o);
            let kind = TraceKind::Started {
                order,
                service: s,
                handler,
                replica: r,
                waited_us: wait,
            };
            self.trace(m, kind);
        }
    }

    /// Frees the handler's worker and gives it to the next in line.
    pub(super) fn release_slot(&mut self, m: &Model, a: ActKey) {
        let act = &mut self.acts[a];
        let Some(r) = act.slot.take() else {
            return;
        };
        let s = act.service;
        let sm = &mut self.metrics.services[s];
        if let Some(next) = self.services.free_slot(s, r, self.now, sm) {
            self.start_work(m, next, r);
        }
    }

    pub(super) fn set_up(&mut self, m: &Model, s: ServiceId, up: bool) {
        let sm = &mut self.metrics.services[s];
        if !self.services.set_up(s, up, self.now, sm) {
            return;
        }
        self.trace(m, TraceKind::ServiceUp { service: s, up });
        if up {
            return self.dispatch_to(m, s);
        }
        // Down: everything the service was doing is lost. Parked handlers
        // live in its memory too.
        let victims: Vec<ActKey> = self
            .acts
            .iter()
            .filter(|(_, a)| a.service == s)
            .map(|(k, _)| k)
            .collect();
        for a in victims {
            let act = self.acts.remove(a).expect("collected above");
            if let Some(b) = act.probe
                && let Some(state) = self.breakers[b].record(self.now, false, true)
            {
                self.breaker_changed(m, b, state);
            }
            if let Some(order) = self.orders.get_mut(act.order)
                && order.parked == Some(a)
            {
                order.parked = None;
            }
            self.release(m, act.order);
        }
    }

    pub(super) fn set_replicas(&mut self, m: &Model, s: ServiceId, n: u32) {
        self.services
            .scale(s, n, self.now, &mut self.metrics.services[s]);
        // New workers pick up queued requests.
        while let Some((a, r)) = self.services.take_queued(s) {
            self.start_work(m, a, r);
        }
        self.strand_scaled_in(m, s);
        self.dispatch_to(m, s);
    }

    /// Behind a balancer, the requests waiting on replicas just scaled in
    /// are rerouted or lost, as the service's `scale_in` says (deliveries
    /// prefetched by the broker stay: their replica acknowledges them).
    fn strand_scaled_in(&mut self, m: &Model, s: ServiceId) {
        let sv = &m.services[s];
        if sv.balancer == Balancer::Pool || sv.scale_in == ScaleIn::Drain {
            return;
        }
        let acts = &self.acts;
        let stranded = self.services.take_stranded(s, |a| {
            matches!(acts.get(a).map(|x| x.origin), Some(Origin::Reply(_)))
        });
        for a in stranded {
            let sm = &mut self.metrics.services[s];
            if sv.scale_in == ScaleIn::Reroute {
                sm.rerouted += 1;
                self.admit(m, a, None);
            } else {
                sm.lost_on_scale_in += 1;
                let act = self.acts.remove(a).expect("stranded handlers are live");
                self.release(m, act.order);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;

    fn model(replicas: u32, concurrency: u32, queue_capacity: u32) -> ServiceModel {
        ServiceModel {
            id: "s".into(),
            label: "S".into(),
            kind: crate::scenario::ServiceKind::Service,
            replicas,
            concurrency,
            queue_capacity,
            latency: Dist::Constant(1_000.0),
            error_rate: 0.0,
            balancer: Balancer::Pool,
            scale_in: ScaleIn::Drain,
        }
    }

    /// One service of `replicas` × `concurrency` workers and a request
    /// queue of `queue_capacity`, and `n` request keys.
    fn setup(
        replicas: u32,
        concurrency: u32,
        queue_capacity: u32,
        n: usize,
    ) -> (Services, ServiceId, Vec<ActKey>) {
        let models: IdVec<ServiceId, ServiceModel> = [model(replicas, concurrency, queue_capacity)]
            .into_iter()
            .collect();
        let mut keys: SlotMap<ActKey, ()> = SlotMap::with_key();
        let acts = (0..n).map(|_| keys.insert(())).collect();
        (Services::new(&models), ServiceId::new(0), acts)
    }

    fn replica(i: u16) -> ReplicaId {
        ReplicaId::new(i)
    }

    const T0: SimTime = SimTime::ZERO;

    #[test]
    fn requests_start_then_queue_then_are_refused() {
        let (mut sv, s, a) = setup(1, 1, 1, 3);
        let mut sm = ServiceMetrics::default();
        assert_eq!(
            sv.admit(s, a[0], None, T0, &mut sm),
            Admission::Start(replica(0))
        );
        sv.occupy(s, replica(0), 0, &mut sm);
        assert_eq!(sv.admit(s, a[1], None, T0, &mut sm), Admission::Queued);
        assert_eq!(sv.admit(s, a[2], None, T0, &mut sm), Admission::Refused);
        assert_eq!((sm.rejected, sm.max_queued), (1, 1));
        assert_eq!((sv.view(s).busy, sv.view(s).queued), (1, 1));
        // The freed worker goes to the one in line.
        assert_eq!(sv.free_slot(s, replica(0), T0, &mut sm), Some(a[1]));
        sv.occupy(s, replica(0), 0, &mut sm);
        assert_eq!(sv.free_slot(s, replica(0), T0, &mut sm), None);
        assert_eq!(sv.view(s).busy, 0);
        assert_eq!(sv.check(&[model(1, 1, 1)].into_iter().collect()), Ok(()));
    }

    #[test]
    fn the_least_busy_replica_takes_new_work_the_lowest_on_a_tie() {
        let (mut sv, s, a) = setup(3, 2, 0, 3);
        let mut sm = ServiceMetrics::default();
        let mut started = Vec::new();
        for &k in &a {
            let Admission::Start(r) = sv.admit(s, k, None, T0, &mut sm) else {
                panic!("a worker was free");
            };
            sv.occupy(s, r, 0, &mut sm);
            started.push(r.index());
        }
        assert_eq!(started, [0, 1, 2]);
        assert_eq!(sm.replica_started.as_slice(), [1, 1, 1]);
    }

    #[test]
    fn a_prefetched_delivery_waits_for_its_own_replica_first() {
        let (mut sv, s, a) = setup(2, 1, 5, 3);
        let mut sm = ServiceMetrics::default();
        sv.occupy(s, replica(1), 0, &mut sm);
        // A delivery to busy replica 1 waits there, not in the queue, even
        // though replica 0 is idle.
        assert_eq!(
            sv.admit(s, a[0], Some(replica(1)), T0, &mut sm),
            Admission::Queued
        );
        sv.occupy(s, replica(0), 0, &mut sm);
        assert_eq!(sv.admit(s, a[1], None, T0, &mut sm), Admission::Queued);
        assert_eq!(sv.view(s).queued, 2);
        assert_eq!(sv.free_slot(s, replica(1), T0, &mut sm), Some(a[0]));
        assert_eq!(sv.free_slot(s, replica(0), T0, &mut sm), Some(a[1]));
    }

    #[test]
    fn a_draining_replica_takes_no_more_from_the_queue_and_new_ones_do() {
        let (mut sv, s, a) = setup(2, 1, 5, 3);
        let mut sm = ServiceMetrics::default();
        sv.occupy(s, replica(0), 0, &mut sm);
        sv.occupy(s, replica(1), 0, &mut sm);
        sv.scale(s, 1, T0, &mut sm);
        assert_eq!(sv.admit(s, a[0], None, T0, &mut sm), Admission::Queued);
        assert_eq!(sv.free_slot(s, replica(1), T0, &mut sm), None, "draining");
        assert_eq!(sv.take_queued(s), None, "replica 0 is busy");
        sv.scale(s, 3, T0, &mut sm);
        assert_eq!(sv.replica_counts(s), (3, 3));
        assert_eq!(sv.take_queued(s), Some((a[0], replica(1))));
    }

    #[test]
    fn going_down_empties_the_queues_and_stops_the_workers() {
        let (mut sv, s, a) = setup(1, 1, 5, 2);
        let mut sm = ServiceMetrics::default();
        sv.occupy(s, replica(0), 0, &mut sm);
        sv.admit(s, a[0], None, T0, &mut sm);
        sv.admit(s, a[1], Some(replica(0)), T0, &mut sm);
        assert!(sv.set_up(s, false, T0, &mut sm));
        assert!(!sv.set_up(s, false, T0, &mut sm), "already down");
        let v = sv.view(s);
        assert_eq!((v.up, v.busy, v.queued), (false, 0, 0));
        assert_eq!(sv.replica_loads(s).collect::<Vec<_>>(), [(0, 0)]);
    }

    #[test]
    fn integrals_add_busy_and_waiting_time() {
        let (mut sv, s, a) = setup(1, 1, 5, 2);
        let mut sm = ServiceMetrics::default();
        let start = sv.admit(s, a[0], None, T0, &mut sm);
        assert_eq!(start, Admission::Start(replica(0)));
        sv.occupy(s, replica(0), 0, &mut sm);
        sv.admit(s, a[1], None, SimTime(10), &mut sm);
        // One busy from 0, and one more waiting from 10.
        assert_eq!((sm.busy_area, sm.system_area), (10, 10));
        assert_eq!(sv.areas_at(s, SimTime(30), &sm), (30, 50));
        assert_eq!((sm.busy_area, sm.system_area), (10, 10), "a getter");
        // Every change first adds the time up to it.
        assert_eq!(
            sv.free_slot(s, replica(0), SimTime(30), &mut sm),
            Some(a[1])
        );
        assert_eq!((sm.busy_area, sm.system_area), (30, 50));
    }
}
