//! The network: messages on the wire, their delays and drops, and routing a
//! delivered message's body to whoever handles it (a service's handler, a
//! waiting caller, the broker, the client).

use super::handlers::{Origin, Phase};
use super::schedule::Event;
use super::world::{World, waiting_in};
use crate::ids::*;
use crate::model::*;
use crate::trace::{Label, MsgKind, Reason, TraceKind};

/// Where an answer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reply {
    /// Fire-and-forget: nobody.
    None,
    /// The client's order request.
    Client { token: u32 },
    /// A handler waiting in a call.
    Caller { act: ActKey, token: u32 },
    /// A client's status poll.
    Poll { token: u32 },
    /// A client asking the id service.
    IdFetch { token: u32 },
    /// A background job's write.
    Job { job: JobKey, attempt: u32 },
    /// A WebSocket client reading the status after reconnecting.
    Resync,
}

/// The result of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallResult {
    Ok,
    /// Accepted for later processing (queued for retry).
    Deferred,
    Err(Reason),
}

impl CallResult {
    pub fn is_ok(self) -> bool {
        !matches!(self, CallResult::Err(_))
    }

    pub fn label(self) -> Label {
        match self {
            CallResult::Ok => Label::Ok,
            CallResult::Deferred => Label::Deferred,
            CallResult::Err(r) => Label::Failed(r),
        }
    }
}

/// What a message carries.
#[derive(Clone, Copy, Debug)]
pub(super) enum Body {
    Request {
        handler: HandlerId,
        reply: Reply,
        arg: StatusId,
    },
    Response {
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    },
    Publish {
        dest: Destination,
        label: MessageNameId,
        act: Option<(ActKey, u32)>,
    },
    Confirm {
        act: ActKey,
        token: u32,
        ok: bool,
        reason: Reason,
    },
    Deliver {
        queue: QueueId,
        inflight: InflightKey,
        attempt: u32,
        replica: ReplicaId,
        label: MessageNameId,
    },
    Ack {
        queue: QueueId,
        inflight: InflightKey,
        ok: bool,
    },
    Callback {
        job: JobKey,
        attempt: u32,
        status: StatusId,
    },
    CallbackAck {
        job: JobKey,
        attempt: u32,
        ok: bool,
    },
    /// A push on the order's stream, with its event id.
    Push {
        status: StatusId,
        event: u32,
    },
    /// An SSE client reopening its stream with the last event id it saw.
    StreamResume {
        last_event: u32,
    },
    Wake {
        act: ActKey,
        token: u32,
        event: EventId,
    },
}

/// A message on the wire.
#[derive(Clone, Copy, Debug)]
pub(super) struct Message {
    pub id: u64,
    pub from: ServiceId,
    pub to: ServiceId,
    pub order: OrderKey,
    pub body: Body,
}

impl World {
    pub(super) fn send(
        &mut self,
        m: &Model,
        from: ServiceId,
        to: ServiceId,
        o: OrderKey,
        body: Body,
    ) {
        let delay = m.network.sample_us(&mut self.rng, 1.0);
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        let k = self.msgs.insert(Message {
            id,
            from,
            to,
            order: o,
            body,
        });
        self.hold(o);
        self.metrics.steps.messages_sent += 1;
        let arrive = self.now.plus_micros(delay);
        self.timers.at(arrive, Event::Deliver(k));
        if self.tracing() {
            let (kind, label) = describe_body(&body);
            let order = self.order_id(o);
            self.trace(
                m,
                TraceKind::Send {
                    msg: id,
                    order,
                    from,
                    to,
                    kind,
                    label,
                    arrive,
                },
            );
        }
    }

    pub(super) fn drop_msg(&mut self, m: &Model, msg: &Message, reason: Reason) {
        self.metrics.steps.messages_dropped += 1;
        if let Some(order) = self.orders.get_mut(msg.order) {
            order.lost_messages += 1;
        }
        self.trace(
            m,
            TraceKind::Drop {
                msg: msg.id,
                reason,
            },
        );
    }

