//! Calls out of a handler: the call policy (timeout, retries with backoff,
//! breaker), publishing with a confirm, fallbacks, a step failing (skipped if
//! best-effort), compensation of the done steps (latest first), and the end
//! of a handler: its effect committed, its event raised, its worker freed,
//! its caller answered.

use super::handlers::{Activation, Origin, Phase};
use super::network::{Body, CallResult, Reply};
use super::notify::STATUS_WRITE_TIMEOUT_US;
use super::schedule::Event;
use super::world::{World, waiting_in};
use crate::breaker::Admission;
use crate::ids::*;
use crate::model::*;
use crate::order::PaymentState;
use crate::scenario::Completion;
use crate::trace::{Reason, TraceKind};

/// How long a publisher waits for the broker's confirm.
const PUBLISH_TIMEOUT_US: u64 = 5_000_000;
const STATUS_WRITE_RETRIES: u32 = 2;

/// Which call a handler is waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallCtx {
    Step,
    Backup,
    Compensation(StepId),
    StatusWrite { mandatory: bool },
    Publish,
    FallbackPublish,
}

impl World {
    /// A call or publish got no answer in time.
    pub(super) fn on_call_timeout(&mut self, m: &Model, a: ActKey, token: u32) {
        if waiting_in(&self.acts, a, token, Phase::Awaiting) {
            self.on_call_result(m, a, CallResult::Err(Reason::Timeout));
        }
    }

    /// A retry's backoff ran out: call again.
    pub(super) fn on_retry(&mut self, m: &Model, a: ActKey, token: u32) {
        if waiting_in(&self.acts, a, token, Phase::Backoff) {
            let ctx = self.acts[a].call;
            self.start_call(m, a, ctx);
        }
    }

    /// The call policy behind a call context.
    pub(super) fn policy(&self, m: &Model, a: ActKey, ctx: CallCtx) -> CallPolicy {
        let act = &self.acts[a];
        let steps = &m.handlers[act.handler].steps;
        match ctx {
            CallCtx::Step => match &steps[act.pc] {
                StepModel::Call { policy, .. } => *policy,
                other => unreachable!("call context on {other:?}"),
            },
            CallCtx::Backup => match &steps[act.pc] {
                StepModel::Call {
                    fallback: Some(FallbackModel::Backup(p)),
                    ..
                } => *p,
                other => unreachable!("backup context on {other:?}"),
            },
            CallCtx::Compensation(i) => steps[i]
                .compensation()
                .expect("compensation context on a step with one"),
            CallCtx::StatusWrite { .. } => CallPolicy {
                target: m
                    .client
                    .polling
                    .as_ref()
                    .expect("status writes need polling")
                    .write,
                timeout_us: STATUS_WRITE_TIMEOUT_US,
                retries: STATUS_WRITE_RETRIES,
                backoff: BackoffModel {
                    base_us: 100_000,
                    max_us: 1_000_000,
                    jitter: 0.5,
                    kind: None,
                },
                breaker: None,
                budget: None,
            },
            CallCtx::Publish | CallCtx::FallbackPublish => {
                unreachable!("publishes have no call policy")
            }
        }
    }

    pub(super) fn start_call(&mut self, m: &Model, a: ActKey, ctx: CallCtx) {
        if matches!(ctx, CallCtx::Compensation(_))
            && self
                .orders
                .get(self.acts[a].order)
                .is_some_and(|o| o.completed_ok)
        {
            // Completed by another delivery meanwhile: undo nothing more.
            let act = &mut self.acts[a];
            act.done_mask = 0;
            let reason = act.fail_reason;
            return self.finish(m, a, CallResult::Err(reason));
        }
        let policy = self.policy(m, a, ctx);
        self.acts[a].call = ctx;
        if let Some(b) = policy.breaker {
            let (admission, transition) = self.breakers[b].admit(self.now);
            if let Some(state) = transition {
                self.breaker_changed(m, b, state);
            }
            match admission {
                Admission::Rejected => {
                    self.acts[a].phase = Phase::Working;
                    return self.call_exhausted(m, a, Reason::ShortCircuit);
                }
                Admission::Allowed { probe } => self.acts[a].probe = probe.then_some(b),
            }
        }
        let act = &mut self.acts[a];
        act.token += 1;
        act.phase = Phase::Awaiting;
        let (token, s, o, arg) = (act.token, act.service, act.order, act.arg);
        let to = m.handlers[policy.target].service;
        self.send(
            m,
            s,
            to,
            o,
            Body::Request {
                handler: policy.target,
                reply: Reply::Caller { act: a, token },
                arg,
            },
        );
        self.timeout(policy.timeout_us, Event::CallTimeout(a, token));
    }

