//! Leptos components. They only wire signals to markup: what they show is
//! computed by the plain-Rust modules of the crate (controller, scene,
//! stats, inspector, event_log), which are tested natively.

pub mod controls;
pub mod diagram;
pub mod event_log;
pub mod panels;
pub mod token_canvas;

pub use controls::{ScenarioBar, Transport};
pub use diagram::LiveDiagram;
pub use event_log::EventLog;
pub use panels::{InspectorPanel, MetricsPanel, NodePanel, QueuePanel};
