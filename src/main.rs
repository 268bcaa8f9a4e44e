//! Owns the entry point of the WebAssembly bundle: set the panic hook, then
//! mount.

fn main() {
    orderflow_playground::fatal::install_panic_hook();
    if debug_panic_requested() {
        // Lets the end-to-end tests prove that a panic reaches the page.
        panic!("debug panic requested by the URL (?debug=panic)");
    }
    orderflow_playground::mount();
}

/// True when the page URL asks for a deliberate panic (`?debug=panic`).
fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| {
            q.trim_start_matches('?')
                .split('&')
                .any(|kv| kv == "debug=panic")
        })
}
