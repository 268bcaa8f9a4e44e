//! Owns the markup of the claims list (what the current preset
//! demonstrates, each with "Show me") and of the highlighted figure in the
//! metrics panel. What they show comes from [`crate::claims_view`].

use leptos::prelude::*;

use crate::app::use_app;
use crate::claims_view::claims_of;

/// The current preset's claims, each with its source and a "Show me"
/// button that opens the claim's run at its moment.
#[component]
pub fn ClaimsPanel() -> impl IntoView {
    let (live, act) = use_app();
    let preset = Memo::new(move |_| live.ui.with(|u| u.preset.clone()));
    // Once per preset: the list does not change while a run plays.
    let claims = Memo::new(move |_| preset.with(|p| claims_of(p)));
    view! {
        <section class="panel claims" aria-label="Claims">
            <h2 class="panel__title">"Claims"</h2>
            <p class="claims__intro">
                "What this pattern demonstrates, each checked by running it ("
                <code>"orderflow claims"</code>
                ")."
            </p>
            <ol class="claims__list">
                {move || {
                    claims
                        .get()
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
                                Err(why) => view! { <span class="claims__why">{why}</span> }.into_any(),
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
