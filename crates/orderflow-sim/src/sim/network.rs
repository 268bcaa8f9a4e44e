//! The network: messages on the wire, their delays and drops, and routing a
//! delivered message's body to whoever handles it (a service's handler, a
//! waiting caller, the broker, the client).

use super::handlers::{Origin, Phase};
use super::schedule::Event;
use super::world::World;
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
        label: u16,
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
        replica: u16,
        label: u16,
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
    Push {
        status: StatusId,
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
        let to = msg.to as usize;
        let drop_rate = self.services[to].drop_rate;
        if drop_rate > 0.0 && self.rng.chance(drop_rate) {
            self.drop_msg(m, &msg, Reason::Dropped);
        } else {
            self.handle_message(m, &msg);
        }
        self.release(m, msg.order);
    }

    pub(super) fn handle_message(&mut self, m: &Model, msg: &Message) {
        let up = self.services[msg.to as usize].up;
        let is_client = msg.to == m.client.service;
        match msg.body {
            Body::Request { handler, reply, .. } => {
                if !up {
                    self.metrics.services[msg.to as usize].refused += 1;
                    self.drop_msg(m, msg, Reason::Unavailable);
                    // Connection refused: the caller hears at once.
                    self.reply(
                        m,
                        msg.to,
                        msg.from,
                        msg.order,
                        reply,
                        CallResult::Err(Reason::Unavailable),
                        0,
                        false,
                    );
                    return;
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.start_handler(m, handler, msg, Origin::Reply(reply));
            }
            Body::Response {
                reply,
                result,
                status,
                accepted,
            } => {
                if !up && !is_client {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                match reply {
                    Reply::Caller { act, token } => {
                        if self
                            .acts
                            .get(act)
                            .is_some_and(|a| a.token == token && a.phase == Phase::Awaiting)
                        {
                            self.on_call_result(m, act, result);
                        } else {
                            self.late();
                        }
                    }
                    Reply::Poll { token } => {
                        self.on_poll_answer(m, msg.order, token, result, status)
                    }
                    Reply::Job { job, attempt } => {
                        self.on_job_answer(m, job, attempt, result.is_ok())
                    }
                    Reply::Client { .. } | Reply::IdFetch { .. } => {
                        self.on_client_response(m, msg.order, reply, result, accepted)
                    }
                    Reply::None => {}
                }
            }
            Body::Publish { dest, label, act } => {
                if !self.broker.up {
                    self.drop_msg(m, msg, Reason::BrokerDown);
                    if let Some((a, token)) = act {
                        self.confirm(m, msg, a, token, false, Reason::BrokerDown);
                    }
                    return;
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
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
                if !up {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if self
                    .acts
                    .get(act)
                    .is_some_and(|a| a.token == token && a.phase == Phase::Awaiting)
                {
                    let result = if ok {
                        CallResult::Ok
                    } else {
                        CallResult::Err(reason)
                    };
                    self.on_call_result(m, act, result);
                } else {
                    self.late();
                }
            }
            Body::Deliver {
                queue,
                inflight,
                attempt,
                ..
            } => {
                if !up {
                    // The broker finds out through the visibility timeout.
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                let c = self.broker.consumer_of[queue as usize]
                    .expect("deliveries come from consumed queues");
                let handler = m.consumers[c as usize].handler;
                let origin = Origin::Delivery {
                    queue,
                    inflight,
                    attempt,
                };
                let a = self.start_handler(m, handler, msg, origin);
                if let Some(f) = self.broker.queues[queue as usize]
                    .inflight
                    .get_mut(inflight)
                {
                    f.handler = a;
                }
            }
            Body::Ack {
                queue,
                inflight,
                ok,
            } => {
                if !self.broker.up {
                    return self.drop_msg(m, msg, Reason::BrokerDown);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.on_ack(m, queue, inflight, ok);
            }
            Body::Callback {
                job,
                attempt,
                status,
            } => {
                if !up {
                    return self.drop_msg(m, msg, Reason::ClientDown);
                }
                let rate = m.client.callback.failure_rate;
                let ok = !(rate > 0.0 && self.rng.chance(rate));
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if ok {
                    self.client_learn(m, msg.order, status);
                }
                self.send(
                    m,
                    msg.to,
                    msg.from,
                    msg.order,
                    Body::CallbackAck { job, attempt, ok },
                );
            }
            Body::CallbackAck { job, attempt, ok } => {
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.on_job_answer(m, job, attempt, ok);
            }
            Body::Push { status } => {
                if !up {
                    self.metrics.client.pushes_lost += 1;
                    return self.drop_msg(m, msg, Reason::ClientDown);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                self.client_learn(m, msg.order, status);
            }
            Body::Wake { act, token, .. } => {
                if !up {
                    return self.drop_msg(m, msg, Reason::Unavailable);
                }
                self.trace(m, TraceKind::Deliver { msg: msg.id });
                if self
                    .acts
                    .get(act)
                    .is_some_and(|a| a.token == token && a.phase == Phase::Parked)
                {
                    self.wake(m, act, true);
                }
            }
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
        Body::Push { status } => (MsgKind::Push, Label::Status(status)),
        Body::Wake { event, .. } => (MsgKind::Event, Label::Event(event)),
    }
}
