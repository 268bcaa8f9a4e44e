//! The event log: a filterable, virtualised list of the trace.

use leptos::prelude::*;

use crate::app::AppCtx;
use crate::event_log::{Category, LogFilter, ROW_PX, visible_rows};

/// Height of the log's viewport, CSS pixels.
const VIEWPORT_PX: f64 = 264.0;

/// The trace as rows, filtered by order, service and kind. Only the rows in
/// view exist in the DOM, so 100,000 rows scroll as smoothly as ten.
#[component]
pub fn EventLog() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let scroll = RwSignal::new(0.0f64);
    let follow = RwSignal::new(true);
    let viewport = NodeRef::<leptos::html::Div>::new();
    let len = Memo::new(move |_| {
        ctx.log_rev.track();
        ctx.ctrl.with_value(|c| c.log.len())
    });
    let services = Memo::new(move |_| {
        ctx.model_rev.track();
        ctx.ctrl.with_value(|c| {
            c.model
                .services
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
        })
    });
    let set_filter = move |f: &dyn Fn(&mut LogFilter)| {
        ctx.ctrl.update_value(|c| {
            let mut filter = c.log.filter();
            f(&mut filter);
            c.set_log_filter(filter);
            c.update_log();
        });
        ctx.log_rev.update(|r| *r += 1);
    };
    // Follow the newest rows unless the reader scrolled up.
    Effect::new(move |_| {
        let n = len.get();
        if follow.get_untracked()
            && let Some(el) = viewport.get_untracked()
        {
            let top = (n as f64 * ROW_PX - VIEWPORT_PX).max(0.0);
            el.set_scroll_top(top as i32);
            scroll.set(top);
        }
    });
    let rows = move || {
        ctx.log_rev.track();
        let range = visible_rows(scroll.get(), VIEWPORT_PX, len.get());
        ctx.ctrl
            .with_value(|c| {
                let model = c.model.clone();
                c.log
                    .rows(range.clone())
                    .iter()
                    .zip(range.clone())
                    .filter_map(|(&i, row)| {
                        c.session
                            .store()
                            .get(i)
                            .map(|e| (row, e.text(&model), e.order()))
                    })
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .map(|(row, text, order)| {
                view! {
                    <li
                        class="log__row"
                        style:top=format!("{}px", row as f64 * ROW_PX)
                        on:click=move |_| {
                            if let Some(o) = order {
                                ctx.act(|c| c.selected_order = Some(o));
                            }
                        }
                    >
                        {text}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="panel log" aria-label="Event log">
            <h2 class="panel__title">"Event log " <span class="log__count" data-testid="log-count">{move || format!("({} rows)", len.get())}</span></h2>
            <div class="log__filters">
                <label>
                    "Order "
                    <input
                        class="bar__number"
                        type="number"
                        min="1"
                        aria-label="Filter by order"
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            let order = v.trim().parse::<u64>().ok();
                            set_filter(&move |f| f.order = order);
                        }
                    />
                </label>
                <label>
                    "Service "
                    <select
                        aria-label="Filter by service"
                        on:change=move |ev| {
                            let service = event_target_value(&ev).parse::<u16>().ok();
                            set_filter(&move |f| f.service = service);
                        }
                    >
                        <option value="">"any"</option>
                        {move || services.get().into_iter().enumerate().map(|(i, s)| view! { <option value=i.to_string()>{s}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Kind "
                    <select
                        aria-label="Filter by kind"
                        on:change=move |ev| {
                            let category = Category::from_label(&event_target_value(&ev));
                            set_filter(&move |f| f.category = category);
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
                style:height=format!("{VIEWPORT_PX}px")
                on:scroll=move |_| {
                    if let Some(el) = viewport.get_untracked() {
                        let top = f64::from(el.scroll_top());
                        scroll.set(top);
                        let bottom = len.get_untracked() as f64 * ROW_PX - VIEWPORT_PX;
                        follow.set(top >= bottom - ROW_PX);
                    }
                }
            >
                <ol class="log__rows" style:height=move || format!("{}px", len.get() as f64 * ROW_PX)>
                    {rows}
                </ol>
            </div>
        </section>
    }
}
