//! Owns the markup of the design panel: a drawer over the page (the
//! diagram stays where it is) with every setting of the design as a plain
//! labelled control, grouped as [`crate::design_panel`] lays them out, and
//! the design's scenario JSON to view, copy, download, paste or upload.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::app::use_app;
use crate::design_panel::{Control, Input, summary, value_of_toggle};

/// The "Design" button and the drawer it opens.
#[component]
pub fn DesignDrawer() -> impl IntoView {
    let (live, act) = use_app();
    // Whether the drawer is open and which design it edits (a copy chosen
    // in "Compare with…" opens it on the copy): the controller's, so a
    // Memo that changes only when they do.
    let target = Memo::new(move |_| live.ui.with(|u| (u.design_open, u.design_run)));
    let open = move || target.with(|t| t.0);
    // Recomputed when a model is rebuilt (the design view's generation) or
    // the drawer turns to another design, and only while it is open.
    let panel = Memo::new(move |_| {
        live.design.track();
        if open() {
            act.design_panel()
        } else {
            Default::default()
        }
    });
    // Which design, when there are several ("Design 2: sync-chain (copy)").
    let of = move || {
        let i = target.with(|t| t.1);
        live.ui.with(|u| {
            (u.designs.len() > 1).then(|| {
                format!(
                    "Design {}: {}",
                    i + 1,
                    u.designs.get(i).cloned().unwrap_or_default()
                )
            })
        })
    };
    let message = move || live.ui.with(|u| u.message.clone().unwrap_or_default());
    // Closing gives the focus back to the button that opened the drawer,
    // so a keyboard user goes on from where they were.
    let opener = NodeRef::<leptos::html::Button>::new();
    // Opened from anywhere but its button ("Compare with… a copy", a
    // design's Edit), the drawer takes the focus to its title, so a
    // keyboard user lands in it; from its button the focus stays there and
    // the next Tab enters the drawer, which follows the button.
    let title = NodeRef::<leptos::html::H2>::new();
    let by_button = StoredValue::new(false);
    Effect::new(move |focused: Option<Option<(bool, usize)>>| {
        let t = target.get();
        let focused = focused.flatten();
        if !t.0 {
            by_button.set_value(false);
            return None;
        }
        match title.get() {
            Some(h) if focused != Some(t) => {
                if !by_button.get_value() {
                    let _ = h.focus();
                }
                by_button.set_value(false);
                Some(t)
            }
            _ => focused,
        }
    });
    let close = move || {
        act.close_design();
        if let Some(b) = opener.get_untracked() {
            let _ = b.focus();
        }
    };
    view! {
        <button
            class="button design__open"
            node_ref=opener
            aria-expanded=move || open().to_string()
            aria-controls="design-drawer"
            on:click=move |_| {
                by_button.set_value(true);
                act.toggle_design()
            }
        >
            "Design…"
        </button>
        <Show when=open>
            <aside
                id="design-drawer"
                class="design"
                aria-label="Design"
                on:keydown=move |e| {
                    if e.key() == "Escape" {
                        e.stop_propagation();
                        close();
                    }
                }
            >
                <div class="design__head">
                    <h2 class="design__title" tabindex="-1" node_ref=title>"Design"</h2>
                    <button class="button" on:click=move |_| close()>"Close"</button>
                </div>
                {move || of().map(|of| view! { <p class="design__of" data-testid="design-of">{of}</p> })}
                <p class="design__summary" data-testid="design-summary">
                    {move || panel.with(|p| summary(p.edit_count))}
                </p>
                <p class="design__message" role="status" data-testid="design-message">{message}</p>
                <Show when=move || panel.with(|p| p.edit_count > 0)>
                    <p class="design__edits">
                        <code data-testid="design-edits">{move || panel.with(|p| p.edits_text.clone())}</code>
                        " "
                        <button class="button" on:click=move |_| act.reset_design()>"Back to the preset"</button>
                    </p>
                </Show>
                {move || {
                    panel
                        .with(|p| p.groups.clone())
                        .into_iter()
                        .enumerate()
                        .map(|(gi, g)| {
                            let title = if g.changed > 0 {
                                format!("{} ({} changed)", g.title, g.changed)
                            } else {
                                g.title.to_owned()
                            };
                            view! {
                                <details class="design__group" open=gi == 0>
                                    <summary class="design__group-title">{title}</summary>
                                    {g
                                        .sections
                                        .into_iter()
                                        .map(|s| {
                                            view! {
                                                <fieldset class="design__section" class:design__section--changed=s.changed>
                                                    <legend>{s.title}</legend>
                                                    {s.controls.into_iter().map(|c| view! { <SettingControl control=c /> }).collect_view()}
                                                </fieldset>
                                            }
                                        })
                                        .collect_view()}
                                </details>
                            }
                        })
                        .collect_view()
                }}
                <JsonPanel />
            </aside>
        </Show>
    }
}

