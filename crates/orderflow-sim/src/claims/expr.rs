//! The expectations of a claim: one comparison of two sums of figures,
//! such as `b.latency.response.p50_ms < 0.5 * a.latency.response.p50_ms`.
//!
//! ```text
//! expectation := sum cmp sum            cmp := < | <= | > | >= | == | !=
//! sum         := product (("+" | "-") product)*
//! product     := unary (("*" | "/") unary)*
//! unary       := "-" unary | atom
//! atom        := number | figure | "(" sum ")"
//! figure      := run "." metric         (a.client.wasted_polls)
//! ```
//!
//! Parsing resolves every figure: the run must be one of the claim's and
//! the metric one of the registry's for that run ([`crate::measure`]), so
//! a misspelt name is a scenario error, never a claim that cannot fail.
//! A minus between two figures needs spaces around it (`a.x - b.x`): ids
//! may contain `-`.

use std::fmt;

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

/// A figure of one run: `run` indexes the claim's runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub run: usize,
    pub metric: String,
}

/// An arithmetic expression over figures.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    Figure(Figure),
    Neg(Box<Expr>),
    Bin(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    /// The value, given each figure's value.
    pub fn eval(&self, figure: &dyn Fn(&Figure) -> f64) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Figure(f) => figure(f),
            Expr::Neg(e) => -e.eval(figure),
            Expr::Bin(a, op, b) => {
                let (a, b) = (a.eval(figure), b.eval(figure));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
        }
    }

    fn figures<'a>(&'a self, out: &mut Vec<&'a Figure>) {
        match self {
            Expr::Num(_) => {}
            Expr::Figure(f) => out.push(f),
            Expr::Neg(e) => e.figures(out),
            Expr::Bin(a, _, b) => {
                a.figures(out);
                b.figures(out);
            }
        }
    }
}

/// One expectation of a claim, parsed and resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The text as written.
    pub source: String,
    pub left: Expr,
    pub cmp: Cmp,
    pub right: Expr,
}

/// An expectation evaluated: both sides and whether it holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    pub left: f64,
    pub right: f64,
    pub holds: bool,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} vs {}", number(self.left), number(self.right))
    }
}

/// A figure's value as text: whole numbers without decimals, others with
/// up to three.
pub fn number(v: f64) -> String {
    if v.is_finite() && v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.is_finite() {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{v}")
    }
}

impl Expectation {
    /// Evaluates both sides (a comparison with NaN never holds).
    pub fn verdict(&self, figure: &dyn Fn(&Figure) -> f64) -> Verdict {
        let (left, right) = (self.left.eval(figure), self.right.eval(figure));
        Verdict {
            left,
            right,
            holds: self.cmp.holds(left, right),
        }
    }

    /// The figures it reads, in the order written.
    pub fn figures(&self) -> Vec<&Figure> {
        let mut out = Vec::new();
        self.left.figures(&mut out);
        self.right.figures(&mut out);
        out
    }

    /// The comparison's symbol.
    pub fn cmp_str(&self) -> &'static str {
        self.cmp.as_str()
    }
}

/// Longest expectation accepted, in bytes.
pub const MAX_LEN: usize = 400;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(char),
    Cmp(Cmp),
    Open,
    Close,
}

fn tokens(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '+' | '-' | '*' | '/' => {
                out.push(Tok::Op(c));
                i += 1;
            }
            '<' | '>' | '=' | '!' => {
                let (cmp, len) = match (c, next) {
                    ('<', Some('=')) => (Cmp::Le, 2),
                    ('>', Some('=')) => (Cmp::Ge, 2),
                    ('=', Some('=')) => (Cmp::Eq, 2),
                    ('!', Some('=')) => (Cmp::Ne, 2),
                    ('<', _) => (Cmp::Lt, 1),
                    ('>', _) => (Cmp::Gt, 1),
                    _ => return Err(format!("`{c}` is not a comparison (use == or !=)")),
                };
                out.push(Tok::Cmp(cmp));
                i += len;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                    i += 1;
                    if i < chars.len() && (chars[i] == '-' || chars[i] == '+') {
                        i += 1;
                    }
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let text: String = chars[start..i].iter().collect();
                let v: f64 = text
                    .parse()
                    .map_err(|_| format!("{text:?} is not a number"))?;
                out.push(Tok::Num(v));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                let inner = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.';
                while i < chars.len() {
                    let ch = chars[i];
                    let dash = ch == '-'
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric())
                        && chars[i - 1].is_ascii_alphanumeric();
                    if !(inner(ch) || dash) {
                        break;
                    }
                    i += 1;
                }
                out.push(Tok::Name(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected `{other}`")),
        }
    }
    Ok(out)
}

/// Resolves a figure's metric for a run: `Err` says why it is unknown.
pub type Resolve<'a> = dyn Fn(usize, &str) -> Result<(), String> + 'a;

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    runs: &'a [&'a str],
    resolve: &'a Resolve<'a>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Op('-')) {
            self.at += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        match self.bump() {
            Some(Tok::Num(v)) => Ok(Expr::Num(v)),
            Some(Tok::Name(name)) => self.figure(&name).map(Expr::Figure),
            Some(Tok::Open) => {
                let e = self.sum()?;
                match self.bump() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("a `(` is not closed".into()),
                }
            }
            Some(t) => Err(format!(
                "expected a number, a figure or `(`, found {}",
                show(&t)
            )),
            None => Err("ends too early".into()),
        }
    }

    fn figure(&self, name: &str) -> Result<Figure, String> {
        let Some((run, metric)) = name.split_once('.') else {
            return Err(format!(
                "{name:?} is not a figure: write run.metric (runs: {})",
                self.runs.join(", ")
            ));
        };
        let Some(index) = self.runs.iter().position(|r| *r == run) else {
            return Err(format!(
                "{name:?}: no run {run:?} (runs: {})",
                self.runs.join(", ")
            ));
        };
        (self.resolve)(index, metric).map_err(|why| {
            let hint = if metric.contains('-') {
                " (a minus needs spaces around it)"
            } else {
                ""
            };
            format!("{name:?}: {why}{hint}")
        })?;
        Ok(Figure {
            run: index,
            metric: metric.to_owned(),
        })
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Num(v) => number(*v),
        Tok::Name(n) => format!("{n:?}"),
        Tok::Op(c) => format!("`{c}`"),
        Tok::Cmp(c) => format!("`{}`", c.as_str()),
        Tok::Open => "`(`".into(),
        Tok::Close => "`)`".into(),
    }
}

