//! The diagram as a standalone SVG at the current instant (the PNG is that SVG
//! rasterised by the browser): the theme's palette, the markup, and the page's
//! CSS rules inlined so the file looks the same outside the page.

use super::*;

// ---- The diagram ----

/// The theme's colours and font, by CSS custom property, as the page has
/// them (the browser reads them; [`Palette::default`] is the light theme).
#[derive(Clone, Debug, PartialEq)]
pub struct Palette(pub Vec<(&'static str, String)>);

/// The custom properties the exported diagram uses, with their light-theme
/// values (style/diagram.css, style/base.css).
pub const PALETTE_DEFAULTS: [(&str, &str); 24] = [
    ("--diagram-edge", "#9aa5b5"),
    ("--diagram-client", "#e8f0ff"),
    ("--diagram-service", "#eef7ee"),
    ("--diagram-external", "#fff4e0"),
    ("--diagram-broker", "#f3ecff"),
    ("--diagram-store", "#e9f6f8"),
    ("--diagram-stroke", "#5f6c80"),
    ("--diagram-label", "#1d2430"),
    ("--diagram-down", "#d6d9de"),
    ("--token-request", "#2f6fde"),
    ("--token-response", "#2f8f4e"),
    ("--token-event", "#8a4fd8"),
    ("--token-callback", "#d9480f"),
    ("--token-poll", "#0b8ea5"),
    ("--token-push", "#c2255c"),
    ("--token-error", "#d62828"),
    ("--breaker-half-open", "#e0a100"),
    ("--breaker-open", "#d62828"),
    ("--color-accent", "#2f6fde"),
    ("--color-danger", "#c62f2f"),
    ("--color-warning", "#b7791f"),
    ("--color-muted", "#5a6578"),
    ("--color-surface", "#ffffff"),
    ("--font-body", "system-ui, sans-serif"),
];

impl Default for Palette {
    fn default() -> Palette {
        Palette(
            PALETTE_DEFAULTS
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect(),
        )
    }
}

impl Palette {
    /// The light theme with `read` values where it has one that is safe to
    /// put in a stylesheet.
    pub fn read(read: impl Fn(&str) -> Option<String>) -> Palette {
        Palette(
            PALETTE_DEFAULTS
                .iter()
                .map(|(k, default)| {
                    let v = read(k)
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty() && !v.contains(['<', '>', '{', '}', ';', '&']));
                    (*k, v.unwrap_or_else(|| (*default).to_owned()))
                })
                .collect(),
        )
    }
}

/// The drawing rules: the diagram's stylesheet (style/diagram.css) for a
/// still picture, colours through the palette's custom properties.
const SVG_RULES: &str = "\
text{font-family:var(--font-body)}\
.diagram__edge{fill:none;stroke:var(--diagram-edge);stroke-width:1.6}\
.diagram__arrowhead{fill:var(--diagram-edge)}\
.diagram__box{stroke:var(--diagram-stroke);stroke-width:1.2}\
.diagram__node--client .diagram__box{fill:var(--diagram-client)}\
.diagram__node--service .diagram__box{fill:var(--diagram-service)}\
.diagram__node--external .diagram__box{fill:var(--diagram-external);stroke-dasharray:5 3}\
.diagram__node--broker .diagram__box{fill:var(--diagram-broker)}\
.diagram__node--store .diagram__box{fill:var(--diagram-store)}\
.diagram__node--down .diagram__box{fill:var(--diagram-down);stroke:var(--color-danger);stroke-dasharray:4 3}\
.diagram__node--slow .diagram__box{stroke:var(--color-warning);stroke-width:2.5}\
.diagram__node--failing .diagram__box{stroke:var(--color-danger);stroke-width:2.5}\
.diagram__node--saturated .diagram__box{stroke:var(--color-danger);stroke-width:2}\
.diagram__node--breaker-open .diagram__box{stroke:var(--breaker-open);stroke-width:3}\
.diagram__node--breaker-half_open .diagram__box{stroke:var(--breaker-half-open);stroke-width:3}\
.diagram__label{fill:var(--diagram-label);font-size:14px;font-weight:600}\
.diagram__status{fill:var(--color-muted);font-size:11.5px}\
.diagram__badge{fill:var(--color-danger);font-size:11px;font-weight:700}\
.diagram__badge--quiet{fill:var(--color-muted);font-weight:400}\
.diagram__replica{fill:none;stroke:var(--diagram-stroke);stroke-width:.6}\
.diagram__replica-load{fill:var(--color-accent)}\
.token{stroke:var(--color-surface);stroke-width:1.2}\
.token--request{fill:var(--token-request)}\
.token--response{fill:var(--token-response)}\
.token--event{fill:var(--token-event)}\
.token--callback{fill:var(--token-callback)}\
.token--poll{fill:var(--token-poll)}\
.token--push{fill:var(--token-push)}\
.token--error{fill:var(--token-error);stroke:var(--token-error);stroke-width:2.5}\
.token--dropped{fill:none;stroke:var(--token-error);stroke-width:2;stroke-dasharray:2 2}";

/// Text for SVG content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A coordinate, to a hundredth.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A PNG's size: the diagram's view box at twice its units, so it stays
/// sharp on a high-density screen.
pub fn png_pixels(view: &DiagramView) -> (u32, u32) {
    let [_, _, w, h] = view.view_box;
    ((w * 2.0).max(1.0) as u32, (h * 2.0).max(1.0) as u32)
}

/// The diagram at the frame's instant as a standalone SVG document: the
/// boxes with their state (classes, status, badge, replica bars), the
/// edges, and the messages in flight as dots, drawn with `palette` on the
/// surface colour. `size` sets its width and height in pixels (for the
/// PNG); without it, the view box's units.
pub fn svg(
    view: &DiagramView,
    frame: &Frame,
    palette: &Palette,
    size: Option<(u32, u32)>,
) -> String {
    let [x, y, w, h] = view.view_box;
    let (pw, ph) = size.map_or((w, h), |(a, b)| (f64::from(a), f64::from(b)));
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" \
         preserveAspectRatio=\"xMidYMid meet\">\n<title>Orderflow Playground: service diagram at {}</title>\n<style>svg{{",
        num(x),
        num(y),
        num(w),
        num(h),
        num(pw),
        num(ph),
        frame.t
    );
    for (k, v) in &palette.0 {
        let _ = write!(out, "{k}:{v};");
    }
    out.push('}');
    out.push_str(SVG_RULES);
    out.push_str("</style>\n<defs><marker id=\"diagram-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"diagram__arrowhead\" d=\"M0 0 L10 5 L0 10 z\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"var(--color-surface)\"/>",
        num(x),
        num(y),
        num(w),
        num(h)
    );
    out.push_str("<g class=\"diagram__edges\">\n");
    for e in &view.edges {
        let _ = writeln!(
            out,
            "<path class=\"diagram__edge\" data-edge=\"{}\" d=\"{}\" marker-end=\"url(#diagram-arrow)\"/>",
            xml(&e.key),
            xml(&e.d)
        );
    }
    out.push_str("</g>\n<g class=\"diagram__nodes\">\n");
    for (i, n) in view.nodes.iter_enumerated() {
        let state = frame.nodes.get(i).cloned().unwrap_or_default();
        let class = if state.class.is_empty() {
            n.class.clone()
        } else {
            state.class.clone()
        };
        let _ = writeln!(
            out,
            "<g class=\"{}\" data-node=\"{}\"><rect class=\"diagram__box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\"/>",
            xml(&class),
            xml(&n.id),
            num(n.x),
            num(n.y),
            num(n.w),
            num(n.h)
        );
        let _ = writeln!(
            out,
            "<text class=\"diagram__label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(n.cx),
            num(n.label_y),
            xml(&n.label)
        );
        let _ = writeln!(
            out,
            "<text class=\"diagram__status\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(n.cx),
            num(n.status_y),
            xml(&state.status)
        );
        let badge = state.badge();
        if !badge.is_empty() {
            let quiet = if state.badge_is_alarming() {
                ""
            } else {
                " diagram__badge--quiet"
            };
            let _ = writeln!(
                out,
                "<text class=\"diagram__badge{quiet}\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                num(n.badge_x),
                num(n.badge_y),
                xml(&badge)
            );
        }
        for b in n.replica_bars(&state.replica_load) {
            let _ = writeln!(
                out,
                "<rect class=\"diagram__replica\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\" rx=\"1\"/>\
                 <rect class=\"diagram__replica-load\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\" rx=\"1\"/>",
                num(b.w),
                num(b.fill_w),
                x = num(b.x),
                y = num(b.y),
                h = num(b.h)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n<g class=\"diagram__tokens\">\n");
    for t in &frame.tokens {
        let mut class = format!("token token--{}", t.kind.as_str());
        if t.error {
            class.push_str(" token--error");
        }
        if t.dropped {
            class.push_str(" token--dropped");
        }
        let _ = writeln!(
            out,
            "<circle class=\"{class}\" data-order=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\"/>",
            t.order,
            num(t.x),
            num(t.y),
            num(TOKEN_R)
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The SVG with its stylesheet written into each element as presentation
/// attributes (`fill="#eef7ee"`), the custom properties resolved through
/// `palette`, and no `<style>` left: the PNG is drawn by loading the SVG as
/// an image, which takes the page's content security policy, and the
/// release build's `style-src 'self'` blocks a `<style>` element there.
/// Reads the SVG as [`svg`] writes it: one tag per `<…>`, classes in a
/// `class` attribute, the rules of [`SVG_RULES`] applied in order (none of
/// them is outweighed by an earlier, more specific one).
pub fn inline_styles(svg_text: &str, palette: &Palette) -> String {
    let rules = parse_rules(SVG_RULES);
    let resolve = |v: &str| -> String {
        let mut v = v.to_owned();
        for (k, value) in &palette.0 {
            v = v.replace(&format!("var({k})"), value);
        }
        v
    };
    let mut out = String::with_capacity(svg_text.len() * 2);
    // The classes of the open `<g>` elements, outermost first.
    let mut open: Vec<Vec<&str>> = Vec::new();
    let mut rest = svg_text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<style") {
            let end = rest
                .find("</style>")
                .map_or(rest.len(), |e| e + "</style>".len());
            rest = &rest[end..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            out.push_str(rest);
            rest = "";
            break;
        };
        let tag = &rest[..=gt];
        rest = &rest[gt + 1..];
        if tag.starts_with("</") {
            if tag == "</g>" {
                open.pop();
            }
            out.push_str(tag);
            continue;
        }
        let name_end = tag[1..]
            .find([' ', '>', '/', '\n'])
            .map_or(tag.len(), |i| i + 1);
        let name = &tag[1..name_end];
        let classes: Vec<&str> = attr(tag, "class")
            .map(|c| c.split_whitespace().collect())
            .unwrap_or_default();
        let mut decls: Vec<(&str, &str)> = Vec::new();
        for (selector, body) in &rules {
            if rule_matches(selector, name, &classes, &open) {
                for &(prop, value) in body {
                    match decls.iter_mut().find(|(p, _)| *p == prop) {
                        Some(d) => d.1 = value,
                        None => decls.push((prop, value)),
                    }
                }
            }
        }
        let closing = if tag.ends_with("/>") { "/>" } else { ">" };
        out.push_str(&resolve(&tag[..tag.len() - closing.len()]));
        for (prop, value) in decls {
            if attr(tag, prop).is_none() {
                let _ = write!(out, " {prop}=\"{}\"", resolve(value).replace('"', "&quot;"));
            }
        }
        out.push_str(closing);
        if name == "g" && closing == ">" {
            open.push(classes);
        }
    }
    out.push_str(rest);
    out
}

/// A rule's selector (its compound parts, outermost first: `.a .b` is
/// `[".a", ".b"]`) and its declarations.
type Rule<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Reads rules as [`SVG_RULES`] has them: `selector{prop:value;…}`.
fn parse_rules(css: &str) -> Vec<Rule<'_>> {
    css.split('}')
        .filter_map(|r| {
            let (selector, body) = r.split_once('{')?;
            let decls = body
                .split(';')
                .filter_map(|d| d.split_once(':'))
                .map(|(p, v)| (p.trim(), v.trim()))
                .collect();
            Some((selector.split_whitespace().collect(), decls))
        })
        .collect()
}

/// True if the selector's last part is the element (`text` or `.class`)
/// and its earlier parts are open `<g>` elements around it, in order.
fn rule_matches(selector: &[&str], name: &str, classes: &[&str], open: &[Vec<&str>]) -> bool {
    let is = |part: &str, name: &str, classes: &[&str]| match part.strip_prefix('.') {
        Some(class) => classes.contains(&class),
        None => part == name,
    };
    let Some((last, outer)) = selector.split_last() else {
        return false;
    };
    if !is(last, name, classes) {
        return false;
    }
    let mut level = open.len();
    outer.iter().rev().all(|part| {
        while level > 0 {
            level -= 1;
            if is(part, "g", &open[level]) {
                return true;
            }
        }
        false
    })
}

/// The value of the attribute `name` in a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}
