//! Handlers: an activation from the request or delivery that starts it,
//! through its worker's service time and effect, along its step program
//! (`run_steps`), parked in a `wait` and woken by an order event.
//!
//! Calls, retries, fallbacks, compensation and the end of a handler are in
//! `calls.rs`; effects in `effects.rs`.

use super::calls::CallCtx;
use super::network::{Body, CallResult, Message, Reply};
use super::schedule::Event;
use super::world::{World, waiting_in};
use crate::ids::*;
use crate::model::*;
use crate::scenario::Completion;
use crate::time::SimTime;
use crate::trace::{Reason, TraceKind};

/// What started a handler, and so who hears about its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    Reply(Reply),
    Delivery {
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
    },
}

/// Where a handler is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it (service time).
    Working,
    /// Waiting for a call's answer or a publish's confirm.
    Awaiting,
    /// Waiting out a retry backoff.
    Backoff,
    /// In a `work` step.
    Timer,
    /// Parked in a `wait` step (no worker held).
    Parked,
}

/// A running handler.
#[derive(Clone, Debug)]
pub(super) struct Activation {
    pub handler: HandlerId,
    pub service: ServiceId,
    pub order: OrderKey,
    pub origin: Origin,
    /// The service that sent the request (where the answer goes).
    pub reply_to: ServiceId,
    pub arrived_at: SimTime,
    pub phase: Phase,
    pub pc: StepId,
    pub call: CallCtx,
    pub token: u32,
    pub attempt: u32,
    /// An attempt of the current call step timed out (its request or its
    /// answer may have been lost or late): whether the callee did the work
    /// is unknown, even if a later attempt was refused outright.
    pub outcome_unknown: bool,
    /// The last retry's backoff (the decorrelated jitter grows from it).
    pub last_delay_us: u64,
    /// The value carried by a status-write request.
    pub arg: StatusId,
    /// A half-open probe is out through this breaker.
    pub probe: Option<BreakerId>,
    /// Steps done that have a compensation.
    pub done_mask: u32,
    pub failed: bool,
    pub fail_reason: Reason,
    pub deferred: bool,
    pub responded: bool,
    /// The replica whose worker it holds, while it holds one.
    pub slot: Option<ReplicaId>,
    /// The effect found the work already done (an idempotent repeat).
    pub skip_steps: bool,
    /// It ran compensations (rolled back its done steps).
    pub compensated: bool,
    /// Set when a parked handler is woken: `Some(true)` event raised,
    /// `Some(false)` timed out.
    pub wake: Option<bool>,
}

impl World {
    /// A `work` step's time is up: go on with the next step.
    pub(super) fn on_step_timer(&mut self, m: &Model, a: ActKey, token: u32) {
        if waiting_in(&self.acts, a, token, Phase::Timer) {
            self.acts[a].pc = self.acts[a].pc.next();
            self.run_steps(m, a);
        }
    }

    /// Starts `handler` for the message `msg` that asked for it.
    pub(super) fn start_handler(
        &mut self,
        m: &Model,
        handler: HandlerId,
        msg: &Message,
        origin: Origin,
    ) -> Option<ActKey> {
        let (o, reply_to) = (msg.order, msg.from);
        let (arg, replica) = match msg.body {
            Body::Request { arg, .. } => (arg, None),
            Body::Deliver { replica, .. } => (STATUS_PENDING, Some(replica)),
            _ => (STATUS_PENDING, None),
        };
        let h = &m.handlers[handler];
        let act = Activation {
            handler,
            service: h.service,
            order: o,
            origin,
            reply_to,
            arrived_at: self.now,
            phase: Phase::Queued,
            pc: StepId::FIRST,
            call: CallCtx::Step,
            token: 0,
            attempt: 0,
            outcome_unknown: false,
            last_delay_us: 0,
            arg,
            probe: None,
            done_mask: 0,
            failed: false,
            fail_reason: Reason::Error,
            deferred: false,
            responded: false,
            compensated: false,
            slot: None,
            skip_steps: false,
            wake: None,
        };
        let a = self.acts.insert(act);
        self.hold(o);
        self.metrics.services[h.service].received += 1;
        self.admit(m, a, replica);
        // A refused handler (queue full) is already gone.
        self.acts.contains_key(a).then_some(a)
    }

    pub(super) fn on_work_done(&mut self, m: &Model, a: ActKey) {
        let Some(act) = self.acts.get_mut(a) else {
            return;
        };
        if act.phase != Phase::Working {
            return;
        }
        if let Some(ok) = act.wake.take() {
            // A parked handler resumed: continue at its `wait` step.
            if ok {
                act.pc = act.pc.next();
                return self.run_steps(m, a);
            }
            let reason = self.wait_failure(m, a);
            return self.step_failed(m, a, reason);
        }
        let rate = self.services.error_rate(act.service);
        if rate > 0.0 && self.rng.chance(rate) {
            return self.finish(m, a, CallResult::Err(Reason::Error));
        }
        match self.begin_effect(m, a) {
            Ok(()) => self.run_steps(m, a),
            Err(r) => self.finish(m, a, CallResult::Err(r)),
        }
    }

