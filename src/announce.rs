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
pub fn summary(labels: &[String], nodes: &[NodeState]) -> String {
    let lines: Vec<String> = labels
        .iter()
        .zip(nodes)
        .filter_map(|(label, n)| {
            let mut parts = Vec::new();
            if !n.up {
                parts.push("down".to_owned());
            }
            if n.latency_factor > 1.0 {
                parts.push(format!("{}× slower", n.latency_factor));
            }
            if n.error_rate > 0.0 {
                parts.push(format!("{:.0}% of requests fail", n.error_rate * 100.0));
            }
            if n.drop_rate > 0.0 {
                parts.push(format!("{:.0}% of messages lost", n.drop_rate * 100.0));
            }
            match n.breaker {
                Some(BreakerState::Open) => parts.push("circuit breaker open".to_owned()),
                Some(BreakerState::HalfOpen) => parts.push("circuit breaker half-open".to_owned()),
                Some(BreakerState::Closed) | None => {}
            }
            (!parts.is_empty()).then(|| format!("{label}: {}.", parts.join(", ")))
        })
        .collect();
    if lines.is_empty() {
        "All services up.".to_owned()
    } else {
        lines.join(" ")
    }
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
            "Payment: down. Warehouse: 3× slower, 50% of requests fail, 25% of messages lost, \
             circuit breaker half-open.",
        );
        let open = NodeState {
            breaker: Some(BreakerState::Open),
            ..node()
        };
        check(&[node(), open], "Warehouse: circuit breaker open.");
    }
}
