//! The trace: what happened, as plain data, in the order it happened.
//!
//! The engine appends [`TraceEvent`]s to a bounded buffer that the caller
//! drains ([`crate::Sim::drain_trace`]). Names are indices into the
//! [`Model`]'s tables, which keeps events small; [`TraceEvent::text`] and
//! [`TraceEvent::to_json`] resolve them. The animation, the event log, the
//! order inspector and the Mermaid export are all functions of this trace.

use serde::{Deserialize, Serialize};

use crate::breaker::BreakerState;
use crate::command::Command;
use crate::ids::{
    BreakerId, EventId, HandlerId, MessageNameId, OrderId, QueueId, ReplicaId, ServiceId, SkuId,
    StatusId, StepId,
};
use crate::model::Model;
use crate::order::{Answer, Outcome, PaymentState, StockState};
use crate::time::SimTime;

/// The kind of a message, which decides its colour on the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    Request,
    Response,
    /// Broker traffic: publish, delivery, and raised order events.
    Event,
    Callback,
    Poll,
    Push,
}

impl MsgKind {
    /// All kinds, in legend order.
    pub const ALL: [MsgKind; 6] = [
        MsgKind::Request,
        MsgKind::Response,
        MsgKind::Event,
        MsgKind::Callback,
        MsgKind::Poll,
        MsgKind::Push,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgKind::Request => "request",
            MsgKind::Response => "response",
            MsgKind::Event => "event",
            MsgKind::Callback => "callback",
            MsgKind::Poll => "poll",
            MsgKind::Push => "push",
        }
    }
}

/// Why something failed, was dropped or was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The handler failed (injected error rate).
    Error,
    /// No answer in time.
    Timeout,
    /// The target service is down.
    Unavailable,
    /// The target's request queue is full (503).
    Overloaded,
    /// Not enough stock.
    OutOfStock,
    /// Asked to ship what was never reserved.
    NotReserved,
    /// The payment was refunded or cancelled already.
    Cancelled,
    /// The circuit breaker refused the call.
    ShortCircuit,
    /// The broker is restarting.
    BrokerDown,
    /// The broker queue is full.
    QueueFull,
    /// Lost on the network (a drop fault).
    Dropped,
    /// An answer that arrived after its caller gave up.
    Late,
    /// The client's endpoint rejected a webhook.
    Rejected,
    /// A message waited longer than its queue's TTL.
    Expired,
    /// Delivered the maximum number of times without success.
    MaxDeliveries,
    /// The client is not reachable (for callbacks and pushes).
    ClientDown,
    /// Waited for an order event that never came.
    NoEvent,
}

impl Reason {
    /// Business failures are answers, not faults: they are not retried and
    /// do not trip circuit breakers.
    pub fn is_business(self) -> bool {
        matches!(
            self,
            Reason::OutOfStock | Reason::NotReserved | Reason::Cancelled
        )
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Error => "error",
            Reason::Timeout => "timeout",
            Reason::Unavailable => "unavailable",
            Reason::Overloaded => "overloaded",
            Reason::OutOfStock => "out_of_stock",
            Reason::NotReserved => "not_reserved",
            Reason::Cancelled => "cancelled",
            Reason::ShortCircuit => "short_circuit",
            Reason::BrokerDown => "broker_down",
            Reason::QueueFull => "queue_full",
            Reason::Dropped => "dropped",
            Reason::Late => "late",
            Reason::Rejected => "rejected",
            Reason::Expired => "expired",
            Reason::MaxDeliveries => "max_deliveries",
            Reason::ClientDown => "client_down",
            Reason::NoEvent => "no_event",
        }
    }
}