    pub(super) fn start_publish(
        &mut self,
        m: &Model,
        a: ActKey,
        to: Destination,
        label: MessageNameId,
        ctx: CallCtx,
    ) {
        let Some(broker) = m.broker_service else {
            return self.step_failed(m, a, Reason::BrokerDown);
        };
        let act = &mut self.acts[a];
        act.call = ctx;
        act.token += 1;
        act.phase = Phase::Awaiting;
        let (token, s, o) = (act.token, act.service, act.order);
        self.send(
            m,
            s,
            broker,
            o,
            Body::Publish {
                dest: to,
                label,
                act: Some((a, token)),
            },
        );
        self.timeout(PUBLISH_TIMEOUT_US, Event::CallTimeout(a, token));
    }

    pub(super) fn on_call_result(&mut self, m: &Model, a: ActKey, result: CallResult) {
        let ctx = self.acts[a].call;
        self.acts[a].phase = Phase::Working;
        let (breaker, budget) = match ctx {
            CallCtx::Step | CallCtx::Backup => {
                let p = self.policy(m, a, ctx);
                (p.breaker, p.budget)
            }
            _ => (None, None),
        };
        if matches!(ctx, CallCtx::Step | CallCtx::Backup)
            && result == CallResult::Err(Reason::Timeout)
        {
            self.acts[a].outcome_unknown = true;
        }
        let answered = match result {
            CallResult::Err(r) => r.is_business(),
            _ => true,
        };
        if answered {
            self.budget_refill(m, budget);
        }
        if let Some(b) = breaker {
            let probe = self.acts[a].probe.take().is_some();
            // Business answers ("card declined") mean the dependency works.
            let ok = match result {
                CallResult::Err(r) => r.is_business(),
                _ => true,
            };
            if let Some(state) = self.breakers[b].record(self.now, ok, probe) {
                self.breaker_changed(m, b, state);
            }
        }
        match (ctx, result) {
            (CallCtx::Publish, CallResult::Err(r))
            | (CallCtx::FallbackPublish, CallResult::Err(r)) => self.step_failed(m, a, r),
            (CallCtx::FallbackPublish, _) => self.step_ok(m, a, true),
            (_, CallResult::Ok) => self.step_ok(m, a, false),
            (_, CallResult::Deferred) => self.step_ok(m, a, true),
            (_, CallResult::Err(r)) => {
                let policy = self.policy(m, a, ctx);
                let may_retry = !r.is_business() && self.acts[a].attempt < policy.retries;
                if may_retry && self.budget_allows(policy.budget) {
                    let act = &mut self.acts[a];
                    let attempt = act.attempt;
                    let prev = if attempt == 0 { 0 } else { act.last_delay_us };
                    act.attempt += 1;
                    act.token += 1;
                    act.phase = Phase::Backoff;
                    let token = act.token;
                    let (s, o) = (act.service, act.order);
                    let delay = policy.backoff.next_delay_us(attempt, prev, &mut self.rng);
                    self.acts[a].last_delay_us = delay;
                    self.metrics.steps.retries += 1;
                    let order = self.order_id(o);
                    self.trace(
                        m,
                        TraceKind::Retry {
                            order,
                            service: s,
                            target: policy.target,
                            attempt,
                            delay_us: delay,
                            reason: r,
                        },
                    );
                    self.after(delay, Event::Retry(a, token));
                } else {
                    self.call_exhausted(m, a, r);
                }
            }
        }
    }

