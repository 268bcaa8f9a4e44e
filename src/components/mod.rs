//! Owns the Leptos components. They only wire signals to markup: they read
//! the read-only signals of [`crate::app::Live`], call the named actions of
//! [`crate::app::Actions`], and show what the plain-Rust view models of the
//! crate computed (natively tested): `controls_view`, `diagram_view`,
//! `scene`, `faults`, `design_panel`, `stats`, `inspector`, `event_log`,
//! `token_layer`, `export`, `tabs`.

pub mod claims;
pub mod compare;
pub mod controls;
pub mod design;
pub mod diagram;
pub mod event_log;
pub mod export_menu;
pub mod id_source;
pub mod panels;
pub mod tabs;
pub mod token_canvas;

pub use claims::{ClaimFigurePanel, ClaimsPanel};
pub use compare::{CompareBar, DeltaPanel, FirstDesignName, SideBySide};
pub use controls::{ScenarioBar, Transport};
pub use design::DesignDrawer;
pub use diagram::LiveDiagram;
pub use event_log::EventLog;
pub use export_menu::ExportMenu;
pub use panels::{InspectorPanel, MetricsPanel, NodePanel, QueuePanel};
pub use tabs::{TabBar, TabPanel};
