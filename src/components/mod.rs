//! Leptos components. They only wire signals to markup; what they show is
//! computed by the plain-Rust view models next to them in the crate root.

pub mod diagram;

pub use diagram::Diagram;