/// What a message says, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "label", content = "of", rename_all = "snake_case")]
pub enum Label {
    /// A request to a handler.
    Op(HandlerId),
    /// A successful answer.
    Ok,
    /// 202 Accepted.
    Accepted,
    /// Accepted for later: the step was deferred (queued for retry).
    Deferred,
    /// An error answer.
    Failed(Reason),
    /// A publish of a named message.
    Publish(MessageNameId),
    /// The broker's publisher confirm (true = stored).
    Confirm(bool),
    /// A delivery of a named message to a consumer.
    Deliver(MessageNameId),
    Ack,
    Nack,
    /// A status value (poll answer, webhook, push).
    Status(StatusId),
    /// An order event that wakes a parked handler.
    Event(EventId),
    /// An SSE client reopening its stream with its last event id.
    Resume,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub t: SimTime,
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// The kinds of trace event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceKind {
    /// A new order arrived at the client.
    OrderCreated {
        order: OrderId,
        sku: SkuId,
        qty: u32,
    },
    /// An arrival turned away: too many orders in flight (`limits.max_live_orders`).
    OrderShed { order: OrderId },
    /// A message left `from`; it reaches `to` at `arrive` (unless dropped).
    Send {
        msg: u64,
        order: OrderId,
        from: ServiceId,
        to: ServiceId,
        kind: MsgKind,
        label: Label,
        arrive: SimTime,
    },
    /// The message reached its destination and was taken in.
    Deliver { msg: u64 },
    /// The message was lost or refused at its destination.
    Drop { msg: u64, reason: Reason },
    /// A worker of `service` (replica `replica`) took up a handler, after
    /// `waited_us` in the queue.
    Started {
        order: OrderId,
        service: ServiceId,
        handler: HandlerId,
        replica: ReplicaId,
        waited_us: u64,
    },
    /// The handler ended: `Ok`, `Deferred` or `Failed(reason)`.
    Finished {
        order: OrderId,
        service: ServiceId,
        handler: HandlerId,
        result: Label,
    },
    /// A call failed and will be tried again after `delay_us`.
    Retry {
        order: OrderId,
        service: ServiceId,
        target: HandlerId,
        attempt: u32,
        delay_us: u64,
        reason: Reason,
    },
    /// A step failed for good.
    StepFailed {
        order: OrderId,
        handler: HandlerId,
        step: StepId,
        reason: Reason,
        mandatory: bool,
    },
    /// A step's fallback was taken.
    Fallback {
        order: OrderId,
        handler: HandlerId,
        step: StepId,
    },
    /// An earlier step is being undone.
    Compensate {
        order: OrderId,
        service: ServiceId,
        target: HandlerId,
    },
    /// A circuit breaker changed state.
    Breaker {
        breaker: BreakerId,
        state: BreakerState,
    },
    /// Operations were alerted: a breaker opened (document 004's "alert
    /// operations team" in its `open` listener).
    OperationsAlerted { breaker: BreakerId },
    /// The payment record changed.
    Payment { order: OrderId, state: PaymentState },
    /// The order's stock changed.
    Stock {
        order: OrderId,
        sku: SkuId,
        state: StockState,
    },
    /// A SKU was restocked: `units` more, `available` now.
    Restock {
        sku: SkuId,
        units: u32,
        available: u64,
    },
    /// The status store recorded a status (visible to readers at `visible_at`).
    Status {
        order: OrderId,
        status: StatusId,
        visible_at: SimTime,
    },
    /// A message entered a queue.
    Enqueued { queue: QueueId, order: OrderId },
    /// A message goes back to its queue for another delivery.
    Redelivery {
        queue: QueueId,
        order: OrderId,
        attempt: u32,
        reason: Reason,
    },
    /// A message left its queue unconsumed (to the dead-letter queue if any).
    DeadLetter {
        queue: QueueId,
        order: OrderId,
        reason: Reason,
    },
    /// A queued message was lost (transient queue on broker restart).
    MessageLost { queue: QueueId, order: OrderId },
    /// A handler parked waiting for an order event.
    Parked {
        order: OrderId,
        handler: HandlerId,
        event: EventId,
    },
    /// An order event was raised.
    Raised {
        order: OrderId,
        event: EventId,
        ok: bool,
    },
    /// The client got its first answer (a response or a 202).
    ClientAnswer { order: OrderId, answer: Answer },
    /// The client learned a status (progress or final).
    ClientLearned {
        order: OrderId,
        status: StatusId,
        last: bool,
    },
    /// The client stopped polling without learning the outcome.
    ClientGaveUp { order: OrderId },
    /// Nothing is left in flight for the order: how it ended.
    Settled { order: OrderId, outcome: Outcome },
    /// A service went down or came back.
    ServiceUp { service: ServiceId, up: bool },
    /// The broker restarted, losing `lost` transient messages.
    BrokerRestart { lost: u32 },
    /// The broker takes traffic again.
    BrokerUp,
    /// A command took effect (`scheduled`: from the scenario's faults).
    Command { command: Command, scheduled: bool },
}

impl TraceEvent {
    /// The order this event is about, if any.
    pub fn order(&self) -> Option<OrderId> {
        use TraceKind::*;
        match &self.kind {
            OrderCreated { order, .. }
            | OrderShed { order }
            | Send { order, .. }
            | Started { order, .. }
            | Finished { order, .. }
            | Retry { order, .. }
            | StepFailed { order, .. }
            | Fallback { order, .. }
            | Compensate { order, .. }
            | Payment { order, .. }
            | Stock { order, .. }
            | Status { order, .. }
            | Enqueued { order, .. }
            | Redelivery { order, .. }
            | DeadLetter { order, .. }
            | MessageLost { order, .. }
            | Parked { order, .. }
            | Raised { order, .. }
            | ClientAnswer { order, .. }
            | ClientLearned { order, .. }
            | ClientGaveUp { order }
            | Settled { order, .. } => Some(*order),
            _ => None,
        }
    }