/// One setting: its label, control, unit and range, and the preset's value
/// when it differs.
#[component]
fn SettingControl(
    /// The control's view model.
    control: Control,
) -> impl IntoView {
    let (_, act) = use_app();
    let Control {
        path,
        id,
        label,
        hint,
        input,
        value,
        was,
        prominent,
    } = control;
    let send = {
        let path = path.clone();
        move |v: String| act.edit_design(path.clone(), v)
    };
    let field = match input {
        Input::Number { min, max, step } => {
            let send = send.clone();
            view! {
                <input
                    id=id.clone()
                    class="design__input"
                    type="number"
                    min=min
                    max=max
                    step=step
                    prop:value=value.clone()
                    on:change=move |ev| send(event_target_value(&ev))
                />
            }
            .into_any()
        }
        Input::Select(options) => {
            let send = send.clone();
            view! {
                <select id=id.clone() class="design__input" on:change=move |ev| send(event_target_value(&ev))>
                    {options
                        .into_iter()
                        .map(|(v, text)| {
                            let selected = v == value;
                            view! { <option value=v selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        Input::Toggle => {
            let send = send.clone();
            view! {
                <input
                    id=id.clone()
                    type="checkbox"
                    prop:checked=value == "1"
                    on:change=move |ev| send(value_of_toggle(event_target_checked(&ev)).to_owned())
                />
            }
            .into_any()
        }
    };
    let was = was.map(|w| format!("preset: {w}"));
    view! {
        <div class="design__row" class:design__row--wait=prominent data-path=path>
            <label class="design__label" for=id>{label}</label>
            {field}
            <span class="design__hint">{hint}</span>
            {was.map(|w| view! { <span class="design__was">{w}</span> })}
        </div>
    }
}

/// The scenario JSON: view, copy, download; paste or upload to use it.
#[component]
fn JsonPanel() -> impl IntoView {
    let (_, act) = use_app();
    let text = RwSignal::new(String::new());
    let leptos_use::UseClipboardReturn {
        copy, is_supported, ..
    } = leptos_use::use_clipboard();
    // What the worker said when it could not show the design.
    let trouble = RwSignal::new(String::new());
    let show = move || {
        act.design_json(move |r| match r {
            Ok(json) => {
                trouble.set(String::new());
                text.set(json);
            }
            Err(e) => trouble.set(e),
        })
    };
    view! {
        <details
            class="design__group design__json"
            on:toggle=move |_| {
                if text.with_untracked(String::is_empty) {
                    show();
                }
            }
        >
            <summary class="design__group-title">"Scenario JSON"</summary>
            <p class="design__note">
                "The design as the scenario file that orderflow check and orderflow run read. Edit or paste one and apply it: a bad field is named and the current design keeps running."
            </p>
            <div class="design__buttons">
                <button class="button" on:click=move |_| show()>"Show the current design"</button>
                <button
                    class="button"
                    on:click=move |_| {
                        if is_supported.get_untracked() {
                            copy(&text.get_untracked());
                        }
                    }
                >
                    "Copy"
                </button>
                <button class="button" on:click=move |_| download(&act.design_file_name(), &text.get_untracked())>
                    "Download"
                </button>
                <label class="button design__upload">
                    "Upload…"
                    <input
                        type="file"
                        class="design__file"
                        accept=".json,application/json"
                        on:change=move |ev| upload(ev, text, act)
                    />
                </label>
                <button class="button button--primary" on:click=move |_| act.replace_design(text.get_untracked())>
                    "Apply JSON"
                </button>
            </div>
            <Show when=move || trouble.with(|t| !t.is_empty())>
                <p class="design__message" role="alert">{move || trouble.get()}</p>
            </Show>
            <label class="design__label" for="design-json">"Scenario JSON"</label>
            <textarea
                id="design-json"
                class="design__text"
                spellcheck="false"
                rows="14"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
        </details>
    }
}

/// Saves `text` as a file through a temporary object URL.
fn download(name: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Reads an uploaded file into the text box and applies it.
fn upload(ev: leptos::ev::Event, text: RwSignal<String>, act: crate::app::Actions) {
    let file = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0));
    let Some(file) = file else { return };
    leptos::task::spawn_local(async move {
        if let Ok(v) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            let s = v.as_string().unwrap_or_default();
            text.set(s.clone());
            act.replace_design(s);
        }
    });
}
