//! Owns the token layer's geometry, hit testing and painting: the canvas
//! drawn over the diagram's SVG, where every message in flight is a dot.
//!
//! A busy run has over a thousand tokens and each frame moves all of them.
//! Measured in headless Chromium on the 2-core reference machine: a
//! thousand SVG circles cost ~80 ms a frame; a thousand canvas arcs ~7 ms of
//! rasterising at every commit; stamping pre-drawn sprites one `drawImage`
//! at a time ~5 ms. So the dots are rasterised here, in Rust, into one RGBA
//! buffer ([`Raster`]) that the component hands to the canvas with a single
//! `putImageData`. The canvas shares the SVG's coordinate system through
//! [`Fit`], the mapping `preserveAspectRatio="xMidYMid meet"` applies, so a
//! dot lands exactly on its edge at any size, and [`hit`] maps a click back
//! to the token under it. Plain Rust, tested natively.

use orderflow_sim::ids::OrderId;
use orderflow_sim::trace::MsgKind;

use crate::scene::Token;

/// Token radius in diagram units.
pub const TOKEN_R: f64 = 5.0;

/// How far from a dot's centre a click still picks it, in diagram units.
pub const HIT_R: f64 = 8.0;

/// Maps diagram coordinates to element pixels the way the SVG does with
/// `preserveAspectRatio="xMidYMid meet"`: uniform scale, centred.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub scale: f64,
    pub dx: f64,
    pub dy: f64,
}

impl Fit {
    /// The fit of a `view_box` (x, y, width, height) into an element of
    /// `w` × `h` pixels. A degenerate box or element gives scale 0.
    pub fn meet(view_box: [f64; 4], w: f64, h: f64) -> Fit {
        let [vx, vy, vw, vh] = view_box;
        if !(vw > 0.0 && vh > 0.0 && w > 0.0 && h > 0.0) {
            return Fit {
                scale: 0.0,
                dx: 0.0,
                dy: 0.0,
            };
        }
        let scale = (w / vw).min(h / vh);
        Fit {
            scale,
            dx: (w - vw * scale) / 2.0 - vx * scale,
            dy: (h - vh * scale) / 2.0 - vy * scale,
        }
    }

    /// Diagram point → element pixels.
    pub fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (x * self.scale + self.dx, y * self.scale + self.dy)
    }

    /// Element pixels → diagram point (`None` when the fit is degenerate).
    pub fn from_px(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        (self.scale > 0.0).then(|| ((px - self.dx) / self.scale, (py - self.dy) / self.scale))
    }
}

/// The token under a click at diagram point (`x`, `y`): the nearest within
/// [`HIT_R`], the newest when two are equally near.
pub fn hit(tokens: &[Token], x: f64, y: f64) -> Option<&Token> {
    let mut best: Option<(&Token, f64)> = None;
    for t in tokens {
        let d2 = (t.x - x).powi(2) + (t.y - y).powi(2);
        if d2 <= HIT_R * HIT_R && best.is_none_or(|(_, b)| d2 <= b) {
            best = Some((t, d2));
        }
    }
    best.map(|(t, _)| t)
}

impl Fit {
    /// A token's radius in element pixels.
    pub fn token_radius(&self) -> f64 {
        TOKEN_R * self.scale
    }
}

/// The order of the token under a click at (`px`, `py`) element pixels,
/// on an element of `w` × `h` pixels showing a diagram with `view_box`.
pub fn pick(
    tokens: &[Token],
    view_box: [f64; 4],
    (w, h): (f64, f64),
    (px, py): (f64, f64),
) -> Option<OrderId> {
    let (x, y) = Fit::meet(view_box, w, h).from_px(px, py)?;
    hit(tokens, x, y).map(|t| t.order)
}

/// The canvas's size in device pixels for `css` pixels at a device pixel
/// ratio of `dpr` (taken as 1 to 4); `None` when it has no area.
pub fn pixel_size((w, h): (f64, f64), dpr: f64) -> Option<(u32, u32)> {
    let dpr = if dpr.is_finite() {
        dpr.clamp(1.0, 4.0)
    } else {
        1.0
    };
    let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    (pw > 0 && ph > 0).then_some((pw, ph))
}

/// The colour slots a token can be painted with; the component reads each
/// from a CSS custom property ([`Paint::css_var`]) so themes stay in CSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Paint {
    Request,
    Response,
    Event,
    Callback,
    Poll,
    Push,
    Error,
}

