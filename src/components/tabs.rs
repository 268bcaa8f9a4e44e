//! The narrow-screen tab bar and the panels it switches (see `crate::tabs`;
//! `style/tabs.css` shows the bar and hides the other panels only below a
//! documentation column's width — wider, every panel shows and the bar is
//! not drawn).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::tabs::Tab;

/// The tab bar. Arrow keys, Home and End move between tabs (and focus the new
/// one); the page's own shortcuts do not see those keys.
#[component]
pub fn TabBar(tab: RwSignal<Tab>) -> impl IntoView {
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(next) = tab.get_untracked().after_key(&ev.key()) {
            ev.prevent_default();
            ev.stop_propagation();
            tab.set(next);
            let button = document()
                .get_element_by_id(&next.tab_id())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(b) = button {
                let _ = b.focus();
            }
        }
    };
    let buttons = Tab::ALL
        .into_iter()
        .map(|t| {
            let on = move || tab.get() == t;
            view! {
                <button
                    type="button"
                    class="tabs__tab"
                    role="tab"
                    id=t.tab_id()
                    aria-controls=t.panel_id()
                    aria-selected=move || on().to_string()
                    tabindex=move || if on() { "0" } else { "-1" }
                    on:click=move |_| tab.set(t)
                >
                    {t.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="tabs" role="tablist" aria-label="Panels" on:keydown=on_key>
            {buttons}
        </div>
    }
}

/// One panel of the tab bar: always shown on wide screens, only while its tab
/// is chosen on narrow ones.
#[component]
pub fn TabPanel(tab: RwSignal<Tab>, of: Tab, children: Children) -> impl IntoView {
    view! {
        <div
            class="tabpanel"
            class:tabpanel--active=move || tab.get() == of
            role="tabpanel"
            id=of.panel_id()
            aria-labelledby=of.tab_id()
        >
            {children()}
        </div>
    }
}
