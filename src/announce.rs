//! What the diagram says to a screen reader.
//!
//! The diagram changes every frame; a live region that followed it would
//! never stop talking. [`summary`] names only what is wrong with which
//! service (down, slowed, failing, losing messages, a breaker that is not
//! closed), so its text changes when a fault starts or ends or a breaker
//! moves, not when messages move or queues grow. The diagram component shows
//! it in its one `aria-live="polite"` region.

use orderflow_sim::breaker::BreakerState;

use crate::scene::NodeState;

/// The services' trouble in one sentence per service, in diagram order;
/// "All services up." when there is none. `labels[i]` names `nodes[i]`.
/// Words only, no figures: the node's own accessible name has those, and
/// plain words keep this small in the bundle (no float formatting).
pub fn summary(labels: &[String], nodes: &[NodeState]) -> String {
    let mut out = String::new();
    for (label, n) in labels.iter().zip(nodes) {
        let troubles = [
            (!n.up, "down"),
            (n.latency_factor > 1.0, "slowed"),
            (n.error_rate > 0.0, "failing requests"),
            (n.drop_rate > 0.0, "losing messages"),
            (
                n.breaker == Some(BreakerState::Open),
                "circuit breaker open",
            ),
            (
                n.breaker == Some(BreakerState::HalfOpen),
                "circuit breaker half-open",
            ),
        ];
        let mut words = troubles.iter().filter(|(on, _)| *on).map(|(_, w)| *w);
        let Some(first) = words.next() else { continue };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(label);
        out.push_str(": ");
        out.push_str(first);
        for w in words {
            out.push_str(", ");
            out.push_str(w);
        }
        out.push('.');
    }
    if out.is_empty() {
        out.push_str("All services up.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> NodeState {
        NodeState {
            up: true,
            busy: 3,
            capacity: 4,
            queued: 7,
            replicas: 1,
            replica_load: vec![0.75],
            latency_factor: 1.0,
            error_rate: 0.0,
            drop_rate: 0.0,
            breaker: Some(BreakerState::Closed),
            dead_letters: 2,
            class: String::new(),
            status: String::new(),
            aria: String::new(),
        }
    }

    fn check(nodes: &[NodeState], expect: &str) {
        let labels: Vec<String> = ["Payment", "Warehouse"].map(String::from).to_vec();
        assert_eq!(summary(&labels, nodes), expect);
    }

    #[test]
    fn traffic_alone_says_nothing_new() {
        // Busy workers, a queue, dead letters and a closed breaker are not trouble
        // worth interrupting for: the text stays the same while they change.
        check(&[node(), node()], "All services up.");
    }

    #[test]
    fn names_each_troubled_service_and_what_is_wrong() {
        let down = NodeState {
            up: false,
            ..node()
        };
        let bad = NodeState {
            latency_factor: 3.0,
            error_rate: 0.5,
            drop_rate: 0.25,
            breaker: Some(BreakerState::HalfOpen),
            ..node()
        };
        check(
            &[down, bad],
            "Payment: down. Warehouse: slowed, failing requests, losing messages, \
             circuit breaker half-open.",
        );
        let open = NodeState {
            breaker: Some(BreakerState::Open),
            ..node()
        };
        check(&[node(), open], "Warehouse: circuit breaker open.");
    }
}
