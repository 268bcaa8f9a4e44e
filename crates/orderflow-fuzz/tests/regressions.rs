//! Inputs of the structured targets that once failed, kept as explicit
//! cases (the byte and text targets keep theirs in `corpus/`). Each names
//! the run that found it and what was wrong.
#![cfg(not(target_arch = "wasm32"))]

use orderflow_fuzz::Outcome;
use orderflow_fuzz::commands::{Action, Input, check};
use orderflow_sim::Command;

/// `fuzz_commands`, seed 20261201, input 5: moving the clock ten years
/// ahead took a sample every 500 ms of them and never returned.
#[test]
fn commands_a_clock_moved_ten_years_ahead() {
    let input = Input {
        preset: 5,
        seed: 41,
        actions: vec![
            Action::Apply(Command::SetReplicas {
                service: "ghost".into(),
                replicas: 3,
            }),
            Action::RunFor(315_360_000_000_000),
        ],
    };
    assert_eq!(check(&input), Outcome::Rejected("service".into()));
}

/// `fuzz_commands`, seed 20261201, input 20: at the last representable
/// instant the next sample's time saturated, and sampling looped there.
#[test]
fn commands_a_clock_moved_to_the_end_of_time() {
    let input = Input {
        preset: 5,
        seed: 509,
        actions: vec![
            Action::Apply(Command::SetUp {
                service: "status".into(),
                up: false,
            }),
            Action::ApplyRecorded(
                0,
                18_446_744_073_709_551_615,
                Command::SetDropRate {
                    service: "status".into(),
                    rate: -1e-9,
                },
            ),
            Action::RunFor(u64::MAX),
            Action::ApplyRecorded(
                0,
                -8_845_540,
                Command::SetReplicas {
                    service: "order".into(),
                    replicas: 256,
                },
            ),
            Action::Apply(Command::SetErrorRate {
                service: "order".into(),
                rate: 5e-324,
            }),
        ],
    };
    assert_eq!(check(&input), Outcome::Rejected("at".into()));
}

/// `fuzz_commands`, seed 20261201, input 62: a record claiming a time after
/// the next event was applied, the clock jumped over that event, and the
/// next step moved the clock back to it. Such a record is refused now.
#[test]
fn commands_a_record_later_than_the_next_event() {
    let input = Input {
        preset: 3,
        seed: 693,
        actions: vec![
            Action::ApplyRecorded(
                -1,
                51_546_412,
                Command::SetLatencyFactor {
                    service: "broker".into(),
                    factor: 20.0,
                },
            ),
            Action::Step(16),
        ],
    };
    assert_eq!(check(&input), Outcome::Rejected("at".into()));
}

/// `fuzz_commands`, seed 20261202, input 11,456: food-ordering with
/// Delivery down for good, then run to the end of time. The orders wait
/// for Delivery for ever, and RAMEN's restock added 4 units every 40 s for
/// as long as orders were open: the run never ended (12 million units
/// after 3 million events). A restock now fills the shelf up to its level
/// and books nothing while it is full.
#[test]
fn commands_a_restock_while_orders_wait_for_ever() {
    let input = Input {
        preset: 5,
        seed: 16,
        actions: vec![
            Action::ApplyRecorded(
                i64::MIN,
                0,
                Command::SetReplicas {
                    service: "status".into(),
                    replicas: 3,
                },
            ),
            Action::ApplyRecorded(
                -1,
                0,
                Command::SetUp {
                    service: "payment".into(),
                    up: true,
                },
            ),
            Action::RunFor(52_303_266),
            Action::Apply(Command::SetUp {
                service: "delivery".into(),
                up: false,
            }),
            Action::RunFor(u64::MAX),
            Action::Step(33),
            Action::Step(208),
        ],
    };
    assert_eq!(check(&input), Outcome::Accepted);
}