    pub(super) fn on_deliver(&mut self, m: &Model, k: MsgKey) {
        let Some(msg) = self.msgs.remove(k) else {
            return;
        };
        let drop_rate = self.services.drop_rate(msg.to);
        if drop_rate > 0.0 && self.rng.chance(drop_rate) {
            self.drop_msg(m, &msg, Reason::Dropped);
        } else {
            self.handle_message(m, &msg);
        }
        self.release(m, msg.order);
    }

    /// Hands a delivered message to whoever handles its body. Each kind
    /// says what happens when its receiver is down: a request is refused at
    /// once, a delivery to a dead consumer is left to the visibility
    /// timeout, a push is lost, and so on.
    pub(super) fn handle_message(&mut self, m: &Model, msg: &Message) {
        let up = self.services.is_up(msg.to);
        let (down_reason, receiver_up) = match msg.body {
            // The broker itself receives publishes and acks.
            Body::Publish { .. } | Body::Ack { .. } => (Reason::BrokerDown, self.broker.is_up()),
            Body::Callback { .. } | Body::Push { .. } => (Reason::ClientDown, up),
            // The client always hears its answers; a callback ack reaches
            // the sender whatever its state.
            Body::Response { .. } => (Reason::Unavailable, up || msg.to == m.client.service),
            Body::CallbackAck { .. } => (Reason::Unavailable, true),
            _ => (Reason::Unavailable, up),
        };
        if !receiver_up {
            return self.undeliverable(m, msg, down_reason);
        }
        if !matches!(msg.body, Body::Callback { .. } | Body::Push { .. }) {
            self.trace(m, TraceKind::Deliver { msg: msg.id });
        }
        match msg.body {
            Body::Request { handler, reply, .. } => {
                self.start_handler(m, handler, msg, Origin::Reply(reply));
            }
            Body::Response {
                reply,
                result,
                status,
                accepted,
            } => self.on_response(m, msg.order, reply, result, status, accepted),
            Body::Publish { dest, label, act } => {
                let ok = self.publish(m, dest, msg.order, label);
                if let Some((a, token)) = act {
                    self.confirm(m, msg, a, token, ok, Reason::QueueFull);
                }
            }
            Body::Confirm {
                act,
                token,
                ok,
                reason,
            } => {
                let result = if ok {
                    CallResult::Ok
                } else {
                    CallResult::Err(reason)
                };
                self.answer_caller(m, act, token, result);
            }
            Body::Deliver {
                queue,
                inflight,
                attempt,
                ..
            } => self.on_delivery_arrived(m, msg, queue, inflight, attempt),
            Body::Ack {
                queue,
                inflight,
                ok,
            } => self.on_ack(m, queue, inflight, ok),
            Body::Callback {
                job,
                attempt,
                status,
            } => self.on_callback_arrived(m, msg, job, attempt, status),
            Body::CallbackAck { job, attempt, ok } => self.on_job_answer(m, job, attempt, ok),
            Body::Push { status, event } => self.on_push_arrived(m, msg, status, event),
            Body::StreamResume { last_event } => self.on_stream_resume(m, msg, last_event),
            Body::Wake { act, token, .. } => {
                if waiting_in(&self.acts, act, token, Phase::Parked) {
                    self.wake(m, act, true);
                }
            }
        }
    }

    /// The receiver is down: the message is dropped, and whoever must hear
    /// about it at once does.
    fn undeliverable(&mut self, m: &Model, msg: &Message, reason: Reason) {
        match msg.body {
            Body::Request { reply, .. } => {
                self.metrics.services[msg.to].refused += 1;
                self.drop_msg(m, msg, reason);
                // Connection refused: the caller hears at once.
                let refused = CallResult::Err(Reason::Unavailable);
                self.reply(
                    m,
                    msg.to,
                    msg.from,
                    msg.order,
                    reply,
                    refused,
                    STATUS_PENDING,
                    false,
                );
            }
            Body::Publish {
                act: Some((a, token)),
                ..
            } => {
                self.drop_msg(m, msg, reason);
                self.confirm(m, msg, a, token, false, Reason::BrokerDown);
            }
            Body::Push { .. } => {
                self.metrics.client.pushes_lost += 1;
                self.drop_msg(m, msg, reason);
            }
            // The stream's server is down: the reconnect failed.
            Body::StreamResume { .. } => {
                self.drop_msg(m, msg, reason);
                self.stream_dropped(m, msg.order);
            }
            // A delivery to a dead consumer: the broker finds out through
            // the visibility timeout.
            _ => self.drop_msg(m, msg, reason),
        }
    }

