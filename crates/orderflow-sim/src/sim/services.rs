//! Services: replicas and their workers, the bounded request queue
//! (admission, or 503 when full), handing a worker to the next in line, the
//! busy-time integrals behind utilisation, and a service going down, up or
//! being scaled.

use std::collections::VecDeque;

use super::handlers::Phase;
use super::network::CallResult;
use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::metrics::ServiceMetrics;
use crate::model::*;
use crate::time::SimTime;
use crate::trace::{Reason, TraceKind};

/// A replica of a service.
#[derive(Clone, Debug, Default)]
pub(super) struct Replica {
    pub busy: u32,
    /// Deliveries prefetched to this replica, waiting for a worker.
    pub buffer: VecDeque<ActKey>,
}

/// A service's running state.
#[derive(Clone, Debug)]
pub(super) struct ServiceState {
    pub up: bool,
    pub latency_factor: f64,
    pub error_rate: f64,
    pub drop_rate: f64,
    /// Replicas taking new work; those beyond finish what they have.
    pub active_replicas: u32,
    pub replicas: IdVec<ReplicaId, Replica>,
    pub inbox: VecDeque<ActKey>,
    pub busy: u32,
    pub buffered: u32,
    pub last_change: SimTime,
    pub outbox: VecDeque<(SimTime, OrderId)>,
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

impl ServiceState {
    pub fn new(s: &ServiceModel) -> ServiceState {
        ServiceState {
            up: true,
            latency_factor: 1.0,
            error_rate: s.error_rate,
            drop_rate: 0.0,
            active_replicas: s.replicas,
            replicas: vec![Replica::default(); s.replicas as usize].into(),
            inbox: VecDeque::new(),
            busy: 0,
            buffered: 0,
            last_change: SimTime::ZERO,
            outbox: VecDeque::new(),
        }
    }

    /// The least busy of the first `active` replicas that has a worker free
    /// (of `concurrency`), the lowest on a tie.
    pub fn free_replica(&self, active: u32, concurrency: u32) -> Option<ReplicaId> {
        self.replicas
            .iter_enumerated()
            .take(active as usize)
            .filter(|(_, r)| r.busy < concurrency)
            .min_by_key(|(i, r)| (r.busy, *i))
            .map(|(i, _)| i)
    }

    /// Requests waiting for a worker, prefetched deliveries included.
    pub fn queued(&self) -> u32 {
        self.inbox.len() as u32 + self.buffered
    }

    /// The service as seen from outside.
    pub fn view(&self, m: &ServiceModel) -> ServiceView {
        ServiceView {
            up: self.up,
            replicas: self.active_replicas,
            concurrency: m.concurrency,
            busy: self.busy,
            queued: self.queued(),
            latency_factor: self.latency_factor,
            error_rate: self.error_rate,
            drop_rate: self.drop_rate,
        }
    }

    /// The busy and in-system integrals of `sm` carried forward to `now`
    /// (the state has not changed since `last_change`).
    pub fn areas_at(&self, now: SimTime, sm: &ServiceMetrics) -> (u128, u128) {
        let dt = u128::from(now.since(self.last_change));
        (
            sm.busy_area + u128::from(self.busy) * dt,
            sm.system_area + u128::from(self.busy + self.queued()) * dt,
        )
    }