    /// A call failed for good (retries spent, or short-circuited).
    pub(super) fn call_exhausted(&mut self, m: &Model, a: ActKey, reason: Reason) {
        let act = &self.acts[a];
        match act.call {
            CallCtx::Compensation(_) => {
                self.metrics.steps.compensation_failures += 1;
                return self.next_compensation(m, a);
            }
            CallCtx::StatusWrite { mandatory, .. } => {
                if mandatory {
                    return self.step_failed(m, a, reason);
                }
                self.acts[a].pc = self.acts[a].pc.next();
                return self.run_steps(m, a);
            }
            CallCtx::Step => {
                let step = &m.handlers[act.handler].steps[act.pc];
                if let StepModel::Call {
                    fallback: Some(fb),
                    fallback_when_open,
                    policy,
                    ..
                } = step
                    && (!fallback_when_open || self.breaker_open(*policy, reason))
                {
                    let (o, handler, pc) = (act.order, act.handler, act.pc);
                    let own_queue = match (fb, act.origin) {
                        (
                            FallbackModel::QueueForRetry(Destination::Queue(q), _),
                            Origin::Delivery { queue, .. },
                        ) => *q == queue,
                        (
                            FallbackModel::QueueForRetry(Destination::Exchange(x), _),
                            Origin::Delivery { queue, .. },
                        ) => m.exchanges[*x].queues.contains(&queue),
                        _ => false,
                    };
                    if !own_queue {
                        self.metrics.steps.fallbacks += 1;
                        let order = self.order_id(o);
                        self.trace(
                            m,
                            TraceKind::Fallback {
                                order,
                                handler,
                                step: pc,
                            },
                        );
                        match *fb {
                            FallbackModel::Backup(_) => {
                                self.acts[a].attempt = 0;
                                return self.start_call(m, a, CallCtx::Backup);
                            }
                            FallbackModel::QueueForRetry(dest, label) => {
                                return self.start_publish(
                                    m,
                                    a,
                                    dest,
                                    label,
                                    CallCtx::FallbackPublish,
                                );
                            }
                        }
                    }
                }
            }
            CallCtx::Backup | CallCtx::Publish | CallCtx::FallbackPublish => {}
        }
        self.step_failed(m, a, reason)
    }

    /// Document 004's test before its fallback: is the call's breaker open
    /// (refused at once, or opened by this very failure)?
    fn breaker_open(&self, policy: CallPolicy, reason: Reason) -> bool {
        reason == Reason::ShortCircuit
            || policy
                .breaker
                .is_some_and(|b| self.breakers[b].state() == crate::breaker::BreakerState::Open)
    }

    pub(super) fn step_ok(&mut self, m: &Model, a: ActKey, deferred: bool) {
        let act = &mut self.acts[a];
        match act.call {
            CallCtx::Compensation(_) => {
                return self.next_compensation(m, a);
            }
            _ => {
                let step = &m.handlers[act.handler].steps[act.pc];
                if step.compensation().is_some() {
                    act.done_mask |= act.pc.bit();
                }
                if deferred {
                    act.deferred = true;
                }
                act.pc = act.pc.next();
            }
        }
        self.run_steps(m, a)
    }

    /// A step failed for good: skip it if best-effort, else fail the handler.
    pub(super) fn step_failed(&mut self, m: &Model, a: ActKey, reason: Reason) {
        let act = &self.acts[a];
        let step = &m.handlers[act.handler].steps[act.pc];
        let mandatory = match step {
            StepModel::Call { mandatory, .. } | StepModel::Publish { mandatory, .. } => *mandatory,
            StepModel::Status { mandatory, .. } => *mandatory,
            _ => true,
        };
        let o = act.order;
        let order = self.order_id(o);
        let (handler, pc) = (act.handler, act.pc);
        self.trace(
            m,
            TraceKind::StepFailed {
                order,
                handler,
                step: pc,
                reason,
                mandatory,
            },
        );
        if mandatory {
            // Another delivery of the same message may have completed the
            // order meanwhile (a redelivery after a broker restart): then
            // the order record says so, and nothing is undone.
            let completed_elsewhere = self.orders.get(o).is_some_and(|o| o.completed_ok);
            let act = &mut self.acts[a];
            act.failed = true;
            act.fail_reason = reason;
            // A call that timed out may still have done its work (only the
            // answer was lost or late): undo it too, also when a later
            // attempt was refused (the first may have gone through).
            // Compensations are idempotent, so undoing work that never
            // happened is harmless.
            let unknown = reason == Reason::Timeout || act.outcome_unknown;
            if unknown && step.compensation().is_some() {
                act.done_mask |= act.pc.bit();
            }
            if completed_elsewhere {
                act.done_mask = 0;
            }
            self.next_compensation(m, a);
        } else {
            self.metrics.steps.best_effort_failures += 1;
            self.acts[a].pc = self.acts[a].pc.next();
            self.run_steps(m, a);
        }
    }

