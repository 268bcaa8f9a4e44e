//! The stream connection of the SSE and WebSocket completion modes: pushes
//! carry event ids, a connection can drop (the push in flight is lost), the
//! client reconnects after `client.stream.reconnect_ms`, and then the two
//! differ. An SSE client reopens the stream with the last event id it saw
//! and the server replays everything after it; a WebSocket client just
//! reconnects, so what was sent meanwhile is missed unless it reads the
//! order's status once (`resync_on_reconnect`).

use super::network::{Body, CallResult, Message, Reply};
use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::model::*;
use crate::scenario::Completion;
use crate::trace::{Reason, TraceKind};

/// Events of one order's stream the server keeps for replay.
pub(crate) const MAX_STREAM_EVENTS: usize = 32;

/// One order's stream, as the server and the client see it.
#[derive(Clone, Debug, Default)]
pub struct StreamConn {
    /// Events the server sent (their ids are `1..=sent`).
    pub sent: u32,
    /// The statuses of the first [`MAX_STREAM_EVENTS`] events, for replay.
    pub log: Vec<StatusId>,
    /// The last event id the client received.
    pub received: u32,
    /// The connection is down; a reconnect is scheduled.
    pub down: bool,
    /// Reconnect attempts so far.
    pub reconnects: u32,
}

impl World {
    /// The server pushes `status` on the order's stream.
    pub(super) fn stream_push(
        &mut self,
        m: &Model,
        from: ServiceId,
        o: OrderKey,
        status: StatusId,
    ) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        let st = &mut order.stream;
        st.sent += 1;
        if st.log.len() < MAX_STREAM_EVENTS {
            st.log.push(status);
        }
        let event = st.sent;
        self.metrics.client.pushes_sent += 1;
        self.send(m, from, m.client.service, o, Body::Push { status, event });
    }

    /// A push reached the client's side of the connection: taken, or lost
    /// because the connection is (or just went) down.
    pub(super) fn on_push_arrived(
        &mut self,
        m: &Model,
        msg: &Message,
        status: StatusId,
        event: u32,
    ) {
        let o = msg.order;
        let Some(order) = self.orders.get(o) else {
            return;
        };
        let down = order.stream.down;
        let rate = m.client.stream.drop_rate;
        if down || (rate > 0.0 && self.rng.chance(rate)) {
            self.metrics.client.pushes_lost += 1;
            self.drop_msg(m, msg, Reason::Dropped);
            if !down {
                self.metrics.client.stream_drops += 1;
                self.stream_dropped(m, o);
            }
            return;
        }
        self.trace(m, TraceKind::Deliver { msg: msg.id });
        let st = &mut self.orders[o].stream;
        st.received = st.received.max(event);
        self.client_learn(m, o, status);
    }

    /// The order's connection is down: the client tries again after the
    /// reconnect delay (it keeps the order open meanwhile), unless it has
    /// used up its attempts.
    pub(super) fn stream_dropped(&mut self, m: &Model, o: OrderKey) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        if order.stream.reconnects >= m.client.stream.max_reconnects {
            order.stream.down = true;
            return;
        }
        order.stream.down = true;
        self.hold(o);
        self.after(m.client.stream.reconnect_us, Event::StreamReconnect(o));
    }

    /// The client reconnects: an SSE client resumes from its last event id;
    /// a WebSocket client may read the status once.
    pub(super) fn on_stream_reconnect(&mut self, m: &Model, o: OrderKey) {
        let Some(order) = self.orders.get_mut(o) else {
            return;
        };
        order.stream.down = false;
        order.stream.reconnects += 1;
        let last_event = order.stream.received;
        let client = m.client.service;
        match self.client.completion {
            Completion::Sse => {
                let to = m.handlers[m.client.entry].service;
                self.send(m, client, to, o, Body::StreamResume { last_event });
            }
            Completion::Websocket => {
                if let Some(h) = m.client.stream.resync {
                    self.metrics.client.resyncs += 1;
                    let to = m.handlers[h].service;
                    let body = Body::Request {
                        handler: h,
                        reply: Reply::Resync,
                        arg: STATUS_PENDING,
                    };
                    self.send(m, client, to, o, body);
                }
            }
            _ => {}
        }
        self.release(m, o);
    }

    /// The server got an SSE resume: it replays the events after
    /// `last_event`.
    pub(super) fn on_stream_resume(&mut self, m: &Model, msg: &Message, last_event: u32) {
        let Some(order) = self.orders.get(msg.order) else {
            return;
        };
        let missed: Vec<(u32, StatusId)> = order
            .stream
            .log
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u32 + 1, *s))
            .filter(|(id, _)| *id > last_event)
            .collect();
        for (event, status) in missed {
            self.metrics.client.stream_replays += 1;
            let body = Body::Push { status, event };
            self.send(m, msg.to, m.client.service, msg.order, body);
        }
    }

    /// The answer to a WebSocket client's status read after reconnecting:
    /// it learns what it missed, or tries again later.
    pub(super) fn on_resync_answer(
        &mut self,
        m: &Model,
        o: OrderKey,
        result: CallResult,
        status: StatusId,
    ) {
        if result.is_ok() {
            if status != STATUS_PENDING {
                self.client_learn(m, o, status);
            }
        } else {
            self.stream_dropped(m, o);
        }
    }

    /// The status a resync read answers: the last event the server sent
    /// on the order's stream (its own record of the order's progress).
    pub(super) fn stream_status(&self, o: OrderKey) -> StatusId {
        self.orders
            .get(o)
            .and_then(|x| x.stream.log.get(x.stream.sent.saturating_sub(1) as usize))
            .copied()
            .unwrap_or(STATUS_PENDING)
    }
}
