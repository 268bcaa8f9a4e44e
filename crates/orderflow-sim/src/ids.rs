//! Every id the engine hands around, in one place: indices into the
//! compiled model's tables, the public id of an order, and generational keys
//! of the things alive during a run.
//!
//! **Table indices** are newtypes (`ServiceId(u16)`, `QueueId(u16)`, …) in
//! the manner of rust-analyzer's `la_arena::Idx<T>`: an id knows which table
//! it indexes, so a queue id cannot be passed where a service id is expected,
//! and nobody casts. A table of the model or the run is an [`IdVec`], indexed
//! by its id type only. An id is made from a position by the checked
//! [`Idx::from_index`] (the model's bounds keep every table far below its
//! id's range) and read back by `index()`. Its text form ([`fmt::Display`],
//! [`std::str::FromStr`]) and its serde form are the bare number, so traces,
//! snapshots and links read as before.
//!
//! **An order's id** ([`OrderId`]) is the sequential number shown as `o#17`;
//! it too prints and serializes as the bare number.
//!
//! **Live things** (orders, handler activations, messages on the wire,
//! delivery jobs, unacknowledged broker deliveries) use `slotmap` keys: a
//! stale timer or a late answer finds its key gone instead of a reused slot.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use slotmap::new_key_type;

/// An index into a table: what [`IdVec`] is indexed by.
pub trait Idx: Copy {
    /// The position in the table.
    fn index(self) -> usize;
    /// The id of position `i`, if `i` fits the id's range.
    fn from_index(i: usize) -> Option<Self>;
}

macro_rules! index_ids {
    ($($(#[$meta:meta])* $name:ident($repr:ty);)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name($repr);

        impl $name {
            /// The position in its table.
            #[inline]
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of position `i`, if `i` fits the id's range.
            #[inline]
            pub fn from_index(i: usize) -> Option<$name> {
                <$repr>::try_from(i).ok().map($name)
            }

            /// The id with this raw number (constants and tests).
            #[allow(dead_code)] // not every id type has a constant
            pub(crate) const fn new(raw: $repr) -> $name {
                $name(raw)
            }
        }

        impl Idx for $name {
            #[inline]
            fn index(self) -> usize {
                $name::index(self)
            }
            #[inline]
            fn from_index(i: usize) -> Option<$name> {
                $name::from_index(i)
            }
        }

        /// The bare number (the trace's text form).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        /// Reads the bare number that [`fmt::Display`] writes.
        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

index_ids! {
    /// A service: index in [`crate::Model::services`].
    ServiceId(u16);
    /// A handler (`"service.op"`): index in [`crate::Model::handlers`].
    HandlerId(u16);
    /// A broker queue: index in [`crate::Model::queues`].
    QueueId(u16);
    /// A broker exchange: index in [`crate::Model::exchanges`].
    ExchangeId(u16);
    /// A broker consumer: index in [`crate::Model::consumers`].
    ConsumerId(u16);
    /// A circuit breaker: index in [`crate::Model::breakers`].
    BreakerId(u16);
    /// A retry budget: index in [`crate::Model::budgets`].
    BudgetId(u16);
    /// An order event name: index in [`crate::Model::events`] (at most 32,
    /// one bit each in an order's event masks).
    EventId(u8);
    /// A status value: index in [`crate::Model::statuses`].
    StatusId(u8);
    /// A flag a handler marks: index in [`crate::Model::flags`] (at most 16,
    /// one bit each in an order's flags).
    FlagId(u8);
    /// A SKU: index in [`crate::Model::skus`] and the run's stock.
    SkuId(u16);
    /// A published message's name: index in [`crate::Model::messages`].
    MessageNameId(u16);
    /// A scheduled fault: index in [`crate::Model::faults`].
    FaultId(u32);
    /// A replica of a service: index in that service's replicas (and in its
    /// consumer's unacknowledged counts).
    ReplicaId(u16);
    /// A step of a handler: index in its [`crate::model::HandlerModel::steps`]
    /// (at most 32, one bit each in an activation's mask of done steps).
    StepId(u8);
}

impl StepId {
    /// The first step of every handler.
    pub const FIRST: StepId = StepId(0);

    /// The step after this one (one past the last ends the handler).
    #[inline]
    pub const fn next(self) -> StepId {
        StepId(self.0.saturating_add(1))
    }

    /// The step's bit in a mask of steps.
    #[inline]
    pub const fn bit(self) -> u32 {
        1 << self.0
    }

    /// The latest step whose bit is set in `mask`, if any.
    #[inline]
    pub const fn last_in(mask: u32) -> Option<StepId> {
        match mask {
            0 => None,
            // At most 31: it fits a u8.
            _ => Some(StepId((31 - mask.leading_zeros()) as u8)),
        }
    }
}

impl EventId {
    /// The event's bit in an order's event masks.
    #[inline]
    pub const fn bit(self) -> u32 {
        1 << self.0
    }
}

/// PENDING, the status of an order before anything is written.
impl Default for StatusId {
    fn default() -> StatusId {
        StatusId(0)
    }
}

impl FlagId {
    /// The flag's bit in an order's flags.
    #[inline]
    pub const fn bit(self) -> u32 {
        1 << self.0
    }
}

/// An order's public id: sequential from 1 in arrival order, shown as
/// `o#17`. Prints and serializes as the bare number.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for OrderId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<OrderId, Self::Err> {
        s.parse().map(OrderId)
    }
}

/// A table indexed by an id type `I` only: `services[s]` takes a
/// [`ServiceId`], never a `usize` or another table's id.
pub struct IdVec<I, T> {
    raw: Vec<T>,
    _id: PhantomData<fn(I) -> I>,
}

impl<I: Idx, T> IdVec<I, T> {
    /// An empty table.
    pub const fn new() -> IdVec<I, T> {
        IdVec {
            raw: Vec::new(),
            _id: PhantomData,
        }
    }

    /// Entries in the table.
    #[inline]
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// True if the table has no entry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The entry of `id`, if the table has it.
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.raw.get(id.index())
    }

    /// The entry of `id`, if the table has it.
    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.raw.get_mut(id.index())
    }

    /// Appends an entry.
    pub fn push(&mut self, value: T) {
        self.raw.push(value);
    }

    /// Grows (with `value`) or shrinks the table to `len` entries.
    pub fn resize(&mut self, len: usize, value: T)
    where
        T: Clone,
    {
        self.raw.resize(len, value);
    }

    /// The entries in id order.
    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.raw.iter()
    }

    /// The entries in id order.
    #[inline]
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.raw.iter_mut()
    }

    /// Every id of the table, in order.
    #[inline]
    pub fn ids(&self) -> impl Iterator<Item = I> + Clone + use<I, T> {
        (0..self.raw.len()).map_while(I::from_index)
    }

    /// The entries with their ids, in order.
    #[inline]
    pub fn iter_enumerated(&self) -> impl Iterator<Item = (I, &T)> + Clone {
        self.ids().zip(self.raw.iter())
    }

    /// The entries with their ids, in order.
    #[inline]
    pub fn iter_enumerated_mut(&mut self) -> impl Iterator<Item = (I, &mut T)> {
        self.ids().zip(self.raw.iter_mut())
    }

    /// The id of the first entry that satisfies `pred`.
    pub fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<I> {
        self.raw.iter().position(pred).and_then(I::from_index)
    }

    /// The entries as a slice, in id order.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.raw
    }
}

