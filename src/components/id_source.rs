//! Owns the markup of the id-source choice in the scenario bar: where the
//! order id the client checks the status with comes from (003's three
//! ways). What is offered comes from [`crate::controls_view::id_options`].

use leptos::prelude::*;
use orderflow_sim::IdSource;

use crate::app::use_app;
use crate::controls_view::id_options;

/// Radio buttons for the id source, beside the completion modes; nothing
/// for a pattern that only answers synchronously.
#[component]
pub fn IdSourcePicker() -> impl IntoView {
    let (live, act) = use_app();
    let ui = live.ui;
    let options = Memo::new(move |_| ui.with(|u| id_options(&u.allowed, u.has_id_service)));
    let current = Memo::new(move |_| ui.with(|u| u.id_source));
    move || {
        let options = options.get();
        (!options.is_empty()).then(|| {
            let buttons = options
                .into_iter()
                .map(|o| {
                    let id: IdSource = o.id;
                    view! {
                        <label class="bar__mode" class:bar__mode--off=!o.enabled>
                            <input
                                type="radio"
                                name="id-source"
                                value=id.as_str()
                                disabled=!o.enabled
                                prop:checked=move || current.get() == id
                                on:change=move |_| act.set_id_source(id)
                            />
                            {o.label}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="bar__modes">
                    <legend>"Order id"</legend>
                    {buttons}
                </fieldset>
            }
        })
    }
}