impl Paint {
    pub const ALL: [Paint; 7] = [
        Paint::Request,
        Paint::Response,
        Paint::Event,
        Paint::Callback,
        Paint::Poll,
        Paint::Push,
        Paint::Error,
    ];

    pub fn css_var(self) -> &'static str {
        match self {
            Paint::Request => "--token-request",
            Paint::Response => "--token-response",
            Paint::Event => "--token-event",
            Paint::Callback => "--token-callback",
            Paint::Poll => "--token-poll",
            Paint::Push => "--token-push",
            Paint::Error => "--token-error",
        }
    }

    fn of_kind(kind: MsgKind) -> Paint {
        match kind {
            MsgKind::Request => Paint::Request,
            MsgKind::Response => Paint::Response,
            MsgKind::Event => Paint::Event,
            MsgKind::Callback => Paint::Callback,
            MsgKind::Poll => Paint::Poll,
            MsgKind::Push => Paint::Push,
        }
    }
}

/// How one token is painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Style {
    /// A filled dot in its kind's colour.
    Dot(Paint),
    /// A failure: a dot in the error colour with a ring.
    Failed,
    /// Lost on the way: a dashed ring, no fill.
    Lost,
}

impl Style {
    /// Every style, in drawing order: plain dots first, failures and losses
    /// on top.
    const IN_ORDER: [Style; Paint::ALL.len() + 2] = {
        let mut all = [Style::Failed; Paint::ALL.len() + 2];
        let mut i = 0;
        while i < Paint::ALL.len() {
            all[i] = Style::Dot(Paint::ALL[i]);
            i += 1;
        }
        all[Paint::ALL.len() + 1] = Style::Lost;
        all
    };

    /// Position in [`Style::IN_ORDER`].
    fn rank(self) -> usize {
        match self {
            Style::Dot(p) => p as usize,
            Style::Failed => Paint::ALL.len(),
            Style::Lost => Paint::ALL.len() + 1,
        }
    }

    pub fn of(t: &Token) -> Style {
        if t.dropped {
            Style::Lost
        } else if t.error {
            Style::Failed
        } else {
            Style::Dot(Paint::of_kind(t.kind))
        }
    }
}

/// Token indices grouped by style, so the canvas changes its paint once per
/// group instead of once per dot. Groups come in drawing order
/// ([`Style::IN_ORDER`]); inside a group, trace order. One pass, no sort.
pub fn batches(tokens: &[Token]) -> Vec<(Style, Vec<usize>)> {
    let mut groups: [Vec<usize>; Style::IN_ORDER.len()] = Default::default();
    for (i, t) in tokens.iter().enumerate() {
        groups[Style::of(t).rank()].push(i);
    }
    Style::IN_ORDER
        .into_iter()
        .zip(groups)
        .filter(|(_, g)| !g.is_empty())
        .collect()
}

/// An sRGB colour with alpha, 0..=255 each.
pub type Rgba = [u8; 4];

/// Parses the colours our stylesheets use for custom properties:
/// `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)` and `rgba(r, g, b, a)`.
pub fn parse_css_color(s: &str) -> Option<Rgba> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
        let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        return match hex.len() {
            3 => Some([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17, 255]),
            6 => Some([pair(0)?, pair(2)?, pair(4)?, 255]),
            8 => Some([pair(0)?, pair(2)?, pair(4)?, pair(6)?]),
            _ => None,
        };
    }
    let inner = s
        .strip_prefix("rgba(")
        .or_else(|| s.strip_prefix("rgb("))?
        .strip_suffix(')')?;
    let parts: Vec<&str> = inner
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let channel = |p: &str| p.parse::<f64>().ok().filter(|v| (0.0..=255.0).contains(v));
    let alpha = match parts.get(3) {
        None => 255,
        Some(a) => {
            let v = a.parse::<f64>().ok().filter(|v| (0.0..=1.0).contains(v))?;
            (v * 255.0).round() as u8
        }
    };
    if !(3..=4).contains(&parts.len()) {
        return None;
    }
    Some([
        channel(parts[0])?.round() as u8,
        channel(parts[1])?.round() as u8,
        channel(parts[2])?.round() as u8,
        alpha,
    ])
}

/// The colours a raster is painted with: one per [`Paint`] (in
/// [`Paint::ALL`] order) and the surface behind the diagram, used for the
/// thin outline that lifts a dot off the edge under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Colors {
    pub paints: [Rgba; 7],
    pub surface: Rgba,
}