/// Parses `src` against the claim's run names, resolving each figure's
/// metric with `resolve`.
pub fn parse(src: &str, runs: &[&str], resolve: &Resolve<'_>) -> Result<Expectation, String> {
    if src.len() > MAX_LEN {
        return Err(format!("longer than {MAX_LEN} characters"));
    }
    let mut p = Parser {
        toks: tokens(src)?,
        at: 0,
        runs,
        resolve,
    };
    if p.toks.is_empty() {
        return Err("is empty".into());
    }
    let left = p.sum()?;
    let cmp = match p.bump() {
        Some(Tok::Cmp(c)) => c,
        Some(t) => return Err(format!("expected a comparison, found {}", show(&t))),
        None => return Err("has no comparison (<, <=, >, >=, ==, !=)".into()),
    };
    let right = p.sum()?;
    if let Some(t) = p.bump() {
        return Err(format!(
            "unexpected {} after the comparison's right side",
            show(&t)
        ));
    }
    Ok(Expectation {
        source: src.to_owned(),
        left,
        cmp,
        right,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(_: usize, metric: &str) -> Result<(), String> {
        match metric {
            "client.wasted_polls" | "latency.response.p50_ms" | "queue.warehouse-q.acked" => Ok(()),
            _ => Err(format!("unknown metric {metric:?}")),
        }
    }

    fn check(src: &str) -> Result<Expectation, String> {
        parse(src, &["a", "b"], &known)
    }

    fn value(src: &str, a: f64, b: f64) -> Verdict {
        check(src)
            .unwrap()
            .verdict(&|f| if f.run == 0 { a } else { b })
    }

    #[test]
    fn arithmetic_and_comparisons() {
        let v = value(
            "b.latency.response.p50_ms < 0.5 * a.latency.response.p50_ms",
            100.0,
            40.0,
        );
        assert_eq!((v.left, v.right, v.holds), (40.0, 50.0, true));
        assert!(
            !value(
                "b.latency.response.p50_ms < 0.5 * a.latency.response.p50_ms",
                100.0,
                60.0
            )
            .holds
        );
        // Precedence: * before +, left to right, parentheses, unary minus.
        let v = value(
            "a.client.wasted_polls + 2 * 3 - 1 == (1 + 2) * 4 / 2 - -1",
            1.0,
            0.0,
        );
        assert_eq!((v.left, v.right, v.holds), (6.0, 7.0, false));
        assert!(value("a.client.wasted_polls >= 1e3", 1000.0, 0.0).holds);
        assert!(value("a.client.wasted_polls != b.client.wasted_polls", 1.0, 2.0).holds);
        assert!(value("a.client.wasted_polls <= b.client.wasted_polls", 2.0, 2.0).holds);
        assert!(!value("a.client.wasted_polls > b.client.wasted_polls", 2.0, 2.0).holds);
        // Dividing by zero gives NaN or infinity; NaN never compares true.
        assert!(
            !value(
                "a.client.wasted_polls / b.client.wasted_polls == 0",
                0.0,
                0.0
            )
            .holds
        );
        // A dash inside an id is part of the name; with spaces it subtracts.
        let e = check("a.queue.warehouse-q.acked - 1 > 0").unwrap();
        assert_eq!(e.figures()[0].metric, "queue.warehouse-q.acked");
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |s: &str| check(s).unwrap_err();
        assert_eq!(
            err("c.client.wasted_polls > 0"),
            "\"c.client.wasted_polls\": no run \"c\" (runs: a, b)"
        );
        assert_eq!(
            err("a.client.wasted_poll > 0"),
            "\"a.client.wasted_poll\": unknown metric \"client.wasted_poll\""
        );
        assert_eq!(
            err("wasted > 0"),
            "\"wasted\" is not a figure: write run.metric (runs: a, b)"
        );
        assert_eq!(
            err("a.client.wasted_polls"),
            "has no comparison (<, <=, >, >=, ==, !=)"
        );
        assert_eq!(
            err("a.client.wasted_polls = 0"),
            "`=` is not a comparison (use == or !=)"
        );
        assert_eq!(
            err("a.client.wasted_polls > 0 > 1"),
            "unexpected `>` after the comparison's right side"
        );
        assert_eq!(err("(a.client.wasted_polls > 0"), "a `(` is not closed");
        assert_eq!(err("a.client.wasted_polls > "), "ends too early");
        assert_eq!(
            err("a.client.wasted_polls > 1..2"),
            "\"1..2\" is not a number"
        );
        assert_eq!(err("a.client.wasted_polls > 0 % 2"), "unexpected `%`");
        assert_eq!(err(""), "is empty");
        assert!(
            err("a.latency.response.p50_ms-a.client.wasted_polls > 0")
                .ends_with("(a minus needs spaces around it)")
        );
        assert!(err(&"1 + ".repeat(200)).starts_with("longer than"));
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
