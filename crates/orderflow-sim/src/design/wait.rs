//! Wait or don't wait: turning a step that hands work to another service
//! into a synchronous call, a publish through a queue, or a fire-and-forget
//! send, and back. The central contrast of the documents this project grew
//! from: the same flow, once waiting for each answer, once not.
//!
//! A publish needs a queue with a consumer for the target: turning a call
//! into a publish creates the queue `<service>_<op>_q` (if missing), its
//! consumer, and the broker node and section if the design has none.
//! Turning it back removes what the publish created once nothing else uses
//! it, so call → publish → call gives back the scenario's structure; the
//! call's own options (timeout, retries…) come back from the design's base
//! (see [`super::Design::set`]), since a publish has no place to keep them.

use crate::scenario::*;

use super::list::MODES;

/// The step's mode (`call`, `publish`, `send`), if it hands work to another
/// service.
pub(super) fn mode_of(step: &Step) -> Option<&'static str> {
    match step {
        Step::Call { .. } => Some("call"),
        Step::Publish { .. } => Some("publish"),
        Step::Send { .. } => Some("send"),
        _ => None,
    }
}

/// The modes the step can take: all three when its work goes to one
/// handler, none otherwise (a publish to a fanout of several consumers has
/// no single service to call instead).
pub(super) fn modes(s: &Scenario, step: &Step) -> Vec<&'static str> {
    if target_of(s, step).is_some() {
        MODES.to_vec()
    } else {
        Vec::new()
    }
}

/// The one handler (`service.op`) the step's work goes to.
fn target_of(s: &Scenario, step: &Step) -> Option<String> {
    match step {
        Step::Call { target, .. } | Step::Send { target, .. } => Some(target.clone()),
        Step::Publish { to, .. } => {
            let b = s.broker.as_ref()?;
            let queues: Vec<&str> = match b.exchanges.iter().find(|e| e.id == *to) {
                Some(e) => e.queues.iter().map(String::as_str).collect(),
                None => vec![to.as_str()],
            };
            let mut handlers = b
                .consumers
                .iter()
                .filter(|c| queues.contains(&c.queue.as_str()))
                .map(|c| c.handler.clone());
            let first = handlers.next()?;
            handlers.all(|h| h == first).then_some(first)
        }
        _ => None,
    }
}

/// The queue a publish to `target` goes through: `payment_charge_q`.
pub fn queue_for(target: &str) -> String {
    let mut q: String = target
        .chars()
        .map(|c| if c == '.' { '_' } else { c })
        .take(38)
        .collect();
    q.push_str("_q");
    q
}

/// The broker node's id when a design adds one.
const BROKER: &str = "broker";

/// Turns step `i` of handler `hi` into `mode`, creating or removing the
/// queue, consumer and broker a publish needs.
pub(super) fn set_mode(s: &mut Scenario, hi: usize, i: usize, mode: &str) -> Result<(), String> {
    let step = s.handlers[hi].steps.get(i).ok_or("no such step")?.clone();
    let target = target_of(s, &step).ok_or("this step has no single target")?;
    let (mandatory, compensate) = match &step {
        Step::Call {
            mandatory,
            compensate,
            ..
        } => (*mandatory, compensate.clone()),
        Step::Send { compensate, .. } => (true, compensate.clone()),
        Step::Publish { mandatory, .. } => (*mandatory, None),
        _ => (true, None),
    };
    let new = match mode {
        "call" => Step::Call {
            target: target.clone(),
            timeout_ms: 1_000,
            retries: 0,
            backoff: Backoff::default(),
            retry_budget: None,
            breaker: None,
            fallback: None,
            fallback_policy: None,
            mandatory,
            compensate,
        },
        "send" => Step::Send {
            target: target.clone(),
            compensate,
        },
        _ => {
            let q = ensure_queue(s, &target, (hi, i));
            Step::Publish {
                to: q,
                message: target.split('.').nth(1).map(str::to_owned),
                mandatory,
            }
        }
    };
    s.handlers[hi].steps[i] = new;
    if let Step::Publish { to, .. } = step {
        remove_unused_queue(s, &to, &target);
    }
    Ok(())
}

/// The first step (handler index, step index) publishing to `q`.
fn first_publisher(s: &Scenario, q: &str) -> Option<(usize, usize)> {
    s.handlers.iter().enumerate().find_map(|(hi, h)| {
        h.steps
            .iter()
            .position(|st| matches!(st, Step::Publish { to, .. } if to == q))
            .map(|i| (hi, i))
    })
}