/// One pre-drawn dot on a square of pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Sprite {
    pub side: usize,
    /// Premultiplied RGBA, row-major, `side * side` entries.
    pub px: Vec<[f32; 4]>,
    /// The same as straight RGBA bytes, ready to copy.
    pub straight: Vec<[u8; 4]>,
}

impl Sprite {
    /// A dot of radius `r` device pixels painted as `style`.
    pub fn new(style: Style, r: f64, colors: &Colors) -> Sprite {
        let r = r.max(1.0);
        // Outline width, as on the SVG legend (scaled with the dot).
        let unit = r / TOKEN_R;
        let (fill, ring, ring_w, dashed) = match style {
            Style::Dot(p) => (
                Some(colors.paints[p as usize]),
                colors.surface,
                1.2 * unit,
                false,
            ),
            Style::Failed => (
                Some(colors.paints[Paint::Error as usize]),
                colors.paints[Paint::Error as usize],
                2.5 * unit,
                false,
            ),
            Style::Lost => (None, colors.paints[Paint::Error as usize], 2.0 * unit, true),
        };
        let outer = r + ring_w / 2.0;
        let side = (2.0 * outer + 2.0).ceil() as usize;
        let c = side as f64 / 2.0;
        let mut px = vec![[0.0f32; 4]; side * side];
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = (x as f64 + 0.5 - c, y as f64 + 0.5 - c);
                let d = (dx * dx + dy * dy).sqrt();
                // Coverage of a band [a, b] of distances, anti-aliased over a pixel.
                let band = |a: f64, b: f64| {
                    ((b - d + 0.5).clamp(0.0, 1.0) * (d - a + 0.5).clamp(0.0, 1.0)) as f32
                };
                let mut out = [0.0f32; 4];
                if let Some(f) = fill {
                    over(&mut out, f, band(-1.0, r - ring_w / 2.0));
                }
                let mut ring_cov = band(r - ring_w / 2.0, outer);
                if dashed {
                    // Eight dashes around the circle.
                    let angle = dy.atan2(dx) + std::f64::consts::PI;
                    if (angle / (std::f64::consts::PI / 8.0)) as u32 % 2 == 1 {
                        ring_cov = 0.0;
                    }
                }
                over(&mut out, ring, ring_cov);
                px[y * side + x] = out;
            }
        }
        let straight = px
            .iter()
            .map(|p| {
                if p[3] <= 0.0 {
                    return [0; 4];
                }
                let ch = |c: f32| (c / p[3] * 255.0).round().clamp(0.0, 255.0) as u8;
                [ch(p[0]), ch(p[1]), ch(p[2]), (p[3] * 255.0).round() as u8]
            })
            .collect();
        Sprite { side, px, straight }
    }
}

/// Composites colour `c` with coverage `cov` over premultiplied `dst`.
fn over(dst: &mut [f32; 4], c: Rgba, cov: f32) {
    let a = cov * f32::from(c[3]) / 255.0;
    if a <= 0.0 {
        return;
    }
    for (i, ch) in c.iter().take(3).enumerate() {
        dst[i] = f32::from(*ch) / 255.0 * a + dst[i] * (1.0 - a);
    }
    dst[3] = a + dst[3] * (1.0 - a);
}

/// The token layer's pixels: straight (not premultiplied) RGBA, the layout
/// `ImageData` wants. Reused from frame to frame.
#[derive(Clone, Debug, Default)]
pub struct Raster {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
    /// Sprites per style for the current size and colours.
    sprites: Vec<(Style, Sprite)>,
    sprite_key: Option<(u64, Colors)>,
}

impl Raster {
    /// Clears to transparent, resizing to `w` × `h` device pixels.
    pub fn clear(&mut self, w: usize, h: usize) {
        let (w, h) = (w.min(8192), h.min(8192));
        self.w = w;
        self.h = h;
        self.px.clear();
        self.px.resize(w * h * 4, 0);
    }