impl<I, T: Clone> Clone for IdVec<I, T> {
    fn clone(&self) -> Self {
        IdVec {
            raw: self.raw.clone(),
            _id: PhantomData,
        }
    }
}

impl<I, T: PartialEq> PartialEq for IdVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<I, T: Eq> Eq for IdVec<I, T> {}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec {
            raw: Vec::new(),
            _id: PhantomData,
        }
    }
}

/// As the plain list of entries (a table's ids are its positions).
impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

impl<I: Idx, T> Index<I> for IdVec<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        &self.raw[id.index()]
    }
}

impl<I: Idx, T> IndexMut<I> for IdVec<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.raw[id.index()]
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(raw: Vec<T>) -> Self {
        IdVec {
            raw,
            _id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        IdVec::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<I, T> IntoIterator for IdVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.into_iter()
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.iter_mut()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_serialize_as_the_bare_number() {
        let s = ServiceId::from_index(7).unwrap();
        assert_eq!(s.to_string(), "7");
        assert_eq!(format!("{s:>3}"), "  7", "width and padding pass through");
        assert_eq!(serde_json::to_string(&s).unwrap(), "7");
        assert_eq!(serde_json::from_str::<ServiceId>("7").unwrap(), s);
        assert_eq!("7".parse::<ServiceId>(), Ok(s));
        assert_eq!(OrderId(17).to_string(), "17");
        assert_eq!(serde_json::to_string(&OrderId(17)).unwrap(), "17");
    }

    #[test]
    fn from_index_refuses_what_the_id_cannot_hold() {
        assert_eq!(EventId::from_index(255).map(EventId::index), Some(255));
        assert_eq!(EventId::from_index(256), None);
        assert_eq!(QueueId::from_index(65_536), None);
        assert!("-1".parse::<ServiceId>().is_err());
    }

    #[test]
    fn steps_move_on_and_mark_their_bit() {
        let s = StepId::FIRST.next().next();
        assert_eq!((s.index(), s.bit()), (2, 0b100));
        assert_eq!(StepId::last_in(0b10110), Some(StepId(4)));
        assert_eq!(StepId::last_in(1 << 31), Some(StepId(31)));
        assert_eq!(StepId::last_in(0), None);
    }

    #[test]
    fn a_table_is_indexed_by_its_own_id() {
        let t: IdVec<QueueId, &str> = ["a", "b", "c"].into_iter().collect();
        let b = t.position(|n| *n == "b").unwrap();
        assert_eq!(b.index(), 1);
        assert_eq!(t[b], "b");
        assert_eq!(t.get(QueueId::from_index(3).unwrap()), None);
        let pairs: Vec<(usize, &str)> = t.iter_enumerated().map(|(i, n)| (i.index(), *n)).collect();
        assert_eq!(pairs, [(0, "a"), (1, "b"), (2, "c")]);
        assert_eq!(format!("{t:?}"), r#"["a", "b", "c"]"#);
    }

    #[test]
    fn ids_of_a_table_longer_than_the_id_range_stop_at_the_range() {
        let t: IdVec<EventId, u8> = vec![0; 300].into();
        assert_eq!(t.ids().count(), 256);
    }
}
