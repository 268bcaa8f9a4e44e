//! Owns the markup of the "Export" menu: one button per file the page can
//! save. What each file holds, its name and the message once it is saved
//! come from [`crate::export`]; saving is [`crate::export_download`].

use leptos::prelude::*;

use crate::app::use_app;
use crate::export::{ExportKind, button_label};
use crate::export_download::save_export;

/// A disclosure button that opens the export buttons and says what the
/// last export saved (or why it could not).
#[component]
pub fn ExportMenu() -> impl IntoView {
    let (live, act) = use_app();
    let selected = Memo::new(move |_| live.ui.with(|u| u.selected_order));
    let said = RwSignal::new(String::new());
    let buttons = ExportKind::ALL
        .into_iter()
        .map(|kind| {
            let needs_order = kind == ExportKind::Mermaid;
            view! {
                <button
                    class="button button--small"
                    disabled=move || needs_order && selected.get().is_none()
                    on:click=move |_| save_export(act, kind, move |m| said.set(m))
                >
                    {move || button_label(kind, selected.get())}
                </button>
            }
        })
        .collect_view();
    view! {
        <details class="export">
            <summary class="button">"Export"</summary>
            <div class="export__menu" role="group" aria-label="Export">
                {buttons}
                <p class="export__said" role="status" data-testid="export-status">
                    {move || said.get()}
                </p>
            </div>
        </details>
    }
}