    /// Paints `tokens` (diagram units, mapped by `fit` into device pixels)
    /// with dots of radius `r` device pixels.
    pub fn paint(&mut self, tokens: &[Token], fit: &Fit, r: f64, colors: &Colors) {
        let key = ((r * 64.0).round() as u64, colors.clone());
        if self.sprite_key.as_ref() != Some(&key) {
            let mut styles: Vec<Style> = Paint::ALL[..6].iter().map(|p| Style::Dot(*p)).collect();
            styles.extend([Style::Failed, Style::Lost]);
            self.sprites = styles
                .into_iter()
                .map(|s| (s, Sprite::new(s, r, colors)))
                .collect();
            self.sprite_key = Some(key);
        }
        let sprites = std::mem::take(&mut self.sprites);
        for (style, idx) in batches(tokens) {
            let Some((_, sprite)) = sprites.iter().find(|(s, _)| *s == style) else {
                continue;
            };
            for i in idx {
                let (x, y) = fit.to_px(tokens[i].x, tokens[i].y);
                self.stamp(sprite, x, y);
            }
        }
        self.sprites = sprites;
    }

    /// Composites `s` centred at (`cx`, `cy`), clipped to the raster.
    fn stamp(&mut self, s: &Sprite, cx: f64, cy: f64) {
        if !(cx.is_finite() && cy.is_finite()) {
            return;
        }
        let half = s.side as f64 / 2.0;
        let (x0, y0) = ((cx - half).round() as i64, (cy - half).round() as i64);
        for sy in 0..s.side {
            let y = y0 + sy as i64;
            if y < 0 || y >= self.h as i64 {
                continue;
            }
            for sx in 0..s.side {
                let x = x0 + sx as i64;
                if x < 0 || x >= self.w as i64 {
                    continue;
                }
                let src = s.straight[sy * s.side + sx];
                if src[3] == 0 {
                    continue;
                }
                let i = (y as usize * self.w + x as usize) * 4;
                let d = &mut self.px[i..i + 4];
                // Most pixels land on empty canvas or are opaque: a copy.
                if src[3] == 255 || d[3] == 0 {
                    d.copy_from_slice(&src);
                    continue;
                }
                // Source over destination, straight alpha, in integers
                // (alphas scaled by 255).
                let (sa, da) = (u32::from(src[3]), u32::from(d[3]));
                let dw = da * (255 - sa);
                let out = sa * 255 + dw;
                for ch in 0..3 {
                    let c = (u32::from(src[ch]) * sa * 255 + u32::from(d[ch]) * dw + out / 2) / out;
                    d[ch] = c.min(255) as u8;
                }
                d[3] = ((out + 127) / 255).min(255) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(msg: u64, x: f64, y: f64, kind: MsgKind) -> Token {
        Token {
            msg,
            order: OrderId(msg * 10),
            x,
            y,
            kind,
            error: false,
            dropped: false,
        }
    }

    #[test]
    fn meet_matches_svg_centring() {
        // A wide box in a tall element: full width, centred vertically.
        let f = Fit::meet([0.0, 0.0, 800.0, 300.0], 400.0, 400.0);
        assert_eq!(f.scale, 0.5);
        assert_eq!(f.to_px(0.0, 0.0), (0.0, 125.0));
        assert_eq!(f.to_px(800.0, 300.0), (400.0, 275.0));
        // A tall box in a wide element: full height, centred horizontally.
        let f = Fit::meet([0.0, 0.0, 100.0, 200.0], 400.0, 100.0);
        assert_eq!(f.scale, 0.5);
        assert_eq!(f.to_px(0.0, 0.0), (175.0, 0.0));
        // A box that does not start at the origin.
        let f = Fit::meet([10.0, 20.0, 100.0, 100.0], 200.0, 200.0);
        assert_eq!(f.to_px(10.0, 20.0), (0.0, 0.0));
        assert_eq!(f.from_px(200.0, 200.0), Some((110.0, 120.0)));
    }

    #[test]
    fn degenerate_fits_map_nothing() {
        for (vb, w, h) in [
            ([0.0, 0.0, 0.0, 10.0], 10.0, 10.0),
            ([0.0, 0.0, 10.0, 10.0], 0.0, 10.0),
            ([0.0, 0.0, f64::NAN, 10.0], 10.0, 10.0),
        ] {
            let f = Fit::meet(vb, w, h);
            assert_eq!(f.scale, 0.0);
            assert_eq!(f.from_px(1.0, 1.0), None);
        }
    }

    #[test]
    fn px_round_trip() {
        let f = Fit::meet([0.0, 0.0, 820.0, 300.0], 1234.0, 567.0);
        for (x, y) in [(0.0, 0.0), (410.0, 150.0), (820.0, 300.0), (17.5, 299.0)] {
            let (px, py) = f.to_px(x, y);
            let (bx, by) = f.from_px(px, py).unwrap();
            assert!((bx - x).abs() < 1e-9 && (by - y).abs() < 1e-9);
        }
    }

    #[test]
    fn hits_the_nearest_token_within_reach() {
        let tokens = [
            token(1, 100.0, 100.0, MsgKind::Request),
            token(2, 104.0, 100.0, MsgKind::Response),
            token(3, 300.0, 100.0, MsgKind::Event),
        ];
        assert_eq!(hit(&tokens, 101.0, 100.0).map(|t| t.msg), Some(1));
        assert_eq!(hit(&tokens, 103.5, 100.0).map(|t| t.msg), Some(2));
        // Equally near: the newer (later) one, drawn on top.
        assert_eq!(hit(&tokens, 102.0, 100.0).map(|t| t.msg), Some(2));
        assert_eq!(hit(&tokens, 300.0, 100.0 + HIT_R).map(|t| t.msg), Some(3));
        assert_eq!(hit(&tokens, 300.0, 100.0 + HIT_R + 0.1), None);
        assert_eq!(hit(&[], 0.0, 0.0), None);
    }

    #[test]
    fn a_click_picks_the_order_of_the_dot_under_it() {
        let tokens = [token(7, 400.0, 150.0, MsgKind::Request)];
        // An 800×300 drawing shown at half size in a 400×400 element,
        // centred vertically (125 px above and below): the dot is at
        // (200, 200) pixels.
        let (vb, size) = ([0.0, 0.0, 800.0, 300.0], (400.0, 400.0));
        assert_eq!(pick(&tokens, vb, size, (200.0, 200.0)), Some(OrderId(70)));
        assert_eq!(pick(&tokens, vb, size, (202.0, 202.0)), Some(OrderId(70)));
        assert_eq!(
            pick(&tokens, vb, size, (210.0, 200.0)),
            None,
            "20 units away"
        );
        assert_eq!(pick(&tokens, vb, (0.0, 0.0), (0.0, 0.0)), None);
    }

    #[test]
    fn the_canvas_is_sized_in_device_pixels() {
        let f = Fit::meet([0.0, 0.0, 800.0, 300.0], 400.0, 400.0);
        assert_eq!(f.token_radius(), 2.5, "half size: half the radius");
        assert_eq!(pixel_size((300.5, 100.0), 2.0), Some((601, 200)));
        assert_eq!(
            pixel_size((300.0, 100.0), 0.5),
            Some((300, 100)),
            "at least 1"
        );
        assert_eq!(
            pixel_size((300.0, 100.0), 9.0),
            Some((1200, 400)),
            "at most 4"
        );
        assert_eq!(pixel_size((300.0, 100.0), f64::NAN), Some((300, 100)));
        assert_eq!(pixel_size((0.0, 100.0), 2.0), None);
    }

    #[test]
    fn styles_rank_in_their_drawing_order() {
        for (i, s) in Style::IN_ORDER.iter().enumerate() {
            assert_eq!(s.rank(), i, "{s:?}");
        }
        assert!(Style::IN_ORDER.is_sorted(), "drawing order follows Ord");
    }

    #[test]
    fn batches_group_by_style_with_failures_on_top() {
        let mut t = vec![
            token(1, 0.0, 0.0, MsgKind::Response),
            token(2, 0.0, 0.0, MsgKind::Request),
            token(3, 0.0, 0.0, MsgKind::Request),
            token(4, 0.0, 0.0, MsgKind::Poll),
            token(5, 0.0, 0.0, MsgKind::Request),
        ];
        t[2].error = true;
        t[3].dropped = true;
        t[3].error = true;
        let b = batches(&t);
        let styles: Vec<Style> = b.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            styles,
            [
                Style::Dot(Paint::Request),
                Style::Dot(Paint::Response),
                Style::Failed,
                Style::Lost
            ]
        );
        assert_eq!(b[0].1, [1, 4]);
        let total: usize = b.iter().map(|(_, v)| v.len()).sum();
        assert_eq!(total, t.len(), "every token is painted once");
    }

    fn colors() -> Colors {
        Colors {
            paints: [
                [47, 111, 222, 255],
                [30, 140, 70, 255],
                [130, 70, 220, 255],
                [220, 90, 20, 255],
                [20, 140, 160, 255],
                [200, 40, 100, 255],
                [210, 40, 40, 255],
            ],
            surface: [255, 255, 255, 255],
        }
    }

    #[test]
    fn css_colours_parse() {
        assert_eq!(parse_css_color("#2f6fde"), Some([47, 111, 222, 255]));
        assert_eq!(parse_css_color(" #fff "), Some([255, 255, 255, 255]));
        assert_eq!(parse_css_color("#00000080"), Some([0, 0, 0, 128]));
        assert_eq!(parse_css_color("rgb(1, 2, 3)"), Some([1, 2, 3, 255]));
        assert_eq!(parse_css_color("rgba(1,2,3,0.5)"), Some([1, 2, 3, 128]));
        assert_eq!(parse_css_color("rgb(1 2 3 / 1)"), Some([1, 2, 3, 255]));
        for bad in [
            "",
            "#12",
            "#ggg",
            "red",
            "rgb(1,2)",
            "rgb(300,0,0)",
            "rgba(1,2,3,4)",
            "rgb(1,2,3",
        ] {
            assert_eq!(parse_css_color(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_sprite_is_a_round_dot_with_an_outline() {
        let c = colors();
        let s = Sprite::new(Style::Dot(Paint::Request), 5.0, &c);
        let at = |x: usize, y: usize| s.px[y * s.side + x];
        let mid = s.side / 2;
        // Solid request colour at the centre, nothing in the corners.
        let centre = at(mid, mid);
        assert!((centre[3] - 1.0).abs() < 1e-6);
        assert!((centre[2] - 222.0 / 255.0).abs() < 1e-3);
        assert_eq!(at(0, 0)[3], 0.0);
        // Symmetric.
        for y in 0..s.side {
            for x in 0..s.side {
                let (a, b) = (at(x, y)[3], at(s.side - 1 - x, y)[3]);
                assert!((a - b).abs() < 1e-5);
            }
        }
        // A lost message is a ring: transparent in the middle.
        let lost = Sprite::new(Style::Lost, 5.0, &c);
        assert_eq!(lost.px[mid * lost.side + mid][3], 0.0);
        assert!(lost.px.iter().any(|p| p[3] > 0.5));
    }

    #[test]
    fn the_raster_paints_tokens_where_they_are_and_nowhere_else() {
        let c = colors();
        let fit = Fit::meet([0.0, 0.0, 100.0, 50.0], 200.0, 100.0);
        let mut r = Raster::default();
        r.clear(200, 100);
        let mut t = vec![
            token(1, 20.0, 10.0, MsgKind::Request),
            token(2, 80.0, 40.0, MsgKind::Event),
            // Off the edge: clipped, no panic.
            token(3, -1.0, 49.9, MsgKind::Poll),
            token(4, f64::NAN, 0.0, MsgKind::Poll),
        ];
        t[1].error = true;
        r.paint(&t, &fit, 10.0, &c);
        let px = |x: usize, y: usize| &r.px[(y * r.w + x) * 4..(y * r.w + x) * 4 + 4];
        assert_eq!(
            px(40, 20),
            &[47, 111, 222, 255],
            "request dot at (20, 10)×2"
        );
        assert_eq!(px(160, 80), &[210, 40, 40, 255], "the failed one is red");
        assert_eq!(px(100, 50)[3], 0, "empty between them");
        // Repainting after a clear leaves nothing behind.
        r.clear(200, 100);
        assert!(r.px.iter().all(|b| *b == 0));
        // Absurd sizes are capped.
        r.clear(1 << 20, 1);
        assert_eq!(r.w, 8192);
    }

    #[test]
    fn overlapping_dots_blend_instead_of_cutting_holes() {
        let c = colors();
        let fit = Fit::meet([0.0, 0.0, 100.0, 100.0], 100.0, 100.0);
        let mut r = Raster::default();
        r.clear(100, 100);
        let t = [
            token(1, 50.0, 50.0, MsgKind::Request),
            token(2, 54.0, 50.0, MsgKind::Event),
        ];
        r.paint(&t, &fit, 5.0, &c);
        // Every pixel inside the first dot stays opaque, whatever the
        // second dot's soft edge left on top of it.
        for x in 46..=50 {
            let a = r.px[(50 * r.w + x) * 4 + 3];
            assert_eq!(a, 255, "x {x}");
        }
        // Somewhere the edge of the second dot mixes both colours.
        let mixed = (0..r.w * r.h).any(|i| {
            let p = &r.px[i * 4..i * 4 + 4];
            p[3] == 255 && p[0] > 47 && p[0] < 130 && p[2] > 200
        });
        assert!(mixed);
    }
}