    /// An answer reaches whoever waits for it: a handler in a call, the
    /// client's poll, a job, or the client's order request.
    fn on_response(
        &mut self,
        m: &Model,
        o: OrderKey,
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    ) {
        match reply {
            Reply::Caller { act, token } => self.answer_caller(m, act, token, result),
            Reply::Poll { token } => self.on_poll_answer(m, o, token, result, status),
            Reply::Job { job, attempt } => self.on_job_answer(m, job, attempt, result.is_ok()),
            Reply::Client { .. } | Reply::IdFetch { .. } => {
                self.on_client_response(m, o, reply, result, status, accepted)
            }
            Reply::Resync => self.on_resync_answer(m, o, result, status),
            Reply::None => {}
        }
    }

    /// A call's answer or a publish's confirm, if the handler still waits.
    fn answer_caller(&mut self, m: &Model, act: ActKey, token: u32, result: CallResult) {
        if waiting_in(&self.acts, act, token, Phase::Awaiting) {
            self.on_call_result(m, act, result);
        } else {
            self.late();
        }
    }

    /// Sends the answer for `reply` (nothing for fire-and-forget).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reply(
        &mut self,
        m: &Model,
        from: ServiceId,
        to: ServiceId,
        o: OrderKey,
        reply: Reply,
        result: CallResult,
        status: StatusId,
        accepted: bool,
    ) {
        if reply != Reply::None {
            self.send(
                m,
                from,
                to,
                o,
                Body::Response {
                    reply,
                    result,
                    status,
                    accepted,
                },
            );
        }
    }

    pub(super) fn confirm(
        &mut self,
        m: &Model,
        msg: &Message,
        act: ActKey,
        token: u32,
        ok: bool,
        reason: Reason,
    ) {
        self.send(
            m,
            msg.to,
            msg.from,
            msg.order,
            Body::Confirm {
                act,
                token,
                ok,
                reason,
            },
        );
    }
}

/// The kind and label a message shows on the diagram.
fn describe_body(body: &Body) -> (MsgKind, Label) {
    match *body {
        Body::Request {
            handler,
            reply: Reply::Poll { .. },
            ..
        } => (MsgKind::Poll, Label::Op(handler)),
        Body::Request { handler, .. } => (MsgKind::Request, Label::Op(handler)),
        Body::Response { accepted: true, .. } => (MsgKind::Response, Label::Accepted),
        Body::Response {
            reply: Reply::Poll { .. },
            result: CallResult::Ok,
            status,
            ..
        } => (MsgKind::Response, Label::Status(status)),
        Body::Response { result, .. } => (MsgKind::Response, result.label()),
        Body::Publish { label, .. } => (MsgKind::Event, Label::Publish(label)),
        Body::Confirm { ok, .. } => (MsgKind::Response, Label::Confirm(ok)),
        Body::Deliver { label, .. } => (MsgKind::Event, Label::Deliver(label)),
        Body::Ack { ok: true, .. } => (MsgKind::Response, Label::Ack),
        Body::Ack { ok: false, .. } => (MsgKind::Response, Label::Nack),
        Body::Callback { status, .. } => (MsgKind::Callback, Label::Status(status)),
        Body::CallbackAck { ok: true, .. } => (MsgKind::Response, Label::Ok),
        Body::CallbackAck { ok: false, .. } => (MsgKind::Response, Label::Failed(Reason::Rejected)),
        Body::Push { status, .. } => (MsgKind::Push, Label::Status(status)),
        Body::StreamResume { .. } => (MsgKind::Request, Label::Resume),
        Body::Wake { event, .. } => (MsgKind::Event, Label::Event(event)),
    }
}