    /// Runs steps from the handler's program counter until one has to wait;
    /// past the last step, the handler finishes.
    pub(super) fn run_steps(&mut self, m: &Model, a: ActKey) {
        loop {
            let act = &mut self.acts[a];
            act.phase = Phase::Working;
            let h = &m.handlers[act.handler];
            if act.skip_steps {
                return self.finish(m, a, CallResult::Ok);
            }
            let Some(step) = h.steps.get(act.pc) else {
                return self.finish(m, a, CallResult::Ok);
            };
            let go_on = match *step {
                StepModel::Call { .. } => {
                    act.attempt = 0;
                    act.outcome_unknown = false;
                    self.start_call(m, a, CallCtx::Step);
                    false
                }
                StepModel::Send { target, compensate } => {
                    self.step_send(m, a, target, compensate.is_some());
                    true
                }
                StepModel::Publish { to, message, .. } => {
                    self.start_publish(m, a, to, message, CallCtx::Publish);
                    false
                }
                StepModel::Accept { .. } => {
                    self.step_accept(m, a);
                    true
                }
                StepModel::Status { value, mandatory } => {
                    if self.client.completion == Completion::Polling {
                        act.arg = value;
                        act.attempt = 0;
                        self.start_call(m, a, CallCtx::StatusWrite { mandatory });
                        false
                    } else {
                        act.pc = act.pc.next();
                        true
                    }
                }
                StepModel::AnswerIfQueued { status } => self.step_answer_if_queued(m, a, status),
                StepModel::Notify { status } => self.step_notify(m, a, status, false),
                StepModel::Complete { status } => self.step_notify(m, a, status, true),
                StepModel::Work { ref latency, .. } => {
                    act.token += 1;
                    act.phase = Phase::Timer;
                    let token = act.token;
                    let factor = self.services.latency_factor(act.service);
                    let us = latency.sample_us(&mut self.rng, factor);
                    self.after(us, Event::StepTimer(a, token));
                    false
                }
                StepModel::Wait { event, timeout_us } => self.step_wait(m, a, event, timeout_us),
                StepModel::Emit { event } => {
                    act.pc = act.pc.next();
                    let (s, o) = (act.service, act.order);
                    self.raise(m, s, o, event, true);
                    true
                }
            };
            if !go_on {
                return;
            }
        }
    }

    /// `send`: a request nobody answers.
    fn step_send(&mut self, m: &Model, a: ActKey, target: HandlerId, compensable: bool) {
        let act = &mut self.acts[a];
        if compensable {
            act.done_mask |= act.pc.bit();
        }
        act.pc = act.pc.next();
        let (s, o) = (act.service, act.order);
        let to = m.handlers[target].service;
        let body = Body::Request {
            handler: target,
            reply: Reply::None,
            arg: STATUS_PENDING,
        };
        self.send(m, s, to, o, body);
    }

    /// `accept`: a client that does not wait for the outcome gets 202
    /// Accepted now; the handler goes on.
    fn step_accept(&mut self, m: &Model, a: ActKey) {
        let act = &mut self.acts[a];
        act.pc = act.pc.next();
        if self.client.completion != Completion::Sync
            && !act.responded
            && let Origin::Reply(reply @ Reply::Client { .. }) = act.origin
        {
            act.responded = true;
            let (s, o, to) = (act.service, act.order, act.reply_to);
            self.reply(m, s, to, o, reply, CallResult::Ok, STATUS_PENDING, true);
        }
    }

    /// `answer_if_queued`: after a call answered QUEUED_FOR_RETRY, the
    /// client hears `status` now. A sync client still waiting gets it as its
    /// response (202-like: no more waiting, the work goes on); others hear it
    /// as progress over their channel. True if the handler goes on.
    fn step_answer_if_queued(&mut self, m: &Model, a: ActKey, status: StatusId) -> bool {
        let act = &mut self.acts[a];
        if !act.deferred {
            act.pc = act.pc.next();
            return true;
        }
        if self.client.completion != Completion::Sync {
            return self.step_notify(m, a, status, false);
        }
        act.pc = act.pc.next();
        if !act.responded
            && let Origin::Reply(reply @ Reply::Client { .. }) = act.origin
        {
            act.responded = true;
            let (s, o, to) = (act.service, act.order, act.reply_to);
            self.reply(m, s, to, o, reply, CallResult::Deferred, status, true);
        }
        true
    }