/// The queue for `target`, created with its consumer (and the broker) if
/// missing. A queue made here goes before the first queue made the same
/// way for a later step (`key`: the publishing step's handler and index),
/// so the queues come out in the flow's order whatever order the steps
/// were changed in: a design's scenario depends on its edits, not on their
/// history, and `diff` can write it.
fn ensure_queue(s: &mut Scenario, target: &str, key: (usize, usize)) -> String {
    let q = queue_for(target);
    if s.broker.is_none() {
        if !s.services.iter().any(|sv| sv.kind == ServiceKind::Broker) {
            s.services.push(ServiceSpec {
                id: BROKER.to_owned(),
                label: Some("Message Broker".to_owned()),
                kind: ServiceKind::Broker,
                replicas: 1,
                concurrency: 1,
                queue_capacity: 100,
                latency: Latency::default(),
                error_rate: 0.0,
                down: Vec::new(),
                stock: None,
                balancer: Balancer::Pool,
                scale_in: ScaleIn::Drain,
            });
        }
        let service = s
            .services
            .iter()
            .find(|sv| sv.kind == ServiceKind::Broker)
            .map_or(BROKER.to_owned(), |sv| sv.id.clone());
        s.broker = Some(BrokerSpec {
            service,
            queues: Vec::new(),
            exchanges: Vec::new(),
            consumers: Vec::new(),
        });
    }
    let made_later: Vec<bool> = {
        let b = s.broker.as_ref().expect("created above");
        b.queues
            .iter()
            .map(|x| {
                b.consumers
                    .iter()
                    .any(|c| c.queue == x.id && queue_for(&c.handler) == x.id)
                    && first_publisher(s, &x.id).is_some_and(|k| k > key)
            })
            .collect()
    };
    let b = s.broker.as_mut().expect("created above");
    if !b.queues.iter().any(|x| x.id == q) {
        let at = made_later
            .iter()
            .position(|later| *later)
            .unwrap_or(b.queues.len());
        b.queues.insert(
            at,
            QueueSpec {
                id: q.clone(),
                durable: true,
                capacity: 10_000,
                visibility_timeout_ms: 30_000,
                max_deliveries: 5,
                redelivery_backoff: Backoff {
                    base_ms: 500,
                    max_ms: 8_000,
                    jitter: 0.0,
                    kind: None,
                },
                ttl_ms: None,
                rollback: None,
                dead_letter: None,
            },
        );
    }
    if !b
        .consumers
        .iter()
        .any(|c| c.queue == q && c.handler == target)
    {
        // Before the consumers of the queues listed after this one.
        let rank = |id: &str| b.queues.iter().position(|x| x.id == id);
        let mine = rank(&q);
        let at = b
            .consumers
            .iter()
            .position(|c| rank(&c.queue) > mine)
            .unwrap_or(b.consumers.len());
        b.consumers.insert(
            at,
            ConsumerSpec {
                queue: q.clone(),
                handler: target.to_owned(),
                dispatch: Dispatch::RoundRobin,
                prefetch: 1,
                pause_while_open: None,
            },
        );
    }
    q
}

/// Removes the queue a publish created for `target` once no step, fallback
/// or queue refers to it; then the broker, once it has no queue left.
fn remove_unused_queue(s: &mut Scenario, q: &str, target: &str) {
    if q != queue_for(target) {
        return;
    }
    let used = s.handlers.iter().flat_map(|h| &h.steps).any(|st| match st {
        Step::Publish { to, .. } => to == q,
        Step::Call {
            fallback: Some(Fallback::QueueForRetry(to)),
            ..
        } => to == q,
        _ => false,
    });
    let Some(b) = s.broker.as_mut() else { return };
    let referenced = b.queues.iter().any(|x| x.dead_letter.as_deref() == Some(q))
        || b.exchanges.iter().any(|e| e.queues.iter().any(|x| x == q));
    if used || referenced {
        return;
    }
    b.queues.retain(|x| x.id != q);
    b.consumers.retain(|c| c.queue != q);
    if b.queues.is_empty() && b.exchanges.is_empty() {
        let service = b.service.clone();
        s.broker = None;
        s.services
            .retain(|sv| !(sv.id == service && sv.kind == ServiceKind::Broker));
    }
}
