//! Render benchmarks.
//!
//! - `chart/parse+render`: parse a Bitnami-style `_helpers.tpl` plus a Deployment, a
//!   Service and a ConfigMap into a fresh template set and render the three manifests
//!   (what one `helm template` of such a chart costs in the engine); `chart/render`:
//!   the same with the set parsed once.
//! - `include/N`: N `include` chains four deep (labels → name/chart helpers).
//! - `tpl/N`: one `tpl` call per value over a values tree of N distinct keys, for
//!   N = 1000, 2000, 4000: the time must grow linearly.
//!
//! The templates use Go's builtins plus `include`/`tpl` only (the Sprig functions are not
//! all in the table yet: see `chart/basic/`).
//! Run: `scripts/bench-gotmpl.sh` (or `cargo bench -p gotmpl --bench render -- --noplot`).

use std::hint::black_box;

use chart_core::engine::funcs::helm_funcs;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gotmpl::{Map, MissingKey, Options, Template, Value};

const HELPERS: &str = include_str!("chart/basic/_helpers.tpl");
const MANIFESTS: [(&str, &str); 3] = [
    (
        "app/templates/deployment.yaml",
        include_str!("chart/basic/deployment.yaml"),
    ),
    (
        "app/templates/service.yaml",
        include_str!("chart/basic/service.yaml"),
    ),
    (
        "app/templates/configmap.yaml",
        include_str!("chart/basic/configmap.yaml"),
    ),
];
const VALUES: &str = include_str!("chart/values.json");

fn helm_options() -> Options {
    Options {
        missing_key: MissingKey::Zero,
        ..Options::default()
    }
}

/// The top-level object Helm passes to a template (`.Values`, `.Release`, `.Chart`).
fn top(values: Value) -> Value {
    let mut release = Map::new();
    release.insert("Name".into(), Value::str("web"));
    release.insert("Namespace".into(), Value::str("prod"));
    release.insert("Service".into(), Value::str("Helm"));
    release.insert("IsInstall".into(), Value::Bool(true));
    release.insert("Revision".into(), Value::int(1));
    let mut chart = Map::new();
    chart.insert("Name".into(), Value::str("nginx"));
    chart.insert("Version".into(), Value::str("19.0.1"));
    chart.insert("AppVersion".into(), Value::str("1.27.4"));
    let mut m = Map::new();
    m.insert("Values".into(), values);
    m.insert("Release".into(), Value::map(release));
    m.insert("Chart".into(), Value::map(chart));
    Value::map(m)
}

fn chart_values() -> Value {
    let j: serde_json::Value = serde_json::from_str(VALUES).expect("values.json");
    top(Value::from_json(&j))
}

fn parse_chart() -> Template {
    let mut t = Template::new(helm_funcs());
    t.set_options(helm_options());
    t.parse("app/templates/_helpers.tpl", HELPERS)
        .expect("helpers parse");
    for (name, text) in MANIFESTS {
        t.parse(name, text).expect("manifest parses");
    }
    t
}

fn render_chart(t: &Template, data: &Value) -> usize {
    MANIFESTS
        .iter()
        .map(|(name, _)| t.execute(name, data).expect("renders").len())
        .sum()
}

fn bench_chart(c: &mut Criterion) {
    let data = chart_values();
    // Sanity: the chart renders and uses its helpers.
    let t = parse_chart();
    let out = t
        .execute("app/templates/deployment.yaml", &data)
        .expect("renders");
    assert!(out.contains("name: web-nginx"), "{out}");
    assert!(out.contains("tier: web-backend"), "{out}");

    let mut g = c.benchmark_group("chart");
    g.bench_function("parse+render", |b| {
        b.iter(|| {
            let t = parse_chart();
            black_box(render_chart(&t, black_box(&data)))
        })
    });
    g.bench_function("render", |b| {
        b.iter(|| black_box(render_chart(&t, black_box(&data))))
    });
    g.finish();
}

/// `n` items, each rendered with a four-deep `include` chain.
const INCLUDE_HEAVY: &str = r#"
{{- define "x.name" -}}{{ .Chart.Name }}{{- end -}}
{{- define "x.fullname" -}}{{ printf "%s-%s" .Release.Name (include "x.name" .) }}{{- end -}}
{{- define "x.selector" -}}
app.kubernetes.io/name: {{ include "x.name" . }}
app.kubernetes.io/instance: {{ include "x.fullname" . }}
{{- end -}}
{{- define "x.labels" -}}
{{ include "x.selector" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- range $i, $item := .Values.items }}
- name: {{ include "x.fullname" $ }}-{{ $i }}
  labels:
{{ include "x.labels" $ }}
{{- end }}
"#;

fn bench_include(c: &mut Criterion) {
    let mut g = c.benchmark_group("include");
    for n in [100usize, 400] {
        let items = Value::list((0..n).map(|i| Value::int(i as i64)).collect());
        let mut values = Map::new();
        values.insert("items".into(), items);
        let data = top(Value::map(values));
        let mut t = Template::new(helm_funcs());
        t.set_options(helm_options());
        t.parse("t", INCLUDE_HEAVY).expect("parses");
        let out = t.execute("t", &data).expect("renders");
        assert_eq!(out.matches("helm.sh/chart: nginx-19.0.1").count(), n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &data, |b, data| {
            b.iter(|| black_box(t.execute("t", black_box(data)).expect("renders").len()))
        });
    }
    g.finish();
}

/// One `tpl` per value: `{{ tpl $v $ }}` over `.Values.tplvals` (N distinct templates).
const TPL_HEAVY: &str = r#"{{- range $k, $v := .Values.tplvals }}
{{ $k }}: {{ tpl $v $ }}
{{- end }}"#;

fn tpl_values(n: usize) -> Value {
    let mut vals = Map::new();
    for i in 0..n {
        vals.insert(
            format!("key{i:05}"),
            Value::str(format!(
                "{{{{ .Release.Name }}}}-{i}-{{{{ if .Values.enabled }}}}{{{{ printf \"%s\" .Chart.Name }}}}{{{{ end }}}}"
            )),
        );
    }
    let mut values = Map::new();
    values.insert("tplvals".into(), Value::map(vals));
    values.insert("enabled".into(), Value::Bool(true));
    top(Value::map(values))
}

fn bench_tpl(c: &mut Criterion) {
    let mut g = c.benchmark_group("tpl");
    let mut t = Template::new(helm_funcs());
    t.set_options(helm_options());
    t.parse("t", TPL_HEAVY).expect("parses");
    for n in [1000usize, 2000, 4000] {
        let data = tpl_values(n);
        let out = t.execute("t", &data).expect("renders");
        assert_eq!(out.matches("-nginx").count(), n);
        assert!(out.contains("key00007: web-7-nginx"), "{out}");
        g.bench_with_input(BenchmarkId::from_parameter(n), &data, |b, data| {
            b.iter(|| black_box(t.execute("t", black_box(data)).expect("renders").len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_chart, bench_include, bench_tpl);
criterion_main!(benches);
