//! The trace of every preset, as text, for a fixed seed and three orders.
//! A change in behaviour shows up as a diff; `UPDATE_EXPECT=1 cargo test`
//! accepts it after review.

use expect_test::{ExpectFile, expect_file};

use crate::support::*;

fn check(name: &str, expected: ExpectFile) {
    let model = model_with(name, |s| {
        s.workload.orders = 3;
        s.faults.clear();
    });
    let mut sim = sim(&model, 1, model.client.completion);
    let trace = run_checked(&mut sim);
    expected.assert_eq(&text(&model, &trace));
}

#[test]
fn sync_chain() {
    check("sync-chain", expect_file!["snapshots/sync-chain.txt"]);
}

#[test]
fn fire_and_forget() {
    check(
        "fire-and-forget",
        expect_file!["snapshots/fire-and-forget.txt"],
    );
}

#[test]
fn hybrid() {
    check("hybrid", expect_file!["snapshots/hybrid.txt"]);
}

#[test]
fn hybrid_queue() {
    check("hybrid-queue", expect_file!["snapshots/hybrid-queue.txt"]);
}

#[test]
fn surge() {
    check("surge", expect_file!["snapshots/surge.txt"]);
}

#[test]
fn food_ordering() {
    check("food-ordering", expect_file!["snapshots/food-ordering.txt"]);
}

#[test]
fn pizza() {
    check("pizza", expect_file!["snapshots/pizza.txt"]);
}

#[test]
fn async_write() {
    check("async-write", expect_file!["snapshots/async-write.txt"]);
}

#[test]
fn payment_breaker() {
    check(
        "payment-breaker",
        expect_file!["snapshots/payment-breaker.txt"],
    );
}

#[test]
fn mmc() {
    check("mmc", expect_file!["snapshots/mmc.txt"]);
}
