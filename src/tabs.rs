//! Owns the narrow-screen tabs: below a documentation column's width the
//! panels under the diagram stop stacking into one long scroll and show one at
//! a time, chosen by a tab bar (CSS decides the width, `style/tabs.css`; this
//! decides which panel and how the keyboard moves between tabs, as the WAI-ARIA
//! tabs pattern describes: arrows, Home, End).

/// A panel below the diagram.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// Orders, latency, cost, stock, charts, services.
    #[default]
    Metrics,
    /// The order inspector.
    Order,
    /// The event log.
    Log,
    /// The one-click faults and the selected service's settings.
    Break,
}

impl Tab {
    /// In the tab bar's order.
    pub const ALL: [Tab; 4] = [Tab::Metrics, Tab::Order, Tab::Log, Tab::Break];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Metrics => "Metrics",
            Tab::Order => "Order",
            Tab::Log => "Log",
            Tab::Break => "Break things",
        }
    }

    /// The stem of the tab's and its panel's element ids.
    pub fn key(self) -> &'static str {
        match self {
            Tab::Metrics => "metrics",
            Tab::Order => "order",
            Tab::Log => "log",
            Tab::Break => "break",
        }
    }

    pub fn tab_id(self) -> String {
        format!("tab-{}", self.key())
    }

    pub fn panel_id(self) -> String {
        format!("tabpanel-{}", self.key())
    }

    /// The tab a key press in the tab bar moves to, if the key moves at all
    /// (arrows wrap around).
    pub fn after_key(self, key: &str) -> Option<Tab> {
        let i = Tab::ALL.iter().position(|t| *t == self)?;
        let n = Tab::ALL.len();
        match key {
            "ArrowRight" => Some(Tab::ALL[(i + 1) % n]),
            "ArrowLeft" => Some(Tab::ALL[(i + n - 1) % n]),
            "Home" => Some(Tab::ALL[0]),
            "End" => Some(Tab::ALL[n - 1]),
            _ => None,
        }
    }

    /// The tab to show when something is picked in the diagram: a picked
    /// order opens the inspector, a picked service its settings.
    pub fn for_pick(order_picked: bool, service_picked: bool) -> Option<Tab> {
        if order_picked {
            Some(Tab::Order)
        } else if service_picked {
            Some(Tab::Break)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_wrap_and_home_end_jump() {
        assert_eq!(Tab::Metrics.after_key("ArrowRight"), Some(Tab::Order));
        assert_eq!(Tab::Break.after_key("ArrowRight"), Some(Tab::Metrics));
        assert_eq!(Tab::Metrics.after_key("ArrowLeft"), Some(Tab::Break));
        assert_eq!(Tab::Log.after_key("Home"), Some(Tab::Metrics));
        assert_eq!(Tab::Order.after_key("End"), Some(Tab::Break));
        assert_eq!(Tab::Order.after_key("Enter"), None);
    }

    #[test]
    fn ids_are_unique_and_pair_each_tab_with_its_panel() {
        let mut ids: Vec<String> = Tab::ALL
            .iter()
            .flat_map(|t| [t.tab_id(), t.panel_id()])
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 2 * Tab::ALL.len());
        assert_eq!(Tab::Log.panel_id(), "tabpanel-log");
    }

    #[test]
    fn a_pick_in_the_diagram_opens_its_panel() {
        assert_eq!(Tab::for_pick(true, true), Some(Tab::Order));
        assert_eq!(Tab::for_pick(false, true), Some(Tab::Break));
        assert_eq!(Tab::for_pick(false, false), None);
    }
}
