//! How a client that took 202 Accepted learns the outcome: a push, a
//! webhook (a job retried with backoff until acknowledged), or a final-status
//! write to the status store that a polling client reads.

use super::network::{Body, Message, Reply};
use super::schedule::Event;
use super::world::World;
use crate::ids::*;
use crate::model::*;
use crate::scenario::Completion;
use crate::trace::TraceKind;

/// What a background job delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JobKind {
    /// A webhook to the client's callback URL.
    Callback,
    /// The final status, written to the status store for a polling client.
    FinalStatus,
    /// A dead-lettered message's rollback (003: complete rollback), sent to
    /// the queue's `rollback` handler. It insists like a final-status
    /// write: a consumer that is down or losing messages when the message
    /// is dead-lettered still gets it once it can take it (a single
    /// request, lost, left the order charged and told FAILED).
    Rollback(HandlerId),
}

/// A delivery that insists: it is retried with backoff until acknowledged
/// or out of attempts, without holding up the handler that started it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub kind: JobKind,
    pub order: OrderKey,
    pub from: ServiceId,
    pub status: StatusId,
    pub attempt: u32,
    pub awaiting: bool,
}

/// Attempts of a final-status write (about two minutes with backoff).
pub const FINAL_STATUS_ATTEMPTS: u32 = 16;
pub const FINAL_STATUS_BACKOFF: BackoffModel = BackoffModel {
    base_us: 200_000,
    max_us: 10_000_000,
    jitter: 0.5,
    kind: None,
};

/// Status writes made on the flow's behalf (polling mode).
pub const STATUS_WRITE_TIMEOUT_US: u64 = 1_000_000;

/// How long a rollback job waits for its handler's answer before sending
/// it again: the handler makes calls of its own (async-write's: three, up
/// to 3 s each, retried twice), so much longer than a status write. A
/// second delivery is harmless: every undo is idempotent.
pub const ROLLBACK_TIMEOUT_US: u64 = 30_000_000;

impl World {
    /// Progress or the final status to the client, over the completion
    /// channel: a webhook, a push, or (final status only) a status-store
    /// write for a polling client. Progress writes for polling clients are
    /// calls made by the handler itself.
    pub(super) fn notify_client(
        &mut self,
        m: &Model,
        from: ServiceId,
        o: OrderKey,
        status: StatusId,
        last: bool,
    ) {
        let kind = match self.client.completion {
            Completion::Sync => return,
            Completion::Polling if !last => return,
            Completion::Polling => JobKind::FinalStatus,
            Completion::Callback => JobKind::Callback,
            Completion::Sse | Completion::Websocket => {
                return self.stream_push(m, from, o, status);
            }
        };
        let j = self.jobs.insert(Job {
            kind,
            order: o,
            from,
            status,
            attempt: 0,
            awaiting: false,
        });
        self.hold(o);
        self.send_job(m, j);
    }

    /// Sends `handler` the order to roll back, insisting until it answers
    /// (a job).
    pub(super) fn start_rollback(
        &mut self,
        m: &Model,
        from: ServiceId,
        o: OrderKey,
        handler: HandlerId,
    ) {
        let j = self.jobs.insert(Job {
            kind: JobKind::Rollback(handler),
            order: o,
            from,
            status: STATUS_PENDING,
            attempt: 0,
            awaiting: false,
        });
        self.hold(o);
        self.send_job(m, j);
    }

    pub(super) fn send_job(&mut self, m: &Model, j: JobKey) {
        let job = &mut self.jobs[j];
        job.attempt += 1;
        job.awaiting = true;
        let (o, from, attempt, status) = (job.order, job.from, job.attempt, job.status);
        match job.kind {
            JobKind::Callback => {
                self.metrics.client.callbacks_sent += 1;
                self.send(
                    m,
                    from,
                    m.client.service,
                    o,
                    Body::Callback {
                        job: j,
                        attempt,
                        status,
                    },
                );
                self.timeout(m.client.callback.timeout_us, Event::JobTimeout(j, attempt));
            }
            JobKind::FinalStatus => {
                let write = m
                    .client
                    .polling
                    .as_ref()
                    .expect("polling mode has polling settings")
                    .write;
                let to = m.handlers[write].service;
                let reply = Reply::Job { job: j, attempt };
                self.send(
                    m,
                    from,
                    to,
                    o,
                    Body::Request {
                        handler: write,
                        reply,
                        arg: status,
                    },
                );
                self.timeout(STATUS_WRITE_TIMEOUT_US, Event::JobTimeout(j, attempt));
            }
            JobKind::Rollback(handler) => {
                let to = m.handlers[handler].service;
                let reply = Reply::Job { job: j, attempt };
                let arg = STATUS_PENDING;
                let body = Body::Request {
                    handler,
                    reply,
                    arg,
                };
                self.send(m, from, to, o, body);
                self.timeout(ROLLBACK_TIMEOUT_US, Event::JobTimeout(j, attempt));
            }
        }
    }

    /// A webhook reached the client, which may fail to take it (the
    /// scenario's callback failure rate); it acknowledges either way.
    pub(super) fn on_callback_arrived(
        &mut self,
        m: &Model,
        msg: &Message,
        job: JobKey,
        attempt: u32,
        status: StatusId,
    ) {
        let rate = m.client.callback.failure_rate;
        let ok = !(rate > 0.0 && self.rng.chance(rate));
        self.trace(m, TraceKind::Deliver { msg: msg.id });
        if ok {
            self.client_learn(m, msg.order, status);
        }
        let ack = Body::CallbackAck { job, attempt, ok };
        self.send(m, msg.to, msg.from, msg.order, ack);
    }

    /// A job's backoff ran out: deliver again.
    pub(super) fn on_job_retry(&mut self, m: &Model, j: JobKey, attempt: u32) {
        if self.jobs.get(j).is_some_and(|x| x.attempt == attempt) {
            self.send_job(m, j);
        }
    }

    /// A job's delivery was acknowledged (`ok`), refused or timed out.
    pub(super) fn on_job_answer(&mut self, m: &Model, j: JobKey, attempt: u32, ok: bool) {
        if !self
            .jobs
            .get(j)
            .is_some_and(|x| x.attempt == attempt && x.awaiting)
        {
            return;
        }
        self.jobs[j].awaiting = false;
        if ok {
            let job = self.jobs.remove(j).expect("checked");
            return self.release(m, job.order);
        }
        let job = self.jobs[j];
        let (max_attempts, backoff) = match job.kind {
            JobKind::Callback => {
                self.metrics.client.callback_failures += 1;
                (m.client.callback.max_attempts, m.client.callback.backoff)
            }
            JobKind::FinalStatus => {
                self.metrics.steps.status_write_failures += 1;
                (FINAL_STATUS_ATTEMPTS, FINAL_STATUS_BACKOFF)
            }
            JobKind::Rollback(_) => (FINAL_STATUS_ATTEMPTS, FINAL_STATUS_BACKOFF),
        };
        if job.attempt >= max_attempts {
            if job.kind == JobKind::Callback {
                self.metrics.client.callbacks_abandoned += 1;
            }
            self.jobs.remove(j);
            return self.release(m, job.order);
        }
        let delay = backoff.delay_us(job.attempt - 1, &mut self.rng);
        self.after(delay, Event::JobRetry(j, job.attempt));
    }
}