    /// Undoes the next completed step (latest first); finishes when none is left.
    pub(super) fn next_compensation(&mut self, m: &Model, a: ActKey) {
        let act = &mut self.acts[a];
        act.phase = Phase::Working;
        if act.done_mask == 0 {
            let reason = act.fail_reason;
            return self.finish(m, a, CallResult::Err(reason));
        }
        let i = StepId::last_in(act.done_mask).expect("checked above");
        act.done_mask &= !i.bit();
        act.attempt = 0;
        act.compensated = true;
        let (s, o, handler) = (act.service, act.order, act.handler);
        let comp = m.handlers[handler].steps[i]
            .compensate()
            .expect("done_mask marks compensable steps");
        let target = comp.policy.target;
        self.metrics.steps.compensations += 1;
        if let Some(order) = self.orders.get_mut(o) {
            order.compensations += 1;
        }
        let order = self.order_id(o);
        self.trace(
            m,
            TraceKind::Compensate {
                order,
                service: s,
                target,
            },
        );
        if comp.send {
            // Fire-and-forget: the undo goes out and the handler moves on
            // at once (to the next undo, or to its answer).
            let to = m.handlers[target].service;
            let body = Body::Request {
                handler: target,
                reply: Reply::None,
                arg: STATUS_PENDING,
            };
            self.send(m, s, to, o, body);
            return self.next_compensation(m, a);
        }
        self.start_call(m, a, CallCtx::Compensation(i));
    }

    /// Ends a handler: commits its effect, raises its event, frees its
    /// worker, answers whoever started it.
    pub(super) fn finish(&mut self, m: &Model, a: ActKey, result: CallResult) {
        let act = self.acts[a].clone();
        let h = &m.handlers[act.handler];
        let result = match result {
            CallResult::Ok if act.deferred => CallResult::Deferred,
            r => r,
        };
        // A business failure (out of stock) will not change on redelivery:
        // the message is consumed and the failure is final.
        let business = matches!(result, CallResult::Err(r) if r.is_business());
        let final_failure = match act.origin {
            Origin::Delivery { queue, attempt, .. } => {
                business || attempt >= m.queues[queue].max_deliveries
            }
            Origin::Reply(_) => true,
        };
        if h.effect == EffectModel::Charge && !act.skip_steps {
            self.commit_payment(m, &act, result, final_failure);
        }
        // A delivery that rolled its steps back and will come again: the
        // redelivery is a real retry (003), so a refunded or cancelled
        // payment may be charged anew (a new attempt, see `effects.rs`).
        if act.compensated
            && !final_failure
            && !result.is_ok()
            && matches!(act.origin, Origin::Delivery { .. })
            && let Some(order) = self.orders.get_mut(act.order)
        {
            order.retry_after_rollback = true;
        }
        if let Some(order) = self.orders.get_mut(act.order) {
            order.done_at = self.now;
        }
        // Raise the handler's event: on success, or on a failure that is final.
        if let Some(e) = h.emits {
            match result {
                CallResult::Ok => self.raise(m, act.service, act.order, e, true),
                CallResult::Err(_) if final_failure => {
                    self.raise(m, act.service, act.order, e, false)
                }
                _ => {}
            }
        }
        if h.completes && !result.is_ok() && final_failure {
            self.completion_failed(m, &act);
        }
        self.release_slot(m, a);
        if self.tracing() {
            let order = self.order_id(act.order);
            let (service, handler) = (act.service, act.handler);
            let result = result.label();
            let kind = TraceKind::Finished {
                order,
                service,
                handler,
                result,
            };
            self.trace(m, kind);
        }
        let sm = &mut self.metrics.services[act.service];
        if result.is_ok() {
            sm.succeeded += 1;
        } else {
            sm.failed += 1;
        }
        self.answer_origin(m, &act, result, business);
        self.acts.remove(a);
        self.release(m, act.order);
    }

