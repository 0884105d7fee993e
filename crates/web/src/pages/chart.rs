//! Charts drawn on the server as SVG: a line over a series with its axes, and a sparkline.
//! Written here rather than taken from a charting crate: two small shapes, no JavaScript, and
//! the markup stays accessible (a title, a description, and the table beside it on the page).

use std::fmt::Write;

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten.
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * power >= max {
            return step * power;
        }
    }
    10.0 * power
}

/// The runs of consecutive points that have values (a missing value breaks the line).
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(x) if x.is_finite() => cur.push((i, *x)),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Bounds of the y axis: from 0 (or the least negative value) to a round maximum.
fn y_bounds(values: &[Option<f64>]) -> (f64, f64) {
    let known: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let hi = known.iter().copied().fold(0.0, f64::max);
    let lo = known.iter().copied().fold(0.0, f64::min);
    let lo = if lo < 0.0 { -nice_max(-lo) } else { 0.0 };
    (lo, nice_max(hi))
}

/// A line chart with axes. `labels` name the periods; `fmt` writes a value for the axis.
pub fn line_chart(
    title: &str,
    y_label: &str,
    labels: &[String],
    values: &[Option<f64>],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let (w, h) = (720.0, 260.0);
    let (left, right, top, bottom) = (64.0, 16.0, 16.0, 48.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let (lo, hi) = y_bounds(values);
    let n = values.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + pw / 2.0
        } else {
            left + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + ph * (1.0 - (v - lo) / (hi - lo));
    let mut s = String::new();
    let known = values.iter().flatten().count();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">{} periods, {} with data; the values are in the table below the chart.</desc>"#,
        esc(title),
        values.len(),
        known
    );
    // Grid lines and y ticks.
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let yy = y(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" y1="{yy:.1}" x2="{}" y2="{yy:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            left + pw,
            left - 6.0,
            yy + 4.0,
            esc(&fmt(v))
        );
    }
    // X labels: first, middle and last period.
    let mut shown: Vec<usize> = vec![0, n / 2, n - 1];
    shown.dedup();
    for i in shown {
        if let Some(l) = labels.get(i) {
            let anchor = if i == 0 && n > 1 {
                "start"
            } else if i == n - 1 && n > 1 {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
                x(i),
                top + ph + 18.0,
                esc(l)
            );
        }
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{:.1}" y="{}" text-anchor="middle">Period start</text><text class="axis-label" x="14" y="{:.1}" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text>"#,
        left + pw / 2.0,
        h - 6.0,
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_label)
    );
    for run in runs(values) {
        let pts: Vec<String> = run
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect();
        let _ = write!(s, r#"<polyline class="line" points="{}"/>"#, pts.join(" "));
        for (i, v) in &run {
            let _ = write!(
                s,
                r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"><title>{}: {}</title></circle>"#,
                x(*i),
                y(*v),
                esc(labels.get(*i).map_or("", String::as_str)),
                esc(&fmt(*v))
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A small line without axes, beside a headline number (which carries the information).
pub fn sparkline(title: &str, values: &[Option<f64>]) -> String {
    let (w, h) = (120.0, 32.0);
    let (lo, hi) = y_bounds(values);
    let n = values.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            w / 2.0
        } else {
            2.0 + (w - 4.0) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| 2.0 + (h - 4.0) * (1.0 - (v - lo) / (hi - lo));
    let mut s = format!(
        r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(title)
    );
    for run in runs(values) {
        if run.len() == 1 {
            let (i, v) = run[0];
            let _ = write!(
                s,
                r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="2"/>"#,
                x(i),
                y(v)
            );
            continue;
        }
        let pts: Vec<String> = run
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect();
        let _ = write!(s, r#"<polyline class="line" points="{}"/>"#, pts.join(" "));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.37), 0.5);
        assert_eq!(nice_max(1.0), 1.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(480.0), 500.0);
        assert_eq!(nice_max(501.0), 1000.0);
    }

    #[test]
    fn a_missing_value_breaks_the_line() {
        let r = runs(&[Some(1.0), None, Some(2.0), Some(3.0)]);
        assert_eq!(r, vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]);
        let svg = line_chart(
            "Questions <by week>",
            "Questions",
            &["a".into(), "b".into(), "c".into(), "d".into()],
            &[Some(1.0), None, Some(2.0), Some(3.0)],
            &|v| format!("{v}"),
        );
        assert!(svg.contains("<title id=\"chart-title\">Questions &lt;by week&gt;</title>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.ends_with("</svg>"));
        let empty = sparkline("nothing", &[None, None]);
        assert!(!empty.contains("polyline"));
    }
}