    /// One line of text, with names resolved: the form used by snapshot
    /// tests and the event log.
    pub fn text(&self, m: &Model) -> String {
        format!("{:>10} {}", self.t.to_string(), describe(&self.kind, m))
    }

    /// What happened, in words, names resolved: the `text` of
    /// [`TraceEvent::to_json`].
    pub fn describe(&self, m: &Model) -> String {
        describe(&self.kind, m)
    }

    /// JSON with names resolved (for `orderflow run --trace`).
    pub fn to_json(&self, m: &Model) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "text".into(),
                serde_json::Value::String(describe(&self.kind, m)),
            );
        }
        v
    }
}

fn svc(m: &Model, id: ServiceId) -> &str {
    m.services.get(id).map_or("?", |s| s.id.as_str())
}

fn handler(m: &Model, id: HandlerId) -> &str {
    m.handlers.get(id).map_or("?", |h| h.name.as_str())
}

fn queue(m: &Model, id: QueueId) -> &str {
    m.queues.get(id).map_or("?", |q| q.id.as_str())
}

fn status(m: &Model, id: StatusId) -> &str {
    m.statuses.get(id).map_or("?", |s| s.as_str())
}

fn event(m: &Model, id: EventId) -> &str {
    m.events.get(id).map_or("?", |s| s.as_str())
}

/// A label in words (`"reserve"`, `"202 Accepted"`, `"error: timeout"`).
pub fn label_text(label: &Label, m: &Model) -> String {
    match *label {
        Label::Op(h) => m.handlers.get(h).map_or("?".into(), |h| h.op.clone()),
        Label::Ok => "ok".into(),
        Label::Accepted => match m.client.accept_code {
            200 => "200 OK".into(),
            202 => "202 Accepted".into(),
            code => format!("{code} Accepted"),
        },
        Label::Deferred => "deferred".into(),
        Label::Failed(r) => format!("error: {}", r.as_str()),
        Label::Publish(k) => format!("publish {}", m.messages.get(k).map_or("?", |s| s.as_str())),
        Label::Confirm(true) => "confirm".into(),
        Label::Confirm(false) => "confirm: refused".into(),
        Label::Deliver(k) => m.messages.get(k).map_or("?".into(), |s| s.clone()),
        Label::Ack => "ack".into(),
        Label::Nack => "nack".into(),
        Label::Status(s) => status(m, s).to_owned(),
        Label::Event(e) => event(m, e).to_owned(),
        Label::Resume => "resume (Last-Event-ID)".into(),
    }
}

fn describe(kind: &TraceKind, m: &Model) -> String {
    describe_order(kind, m)
        .or_else(|| describe_message(kind, m))
        .or_else(|| describe_system(kind, m))
        .expect("every trace kind is described")
}

/// Lines about one order: its life, its client, its records.
fn describe_order(kind: &TraceKind, m: &Model) -> Option<String> {
    use TraceKind::*;
    Some(match kind {
        OrderCreated { order, sku, qty } => {
            let sku = m.skus.get(*sku).map_or("?", |s| s.0.as_str());
            format!("o#{order} created ({qty} × {sku})")
        }
        OrderShed { order } => format!("o#{order} turned away: too many orders in flight"),
        Payment { order, state } => format!("o#{order} payment {}", state.as_str()),
        Stock { order, sku, state } => format!(
            "o#{order} stock {} {:?}",
            m.skus.get(*sku).map_or("?", |s| s.0.as_str()),
            state
        ),
        Status {
            order,
            status: s,
            visible_at,
        } => {
            format!(
                "o#{order} status {} (visible at {visible_at})",
                status(m, *s)
            )
        }
        Parked {
            order,
            handler: h,
            event: e,
        } => format!("o#{order} {} waits for {}", handler(m, *h), event(m, *e)),
        Raised {
            order,
            event: e,
            ok,
        } => {
            format!(
                "o#{order} raised {}{}",
                event(m, *e),
                if *ok { "" } else { " (failed)" }
            )
        }
        ClientAnswer { order, answer } => format!("o#{order} client answered: {answer:?}"),
        ClientLearned {
            order,
            status: s,
            last,
        } => {
            format!(
                "o#{order} client learned {}{}",
                status(m, *s),
                if *last { " (final)" } else { "" }
            )
        }
        ClientGaveUp { order } => format!("o#{order} client gave up waiting"),
        Settled { order, outcome } => format!("o#{order} settled: {}", outcome.as_str()),
        _ => return None,
    })
}

