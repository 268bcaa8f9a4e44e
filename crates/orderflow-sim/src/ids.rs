//! Every id the engine hands around, in one place: indices into the
//! compiled model's tables, and generational keys of the things alive during
//! a run.
//!
//! Model indices are plain integer aliases for now, so `as usize` indexing
//! works unchanged; each alias names the table it indexes, so turning one
//! into a newtype (`struct ServiceId(u16)` with `Index` on the table) is a
//! change to this file plus the call sites the compiler then points at.
//!
//! Live things (orders, handler activations, messages on the wire, delivery
//! jobs, unacknowledged broker deliveries) use `slotmap` keys: a stale timer
//! or a late answer finds its key gone instead of a reused slot.

use slotmap::new_key_type;

/// Index of a service in [`crate::Model::services`].
pub type ServiceId = u16;
/// Index of a handler in [`crate::Model::handlers`].
pub type HandlerId = u16;
/// Index of a queue in [`crate::Model::queues`].
pub type QueueId = u16;
/// Index of a breaker in [`crate::Model::breakers`].
pub type BreakerId = u16;
/// Index of an order event name in [`crate::Model::events`].
pub type EventId = u8;
/// Index of a status value in [`crate::Model::statuses`].
pub type StatusId = u8;

new_key_type! {
    /// A live order.
    pub struct OrderKey;
    /// A running handler (an activation).
    pub struct ActKey;
    /// A message on the wire.
    pub struct MsgKey;
    /// A webhook or final-status delivery job.
    pub struct JobKey;
    /// A broker delivery not yet acknowledged.
    pub struct InflightKey;
}
