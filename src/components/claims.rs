//! Owns the markup of the claims list (what the current preset
//! demonstrates, each with "Show me") and of the highlighted figure in the
//! metrics panel. What they show comes from [`crate::claims_view`].

use leptos::prelude::*;

use crate::app::use_app;
use crate::claims_view::{ClaimItem, parse_reply, request};

/// The current preset's claims, each with its source and a "Show me"
/// button that opens the claim's run at its moment. A disclosure, closed at
/// first: the claims come from the on-demand worker the first time it is
/// opened (and again for each new preset while it is open), so their texts
/// and runs are not in the bundle loaded at start.
#[component]
pub fn ClaimsPanel() -> impl IntoView {
    let (live, act) = use_app();
    let preset = Memo::new(move |_| live.ui.with(|u| u.preset.clone()));
    let open = RwSignal::new(false);
    // The preset last asked for, and its claims or why they are missing
    // (`None` while the worker works).
    let loaded = RwSignal::new(None::<(String, Option<Result<Vec<ClaimItem>, String>>)>);
    // Syncs with the worker: asks once per preset while the list is open.
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let p = preset.get();
        if loaded.with_untracked(|l| l.as_ref().is_some_and(|(q, _)| *q == p)) {
            return;
        }
        loaded.set(Some((p.clone(), None)));
        crate::on_demand::ask(request(&p), move |reply| {
            // A reply for a preset no longer asked for is dropped.
            loaded.update(|l| {
                if let Some((_, claims)) = l.as_mut().filter(|(q, _)| *q == p) {
                    *claims = Some(parse_reply(&reply));
                }
            });
        });
    });
    let state = move || loaded.with(|l| l.as_ref().and_then(|(_, c)| c.clone()));
    view! {
        <section class="panel claims" aria-label="Claims">
            <details
                class="claims__details"
                on:toggle=move |ev| {
                    let details: web_sys::HtmlDetailsElement = event_target(&ev);
                    open.set(details.open());
                }
            >
                <summary class="claims__summary">
                    <h2 class="panel__title">"Claims"</h2>
                </summary>
                <p class="claims__intro">
                    "What this pattern demonstrates, each checked by running it ("
                    <code>"orderflow claims"</code>
                    ")."
                </p>
                <p class="claims__said" role="status">
                    {move || match state() {
                        None => "Loading the claims…".to_owned(),
                        Some(Err(why)) => format!("The claims could not be read: {why}"),
                        Some(Ok(_)) => String::new(),
                    }}
                </p>
                <ol class="claims__list">
                    {move || {
                        state()
                            .and_then(Result::ok)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|c| {
                                // The button is named "Show me" and described by
                                // its claim's text (an aria-label holding the text
                                // would make every word of it a label of the page).
                                let text_id = format!("claim-{}", c.id);
                                let button = match c.show {
                                    Ok(show) => {
                                        view! {
                                            <button
                                                class="button claims__show"
                                                aria-describedby=text_id.clone()
                                                on:click=move |_| act.show_claim(show.clone())
                                            >
                                                "Show me"
                                            </button>
                                        }
                                            .into_any()
                                    }
                                    Err(why) => {
                                        view! { <span class="claims__why">{why}</span> }.into_any()
                                    }
                                };
                                view! {
                                    <li class="claims__item" data-claim=c.id>
                                        <span class="claims__text" id=text_id>{c.text}</span>
                                        <span class="claims__source">{c.source}</span>
                                        {button}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ol>
            </details>
        </section>
    }
}

/// The figure of the claim last shown, highlighted at the top of the
/// metrics panel; nothing until a claim is shown.
#[component]
pub fn ClaimFigurePanel() -> impl IntoView {
    let (live, _) = use_app();
    let figure = Memo::new(move |_| live.ui.with(|u| u.claim_figure.clone()));
    move || {
        figure.get().map(|f| {
            view! {
                <div class="claim-figure" data-testid="claim-figure" role="status">
                    <p class="claim-figure__claim">{f.claim}</p>
                    <p class="claim-figure__row">
                        <span class="claim-figure__label">{f.label}</span>
                        " "
                        <strong class="claim-figure__value" data-testid="claim-figure-value">
                            {f.value}
                        </strong>
                    </p>
                    <p class="claim-figure__metric"><code>{f.metric}</code></p>
                </div>
            }
        })
    }
}
