//! Owns the canvas over the diagram where messages in flight are painted.
//! The geometry, the canvas's size in device pixels and the pixels
//! themselves come from [`crate::token_layer`] (see there why the dots are
//! rasterised in Rust); this component measures the canvas, reads the
//! theme's colours from CSS custom properties, and puts the finished pixels
//! on the canvas.

use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::scene::Frame;
use crate::scene::Token;
use crate::token_layer::{Colors, Fit, Paint, Raster, parse_css_color, pixel_size};

/// Draws between re-reads of the theme's colours (a switch between light
/// and dark shows within half a second).
const COLORS_EVERY: u32 = 30;

/// The layer's state between frames.
#[derive(Default)]
struct Layer {
    raster: Raster,
    colors: Option<Colors>,
    colors_age: u32,
}

impl Layer {
    fn refresh_colors(&mut self, el: &HtmlCanvasElement) {
        if self.colors.is_some() && self.colors_age < COLORS_EVERY {
            self.colors_age += 1;
            return;
        }
        self.colors_age = 0;
        let Some(style) = web_sys::window().and_then(|w| w.get_computed_style(el).ok().flatten())
        else {
            return;
        };
        let read = |name: &str, fallback: [u8; 4]| {
            style
                .get_property_value(name)
                .ok()
                .and_then(|v| parse_css_color(&v))
                .unwrap_or(fallback)
        };
        let grey = [128, 128, 128, 255];
        self.colors = Some(Colors {
            paints: Paint::ALL.map(|p| read(p.css_var(), grey)),
            surface: read("--color-surface", [255, 255, 255, 255]),
        });
    }

    /// Paints `tokens` on `el`, sized `css_size` (CSS pixels; measured when 0).
    fn draw(
        &mut self,
        el: &HtmlCanvasElement,
        view_box: [f64; 4],
        css_size: (f64, f64),
        tokens: &[Token],
    ) {
        let (mut w, mut h) = css_size;
        if w <= 0.0 || h <= 0.0 {
            let r = el.get_bounding_client_rect();
            (w, h) = (r.width(), r.height());
        }
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let Some((pw, ph)) = pixel_size((w, h), dpr) else {
            return;
        };
        if el.width() != pw {
            el.set_width(pw);
        }
        if el.height() != ph {
            el.set_height(ph);
        }
        self.refresh_colors(el);
        let Some(colors) = &self.colors else { return };
        let fit = Fit::meet(view_box, f64::from(pw), f64::from(ph));
        self.raster.clear(pw as usize, ph as usize);
        self.raster.paint(tokens, &fit, fit.token_radius(), colors);
        let Some(cx) = el
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let (rw, rh) = (self.raster.w as u32, self.raster.h as u32);
        if let Ok(img) =
            ImageData::new_with_u8_clamped_array_and_sh(Clamped(&self.raster.px), rw, rh)
        {
            let _ = cx.put_image_data(&img, 0.0, 0.0);
        }
    }
}

/// The token layer of a diagram whose SVG has `view_box`.
#[component]
pub fn TokenCanvas(view_box: [f64; 4], #[prop(into)] frame: Signal<Frame>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let size = RwSignal::new((0.0f64, 0.0f64));
    leptos_use::use_resize_observer(canvas, move |entries, _| {
        if let Some(e) = entries.first() {
            let r = e.content_rect();
            size.set((r.width(), r.height()));
        }
    });
    let layer = StoredValue::new_local(Layer::default());
    Effect::new(move |_| {
        let (w, h) = size.get();
        let Some(el) = canvas.get() else { return };
        frame.with(|f| layer.update_value(|l| l.draw(&el, view_box, (w, h), &f.tokens)));
    });
    view! {
        <canvas
            class="diagram__tokens"
            node_ref=canvas
            aria-hidden="true"
            data-tokens=move || frame.with(|f| f.tokens.len())
        ></canvas>
    }
}
