//! Owns handing an export to the browser: reads the theme's colours for the
//! diagram, rasterises the SVG into the PNG, and saves a file through a Blob
//! and an `<a download>`: no inline script and no navigation, so it works
//! under a strict content security policy (the PNG's SVG is loaded as an
//! image from a `blob:` URL the page made itself, which the release build's
//! `img-src 'self' blob:` allows; scripts/csp.mjs).
//! What each file holds is decided in `export.rs` and written by the
//! on-demand worker.

use std::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement,
};

use crate::app::Actions;
use crate::export::{ExportFile, ExportKind, Palette, parse_reply, saved_message};

thread_local! {
    // The object URL of the last download, released at the next one (it
    // must outlive the click that starts the download).
    static LAST_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The diagram's colours as the page's theme has them now.
fn palette() -> Palette {
    let style = web_sys::window().and_then(|w| {
        let root = w.document()?.document_element()?;
        w.get_computed_style(&root).ok().flatten()
    });
    Palette::read(|name| style.as_ref()?.get_property_value(name).ok())
}

/// Exports `kind` of the page's current state and saves it; `said` is told
/// what happened, in words. The file is written by the on-demand worker
/// (started at the first export), which replays the run from its link.
pub fn save_export(act: Actions, kind: ExportKind, said: impl Fn(String) + 'static) {
    let request = match act.export_request(kind, &palette()) {
        Ok(r) => r,
        Err(problem) => return said(problem),
    };
    crate::on_demand::ask(request, move |reply| match parse_reply(kind, &reply) {
        Ok(file) if kind == ExportKind::Png => save_png(file, said),
        Ok(file) => {
            let blob = text_blob(&file.text, file.mime);
            said(match blob.and_then(|b| download(&b, &file.name)) {
                Ok(()) => saved_message(&file),
                Err(e) => format!("could not save {}: {e}", file.name),
            });
        }
        Err(problem) => said(problem),
    });
}

fn text_blob(text: &str, mime: &str) -> Result<Blob, String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)
}

fn describe(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()?
                .as_string()
        })
        .unwrap_or_else(|| "the browser refused".to_owned())
}

/// Saves `blob` as `name`.
fn download(blob: &Blob, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(describe)?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    LAST_URL.with(|last| {
        if let Some(old) = last.replace(Some(url)) {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
    });
    Ok(())
}

/// Draws the SVG of `file` on a canvas of its PNG size and saves that.
fn save_png(file: ExportFile, said: impl Fn(String) + 'static) {
    let (w, h) = file.png_size.unwrap_or((1, 1));
    let said = std::rc::Rc::new(said);
    let svg = text_blob(&file.text, "image/svg+xml")
        .and_then(|b| web_sys::Url::create_object_url_with_blob(&b).map_err(describe));
    let (Ok(img), Ok(src)) = (HtmlImageElement::new(), svg) else {
        return said("could not draw the PNG: the browser could not make an image".to_owned());
    };
    let loaded = img.clone();
    let (on_error_said, on_load_src, on_error_src) = (said.clone(), src.clone(), src.clone());
    let onload = Closure::once_into_js(move || {
        let saved = said.clone();
        let on_blob = Closure::once_into_js(move |blob: Option<Blob>| {
            let result = blob
                .ok_or_else(|| "no PNG".to_owned())
                .and_then(|b| download(&b, &file.name));
            saved(match result {
                Ok(()) => saved_message(&file),
                Err(e) => format!("could not save {}: {e}", file.name),
            });
        });
        let drawn = draw(&loaded, w, h).and_then(|canvas| {
            canvas
                .to_blob_with_type(on_blob.unchecked_ref(), "image/png")
                .map_err(describe)
        });
        let _ = web_sys::Url::revoke_object_url(&on_load_src);
        if let Err(e) = drawn {
            said(format!("could not draw the PNG: {e}"));
        }
    });
    // A policy or a broken image must say so, not leave the last message.
    let onerror = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&on_error_src);
        on_error_said("could not draw the PNG: the browser did not load the diagram".to_owned());
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_onerror(Some(onerror.unchecked_ref()));
    img.set_src(&src);
}

/// A canvas of `w` × `h` pixels with `img` drawn on it.
fn draw(img: &HtmlImageElement, w: u32, h: u32) -> Result<HtmlCanvasElement, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(describe)?
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let cx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2d context")?
        .unchecked_into();
    cx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(describe)?;
    Ok(canvas)
}