    /// `notify` (progress) or `complete` (the outcome, `last`): tells the
    /// client over its completion channel. A polling client's progress is a
    /// status write the handler waits for. True if the handler goes on.
    fn step_notify(&mut self, m: &Model, a: ActKey, status: StatusId, last: bool) -> bool {
        let now = self.now;
        let act = &mut self.acts[a];
        if last && let Some(order) = self.orders.get_mut(act.order) {
            order.completed_at.get_or_insert(now);
            order.completed_ok = true;
        }
        if self.client.completion == Completion::Polling && !last {
            // Progress: a best-effort write the handler waits for.
            act.arg = status;
            act.attempt = 0;
            self.start_call(m, a, CallCtx::StatusWrite { mandatory: false });
            return false;
        }
        act.pc = act.pc.next();
        let (s, o) = (act.service, act.order);
        self.notify_client(m, s, o, status, last);
        true
    }

    /// `wait`: goes on if the event was raised, fails if it failed, else
    /// parks the handler (freeing its worker) until it comes or the timeout.
    /// True if the handler goes on.
    fn step_wait(&mut self, m: &Model, a: ActKey, event: EventId, timeout_us: u64) -> bool {
        let act = &mut self.acts[a];
        let bit = event.bit();
        let o = act.order;
        let (ok, failed) = self.orders.get(o).map_or((false, true), |x| {
            (x.events_ok & bit != 0, x.events_failed & bit != 0)
        });
        if ok {
            act.pc = act.pc.next();
            return true;
        }
        if failed {
            let reason = self.wait_failure(m, a);
            self.step_failed(m, a, reason);
            return false;
        }
        act.token += 1;
        act.phase = Phase::Parked;
        let (token, handler) = (act.token, act.handler);
        self.release_slot(m, a);
        if let Some(order) = self.orders.get_mut(o) {
            order.parked = Some(a);
            let order = order.id;
            let kind = TraceKind::Parked {
                order,
                handler,
                event,
            };
            self.trace(m, kind);
        }
        self.timeout(timeout_us, Event::WaitTimeout(a, token));
        false
    }

    /// Raises an order event and wakes the handler parked on it.
    pub(super) fn raise(
        &mut self,
        m: &Model,
        from: ServiceId,
        o: OrderKey,
        event: EventId,
        ok: bool,
    ) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        let bit = event.bit();
        if ok {
            order.events_ok |= bit;
        } else {
            order.events_failed |= bit;
        }
        let id = order.id;
        let parked = order.parked;
        self.trace(
            m,
            TraceKind::Raised {
                order: id,
                event,
                ok,
            },
        );
        let Some(p) = parked else { return };
        let Some(act) = self.acts.get(p) else { return };
        let waits_for = match m.handlers[act.handler].steps.get(act.pc) {
            Some(StepModel::Wait { event: e, .. }) => *e == event,
            _ => false,
        };
        if act.phase == Phase::Parked && waits_for {
            self.orders[o].parked = None;
            let (to, token) = (act.service, act.token);
            if ok {
                self.send(
                    m,
                    from,
                    to,
                    o,
                    Body::Wake {
                        act: p,
                        token,
                        event,
                    },
                );
            } else {
                self.wake(m, p, false);
            }
        }
    }

    pub(super) fn wake(&mut self, m: &Model, a: ActKey, ok: bool) {
        let act = &mut self.acts[a];
        act.token += 1;
        act.wake = Some(ok);
        act.arrived_at = self.now;
        if let Some(order) = self.orders.get_mut(act.order)
            && order.parked == Some(a)
        {
            order.parked = None;
        }
        self.admit(m, a, None);
    }

    /// Why a `wait` step failed. A queued message whose order's awaited
    /// outcome came out failed (the payment was declined) is cancelled, a
    /// business failure, so the broker takes it as consumed: redelivering it
    /// cannot change that outcome. Otherwise (a timeout, or a caller that
    /// waits) the event did not come.
    fn wait_failure(&self, m: &Model, a: ActKey) -> Reason {
        let act = &self.acts[a];
        let event_failed = match m.handlers[act.handler].steps.get(act.pc) {
            Some(StepModel::Wait { event, .. }) => self
                .orders
                .get(act.order)
                .is_some_and(|o| o.events_failed & event.bit() != 0),
            _ => false,
        };
        if event_failed && matches!(act.origin, Origin::Delivery { .. }) {
            Reason::Cancelled
        } else {
            Reason::NoEvent
        }
    }

    pub(super) fn on_wait_timeout(&mut self, m: &Model, a: ActKey, token: u32) {
        if self
            .acts
            .get(a)
            .is_some_and(|x| x.token == token && x.phase == Phase::Parked)
        {
            self.wake(m, a, false);
        }
    }
}