    /// Adds the time since the last change to the integrals in `sm`.
    #[inline]
    pub fn integrate(&mut self, now: SimTime, sm: &mut ServiceMetrics) {
        let dt = u128::from(now.since(self.last_change));
        if dt > 0 {
            sm.busy_area += u128::from(self.busy) * dt;
            sm.system_area += u128::from(self.busy + self.buffered + self.inbox.len() as u32) * dt;
            self.last_change = now;
        }
    }
}

impl World {
    /// Gives the handler a worker, or queues it, or refuses it (503).
    pub(super) fn admit(&mut self, m: &Model, a: ActKey, replica: Option<ReplicaId>) {
        let s = self.acts[a].service;
        self.integrate(s);
        let conc = m.services[s].concurrency;
        let st = &mut self.services[s];
        if let Some(r) = replica
            && let Some(rep) = st.replicas.get_mut(r)
        {
            if rep.busy < conc {
                return self.start_work(m, a, r);
            }
            rep.buffer.push_back(a);
            st.buffered += 1;
            self.acts[a].phase = Phase::Queued;
            return;
        }
        if let Some(r) = st.free_replica(st.active_replicas, conc) {
            return self.start_work(m, a, r);
        }
        if st.inbox.len() < m.services[s].queue_capacity as usize {
            st.inbox.push_back(a);
            let queued = st.inbox.len() as u32 + st.buffered;
            let sm = &mut self.metrics.services[s];
            sm.max_queued = sm.max_queued.max(queued);
            self.acts[a].phase = Phase::Queued;
        } else {
            self.metrics.services[s].rejected += 1;
            self.finish(m, a, CallResult::Err(Reason::Overloaded));
        }
    }

    pub(super) fn start_work(&mut self, m: &Model, a: ActKey, r: ReplicaId) {
        let s = self.acts[a].service;
        let st = &mut self.services[s];
        st.replicas[r].busy += 1;
        st.busy += 1;
        let factor = st.latency_factor;
        let act = &mut self.acts[a];
        act.slot = Some(r);
        act.phase = Phase::Working;
        let wait = self.now.since(act.arrived_at);
        let sm = &mut self.metrics.services[s];
        if sm.replica_started.len() <= r.index() {
            sm.replica_started.resize(r.index() + 1, 0);
        }
        sm.replica_started[r] += 1;
        sm.queue_wait.record_us(wait);
        sm.wait_sum_us += u128::from(wait);
        sm.wait_count += 1;
        let (o, handler) = (act.order, act.handler);
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
        self.integrate(s);
        let st = &mut self.services[s];
        st.replicas[r].busy -= 1;
        st.busy -= 1;
        let next = if let Some(n) = st.replicas[r].buffer.pop_front() {
            st.buffered -= 1;
            Some(n)
        } else if r.index() < st.active_replicas as usize {
            st.inbox.pop_front()
        } else {
            None
        };
        if let Some(n) = next {
            self.start_work(m, n, r);
        }
    }

    /// Adds the time since the last change to a service's integrals.
    pub(super) fn integrate(&mut self, s: ServiceId) {
        self.services[s].integrate(self.now, &mut self.metrics.services[s]);
    }

    pub(super) fn set_up(&mut self, m: &Model, s: ServiceId, up: bool) {
        if self.services[s].up == up {
            return;
        }
        self.integrate(s);
        self.services[s].up = up;
        self.trace(m, TraceKind::ServiceUp { service: s, up });
        if up {
            for q in self.broker.queues.ids() {
                if self.broker.consumer_of[q].is_some_and(|c| m.consumers[c].service == s) {
                    self.dispatch(m, q);
                }
            }
            return;
        }
        // Down: everything the service was doing is lost. Parked handlers
        // live in its memory too.
        let victims: Vec<ActKey> = self
            .acts
            .iter()
            .filter(|(_, a)| a.service == s)
            .map(|(k, _)| k)
            .collect();
        let st = &mut self.services[s];
        st.inbox.clear();
        for r in &mut st.replicas {
            r.buffer.clear();
            r.busy = 0;
        }
        st.busy = 0;
        st.buffered = 0;
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
        self.integrate(s);
        let st = &mut self.services[s];
        st.active_replicas = n;
        if st.replicas.len() < n as usize {
            st.replicas.resize(n as usize, Replica::default());
        }
        // New workers pick up queued requests.
        let conc = m.services[s].concurrency;
        loop {
            let st = &mut self.services[s];
            if st.inbox.is_empty() {
                break;
            }
            let Some(r) = st.free_replica(n, conc) else {
                break;
            };
            let a = st.inbox.pop_front().expect("non-empty");
            self.start_work(m, a, r);
        }
        for q in self.broker.queues.ids() {
            if self.broker.consumer_of[q].is_some_and(|c| m.consumers[c].service == s) {
                self.dispatch(m, q);
            }
        }
    }
}