    /// The payment record after a charge handler's end.
    fn commit_payment(
        &mut self,
        m: &Model,
        act: &Activation,
        result: CallResult,
        final_failure: bool,
    ) {
        let Some(order) = self.orders.get_mut(act.order) else {
            return;
        };
        let pending = order.payment == PaymentState::Pending;
        let state = match result {
            CallResult::Ok => PaymentState::Success,
            CallResult::Deferred => PaymentState::QueuedForRetry,
            // A retry that failed but will be delivered again stays queued.
            CallResult::Err(_) if pending && !final_failure => PaymentState::QueuedForRetry,
            CallResult::Err(_) if pending => PaymentState::Failed,
            CallResult::Err(_) => return,
        };
        let was_queued = order.payment_queued;
        order.payment_queued |= state == PaymentState::QueuedForRetry;
        // Not monotonic: a charge's late success can land on a refunded
        // record (the race the playground shows as an inconsistent order).
        order.payment = state;
        let id = order.id;
        // FAILED after an attempt that timed out: the provider may have
        // captured the money (its answer lost), or may still capture it
        // (the request late). Payment voids the charge under the same
        // idempotency key: money captured is refunded, a capture still to
        // come is refused (CANCELLED). A failure is final only once nothing
        // can be charged for it.
        let void = state == PaymentState::Failed && act.outcome_unknown;
        let p = &mut self.metrics.payments;
        match state {
            PaymentState::Success => {
                p.success += 1;
                p.recovered += u64::from(was_queued);
            }
            // Counted once, when the charge is first queued (not again on
            // each failed redelivery).
            PaymentState::QueuedForRetry if !matches!(act.origin, Origin::Delivery { .. }) => {
                p.queued_for_retry += 1
            }
            PaymentState::QueuedForRetry => {}
            _ => p.failed += 1,
        }
        self.trace(m, TraceKind::Payment { order: id, state });
        if void && let Some(kind) = self.refund(act.order) {
            self.trace(m, kind);
        }
    }

    /// A completing handler failed for good: a client that is not waiting
    /// for the response is told (once).
    fn completion_failed(&mut self, m: &Model, act: &Activation) {
        if self.client.completion == Completion::Sync {
            return;
        }
        let now = self.now;
        let first = self.orders.get_mut(act.order).is_some_and(|o| {
            let first = o.completed_at.is_none();
            o.completed_at.get_or_insert(now);
            first
        });
        if first {
            self.notify_client(m, act.service, act.order, STATUS_FAILED, true);
        }
    }

    /// Answers whoever started the handler: the caller (unless already
    /// answered by an `accept` step), or the broker with an ack or a nack.
    fn answer_origin(&mut self, m: &Model, act: &Activation, result: CallResult, business: bool) {
        match act.origin {
            Origin::Reply(reply) => {
                if act.responded {
                    return;
                }
                let status = match m.handlers[act.handler].effect {
                    // A WebSocket client's read after reconnecting: the
                    // server's own record of what it sent.
                    EffectModel::ReadStatus if reply == Reply::Resync => {
                        self.stream_status(act.order)
                    }
                    EffectModel::ReadStatus => self
                        .orders
                        .get(act.order)
                        .map_or(STATUS_PENDING, |o| o.visible_status(self.now)),
                    _ => STATUS_PENDING,
                };
                let (from, to, o) = (act.service, act.reply_to, act.order);
                self.reply(m, from, to, o, reply, result, status, false);
            }
            Origin::Delivery {
                queue, inflight, ..
            } => {
                if let Some(broker) = m.broker_service {
                    // A business failure is consumed: redelivery would not help.
                    let ok = result.is_ok() || business;
                    let ack = Body::Ack {
                        queue,
                        inflight,
                        ok,
                    };
                    self.send(m, act.service, broker, act.order, ack);
                }
            }
        }
    }
}
