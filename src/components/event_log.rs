//! Owns the markup of the event log: a filterable, virtualised list of the
//! trace. Which rows, their text and place, and when to follow the newest
//! come from [`crate::event_log`].

use leptos::prelude::*;

use crate::app::use_app;
use crate::event_log::{
    Category, VIEWPORT_HEIGHT, VIEWPORT_PX, Viewport, parse_order_filter, parse_service_filter,
    visible_rows,
};

/// The trace as rows, filtered by order, service and kind. Only the rows in
/// view exist in the DOM, so 100,000 rows scroll as smoothly as ten.
#[component]
pub fn EventLog() -> impl IntoView {
    let (live, act) = use_app();
    let scroll = RwSignal::new(0.0f64);
    let follow = RwSignal::new(true);
    let viewport = NodeRef::<leptos::html::Div>::new();
    let len = Memo::new(move |_| {
        live.log_rev.track();
        act.log_len()
    });
    let shape = move || Viewport { len: len.get() };
    let services = Memo::new(move |_| live.design.with(|d| d.services.clone()));
    // Follow the newest rows unless the reader scrolled up.
    Effect::new(move |_| {
        let bottom = shape().bottom();
        if follow.get_untracked()
            && let Some(el) = viewport.get_untracked()
        {
            el.set_scroll_top(bottom as i32);
            scroll.set(bottom);
        }
    });
    let rows = move || {
        live.log_rev.track();
        act.log_rows(visible_rows(scroll.get(), VIEWPORT_PX, len.get()))
            .into_iter()
            .map(|row| {
                let order = row.order;
                view! {
                    <li
                        class="log__row"
                        style:top=row.top
                        on:click=move |_| {
                            if let Some(o) = order {
                                act.select_order(o);
                            }
                        }
                    >
                        {row.text}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="panel log" aria-label="Event log">
            <h2 class="panel__title">"Event log " <span class="log__count" data-testid="log-count">{move || shape().count_label()}</span></h2>
            <div class="log__filters">
                <label>
                    "Order "
                    <input
                        class="bar__number"
                        type="number"
                        min="1"
                        aria-label="Filter by order"
                        on:input=move |ev| {
                            let order = parse_order_filter(&event_target_value(&ev));
                            act.edit_log_filter(|f| f.order = order);
                        }
                    />
                </label>
                <label>
                    "Service "
                    <select
                        aria-label="Filter by service"
                        on:change=move |ev| {
                            let service = parse_service_filter(&event_target_value(&ev));
                            act.edit_log_filter(|f| f.service = service);
                        }
                    >
                        <option value="">"any"</option>
                        {move || services.get().iter_enumerated().map(|(i, s)| view! { <option value=i.to_string()>{s.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Kind "
                    <select
                        aria-label="Filter by kind"
                        on:change=move |ev| {
                            let category = Category::from_label(&event_target_value(&ev));
                            act.edit_log_filter(|f| f.category = category);
                        }
                    >
                        <option value="">"any"</option>
                        {Category::ALL.iter().map(|(_, l)| view! { <option value=*l>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <label class="log__follow">
                    <input type="checkbox" prop:checked=move || follow.get() on:change=move |ev| follow.set(event_target_checked(&ev)) />
                    " follow"
                </label>
            </div>
            <div
                class="log__viewport"
                node_ref=viewport
                tabindex="0"
                role="group"
                aria-label="Event log entries (scroll with the arrow keys)"
                style:height=VIEWPORT_HEIGHT
                on:scroll=move |_| {
                    if let Some(el) = viewport.get_untracked() {
                        let top = f64::from(el.scroll_top());
                        scroll.set(top);
                        follow.set(Viewport { len: len.get_untracked() }.follows_at(top));
                    }
                }
            >
                <ol class="log__rows" style:height=move || shape().list_height()>
                    {rows}
                </ol>
            </div>
        </section>
    }
}