/// Lines about messages and the handlers they start.
fn describe_message(kind: &TraceKind, m: &Model) -> Option<String> {
    use TraceKind::*;
    Some(match kind {
        Send {
            msg,
            order,
            from,
            to,
            kind,
            label,
            arrive,
        } => format!(
            "o#{order} {} → {} {} \"{}\" m#{msg} (arrives {arrive})",
            svc(m, *from),
            svc(m, *to),
            kind.as_str(),
            label_text(label, m)
        ),
        Deliver { msg } => format!("m#{msg} delivered"),
        Started {
            order,
            service,
            handler: h,
            replica,
            waited_us,
        } => format!(
            "o#{order} {} #{replica} starts {} (waited {} ms)",
            svc(m, *service),
            handler(m, *h),
            waited_us / 1_000
        ),
        Finished {
            order,
            service,
            handler: h,
            result,
        } => {
            format!(
                "o#{order} {} finished {}: {}",
                svc(m, *service),
                handler(m, *h),
                label_text(result, m)
            )
        }
        Drop { msg, reason } => format!("m#{msg} dropped: {}", reason.as_str()),
        Retry {
            order,
            service,
            target,
            attempt,
            delay_us,
            reason,
        } => format!(
            "o#{order} {} retries {} (attempt {}, after {} ms; {})",
            svc(m, *service),
            handler(m, *target),
            attempt + 1,
            delay_us / 1_000,
            reason.as_str()
        ),
        StepFailed {
            order,
            handler: h,
            step,
            reason,
            mandatory,
        } => format!(
            "o#{order} {} step {step} failed: {} ({})",
            handler(m, *h),
            reason.as_str(),
            if *mandatory {
                "mandatory"
            } else {
                "best-effort, skipped"
            }
        ),
        Fallback {
            order,
            handler: h,
            step,
        } => format!("o#{order} {} step {step}: fallback", handler(m, *h)),
        Compensate {
            order,
            service,
            target,
        } => {
            format!(
                "o#{order} {} compensates with {}",
                svc(m, *service),
                handler(m, *target)
            )
        }
        _ => return None,
    })
}

/// Lines about the system: breakers, the broker, services, commands.
fn describe_system(kind: &TraceKind, m: &Model) -> Option<String> {
    use TraceKind::*;
    Some(match kind {
        Breaker { breaker, state } => format!(
            "breaker {} → {}",
            m.breakers.get(*breaker).map_or("?", |b| b.id.as_str()),
            state.as_str()
        ),
        OperationsAlerted { breaker } => format!(
            "operations alerted: breaker {} opened",
            m.breakers.get(*breaker).map_or("?", |b| b.id.as_str()),
        ),
        Enqueued { queue: q, order } => format!("o#{order} queued in {}", queue(m, *q)),
        Restock {
            sku,
            units,
            available,
        } => format!(
            "{} restocked: {units} more, {available} available",
            m.skus.get(*sku).map_or("?", |s| s.0.as_str())
        ),
        Redelivery {
            queue: q,
            order,
            attempt,
            reason,
        } => format!(
            "o#{order} {} redelivers (delivery {} failed: {})",
            queue(m, *q),
            attempt,
            reason.as_str()
        ),
        DeadLetter {
            queue: q,
            order,
            reason,
        } => {
            format!(
                "o#{order} dead-lettered from {}: {}",
                queue(m, *q),
                reason.as_str()
            )
        }
        MessageLost { queue: q, order } => format!("o#{order} message lost from {}", queue(m, *q)),
        ServiceUp { service, up } => {
            format!("{} {}", svc(m, *service), if *up { "up" } else { "down" })
        }
        BrokerRestart { lost } => format!("broker restarted, {lost} transient messages lost"),
        BrokerUp => "broker up".into(),
        Command { command, scheduled } => {
            format!(
                "{}: {}",
                if *scheduled { "fault" } else { "command" },
                command.describe()
            )
        }
        _ => return None,
    })
}

/// FNV-1a, 64-bit: a small, specified hash for comparing traces across
/// platforms (std's `DefaultHasher` may change between Rust releases).
#[derive(Clone, Copy, Debug)]
pub struct TraceHasher(u64);

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHasher {
    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Feeds one event (its JSON form: every field, exactly).
    pub fn event(&mut self, e: &TraceEvent) {
        let json = serde_json::to_vec(e).unwrap_or_default();
        self.write(&json);
        self.write(b"\n");
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}
