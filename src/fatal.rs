//! Owns the failure path: when something goes wrong, say so on the page.
//!
//! A panic in the browser would otherwise leave a frozen or blank page with the
//! reason only in the developer console. [`install_panic_hook`] keeps the
//! console message (via `console_error_panic_hook`) and also writes the panic
//! into the `#fatal` banner that `index.html` provides. The same banner is used
//! by `web/loader.js` when the WebAssembly fails to load or start.

use std::panic::PanicHookInfo;

/// Id of the banner element in `index.html`.
pub const BANNER_ID: &str = "fatal";
/// Id of the "Loading…" placeholder in `index.html`.
pub const BOOT_ID: &str = "boot";

/// The text shown to the user for a panic.
pub fn panic_banner_text(info: &PanicHookInfo<'_>) -> String {
    banner_text(&info.to_string())
}

/// The text shown to the user for an internal error with this detail.
pub fn banner_text(detail: &str) -> String {
    format!(
        "The playground hit an internal error and stopped. Reload the page to start again. \
         Please report this with the details: {detail}"
    )
}

/// Sets the panic hook: console message plus visible banner.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_banner(&panic_banner_text(info));
    }));
}

/// Shows `text` in the `#fatal` banner (creating it if the page lacks one).
pub fn show_banner(text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let banner = match document.get_element_by_id(BANNER_ID) {
        Some(el) => el,
        None => {
            let Ok(el) = document.create_element("div") else {
                return;
            };
            el.set_id(BANNER_ID);
            let _ = el.set_attribute("role", "alert");
            let _ = el.set_attribute("class", "fatal");
            if let Some(body) = document.body() {
                let _ = body.prepend_with_node_1(&el);
            }
            el
        }
    };
    banner.set_text_content(Some(text));
    let _ = banner.remove_attribute("hidden");
}

/// Removes the "Loading…" placeholder once the app is about to render.
pub fn remove_boot_placeholder() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(BOOT_ID))
    {
        el.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_text_carries_the_detail() {
        let text = banner_text("index out of bounds");
        assert!(text.contains("index out of bounds"));
        assert!(text.starts_with("The playground hit an internal error"));
    }
}
