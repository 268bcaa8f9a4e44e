//! Owns the markup of comparing designs: the "Compare with…" bar with the
//! built-in comparisons, the diagrams side by side, and the delta table
//! with "Run N seeds". The table's text comes from
//! [`crate::compare_view`]; what runs from the controller.

use leptos::prelude::*;

use crate::app::use_app;
use crate::compare_view::{DEFAULT_SEEDS, DeltaRow};
use crate::components::diagram::DesignDiagram;
use crate::components::panels::chart_view;
use crate::controller::COPY;
use orderflow_sim::comparisons::BUILT_IN;
use orderflow_sim::presets;

/// "Compare with…", the built-in comparisons, and the sentence of the one
/// on screen.
#[component]
pub fn CompareBar() -> impl IntoView {
    let (live, act) = use_app();
    let count = move || live.ui.with(|u| u.designs.len());
    let full = move || count() >= orderflow_sim::comparisons::MAX_DESIGNS;
    let built_in = move || {
        live.ui
            .with(|u| u.built_in)
            .and_then(orderflow_sim::comparisons::built_in)
    };
    view! {
        <section class="compare-bar" aria-label="Compare designs">
            <label class="compare-bar__add">
                "Compare with… "
                <select
                    data-testid="compare-with"
                    prop:disabled=full
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if !v.is_empty() {
                            act.compare_with(v);
                        }
                    }
                    prop:value=move || { count(); String::new() }
                >
                    <option value="">"choose a design"</option>
                    <option value=COPY>"a copy of this design"</option>
                    {presets::NAMES
                        .iter()
                        .map(|n| view! { <option value=*n>{*n}</option> })
                        .collect_view()}
                </select>
            </label>
            <details class="compare-bar__builtins">
                <summary>"Built-in comparisons"</summary>
                <ul class="compare-bar__list">
                    {BUILT_IN
                        .iter()
                        .map(|b| {
                            view! {
                                <li>
                                    <button
                                        class="button compare-bar__builtin"
                                        data-comparison=b.id
                                        title=b.look_at
                                        on:click=move |_| act.open_built_in(b.id)
                                    >
                                        {b.title}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </details>
            {move || built_in().map(|b| view! {
                <p class="compare-bar__look" data-testid="look-at">
                    <strong>{b.title}": "</strong>{b.look_at}
                </p>
            })}
        </section>
    }
}

/// The diagrams of the other designs beside the first, each labelled, and
/// the delta table. Nothing with one design.
#[component]
pub fn SideBySide() -> impl IntoView {
    let (live, act) = use_app();
    let labels = Memo::new(move |_| live.ui.with(|u| u.designs.clone()));
    view! {
        <Show when=move || labels.with(|l| l.len() > 1)>
            <div class="side-by-side" data-testid="side-by-side">
                {move || {
                    labels
                        .get()
                        .into_iter()
                        .enumerate()
                        .skip(1)
                        .map(|(k, label)| {
                            view! {
                                <section class="side-by-side__design" aria-label=format!("Design {}: {label}", k + 1)>
                                    <header class="side-by-side__head">
                                        <h2 class="side-by-side__name" data-testid="design-name">{label.clone()}</h2>
                                        <EditButton index=k label=label.clone() />
                                        <button
                                            class="button button--small side-by-side__remove"
                                            aria-label=format!("Remove {label}")
                                            on:click=move |_| act.remove_design(k)
                                        >
                                            "×"
                                        </button>
                                    </header>
                                    <DesignDiagram index=k />
                                </section>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </Show>
    }
}

/// The first design's name above its diagram, when there are others.
#[component]
pub fn FirstDesignName() -> impl IntoView {
    let (live, _) = use_app();
    let name = move || {
        live.ui
            .with(|u| (u.designs.len() > 1).then(|| u.designs[0].clone()))
    };
    move || {
        name().map(|n| {
            view! {
                <header class="side-by-side__head">
                    <h2 class="side-by-side__name" data-testid="design-name">{n.clone()}</h2>
                    <EditButton index=0 label=n />
                </header>
            }
        })
    }
}

/// "Edit": opens the design panel on design `index` (not in embed mode,
/// which has no design panel).
#[component]
fn EditButton(
    /// The design's place, the first 0.
    index: usize,
    /// Its name, for the button's accessible name.
    label: String,
) -> impl IntoView {
    let (live, act) = use_app();
    let editing = move || live.ui.with(|u| u.design_open && u.design_run == index);
    let embed = live.ui.with_untracked(|u| u.embed);
    (!embed).then(|| {
        view! {
            <button
                class="button button--small side-by-side__edit"
                aria-label=format!("Edit {label}")
                aria-pressed=move || editing().to_string()
                on:click=move |_| act.open_design(index)
            >
                "Edit"
            </button>
        }
    })
}

fn rows_view(rows: Vec<DeltaRow>) -> impl IntoView {
    rows.into_iter()
        .map(|r| {
            view! {
                <tr data-metric=r.name.clone()>
                    <th scope="row" class="delta__label">{r.label}</th>
                    {r.cells
                        .into_iter()
                        .map(|c| view! {
                            <td class=c.mark.class()>
                                <span class="delta__value">{c.value}</span>
                                {(!c.versus.is_empty()).then(|| view! {
                                    <span class="delta__versus">{c.versus}</span>
                                })}
                            </td>
                        })
                        .collect_view()}
                </tr>
            }
        })
        .collect_view()
}

/// Each figure per design, its difference and ratio to the first, the
/// better one marked; "Run N seeds" with its progress.
#[component]
pub fn DeltaPanel() -> impl IntoView {
    let (live, act) = use_app();
    let progress = move || live.ui.with(|u| u.seeds_progress);
    let table = move || {
        live.delta.get().map(|t| {
            let caption = if t.seeds > 1 {
                format!(
                    "Mean ± 95 % interval over {} seeds; a difference is marked only when significant (Welch's t-test, 5 %).",
                    t.seeds
                )
            } else {
                "The runs on screen, at their time (one seed). Run seeds for intervals.".to_owned()
            };
            view! {
                <table class="delta" data-testid="delta-table" data-seeds=t.seeds>
                    <caption class="delta__caption">{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Figure"</th>
                            {t.designs.iter().map(|d| view! { <th scope="col">{d.clone()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{rows_view(t.headline)}</tbody>
                </table>
            }
        })
    };
    // Outside the table's closure, so the "every other figure" part stays
    // open while the figures change.
    let others = move || {
        live.delta.get().map(|t| {
            view! {
                <table class="delta">
                    <tbody>{rows_view(t.others)}</tbody>
                </table>
            }
        })
    };
    let shown = move || live.ui.with(|u| u.designs.len() > 1);
    view! {
        <section class="delta-panel" aria-label="Designs compared" class:delta-panel--hidden=move || !shown()>
            <div class="delta-panel__actions">
                <button
                    class="button button--primary"
                    data-testid="run-seeds"
                    prop:disabled=move || progress().is_some()
                    on:click=move |_| act.run_seeds(DEFAULT_SEEDS)
                >
                    {format!("Run {DEFAULT_SEEDS} seeds")}
                </button>
                {move || progress().map(|p| view! {
                    <progress
                        class="delta-panel__progress"
                        data-testid="seeds-progress"
                        max="1"
                        value=p
                        aria-label="Seeds run so far"
                    ></progress>
                })}
            </div>
            // Focusable, so a keyboard can scroll a table wider than the
            // screen.
            <div class="delta__scroll" tabindex="0" role="region" aria-label="Figures per design">{table}</div>
            <div class="delta-panel__charts" data-testid="overlaid-charts">
                {move || live.charts.get().into_iter().map(chart_view).collect_view()}
            </div>
            <details class="delta__more">
                <summary>"Every other figure"</summary>
                <div class="delta__scroll" tabindex="0" role="region" aria-label="Every other figure per design">{others}</div>
            </details>
        </section>
    }
}
