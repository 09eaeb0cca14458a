//! The rendering engine: every template of a chart and its subcharts parsed into one
//! template set, executed with Helm's built-in objects, errors reported as Helm reports
//! them (Helm's `pkg/engine`).

pub mod funcs;
pub mod objects;

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{ErrorKind, FuncMap, Map, MapKind, MapRef, MissingKey, Options, Template, Ty, Value};

use crate::chart::files::{FailureSlot, Files};
use crate::chart::{Chart, ChartError};
pub use objects::{Capabilities, ChartObject};

/// What `.Release` holds.
#[derive(Clone, Debug)]
pub struct ReleaseInfo {
    /// Release name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Revision number.
    pub revision: i64,
    /// Whether this is an install.
    pub is_install: bool,
    /// Whether this is an upgrade.
    pub is_upgrade: bool,
}

impl ReleaseInfo {
    /// `.Release` as templates see it (a map, so unknown keys are silently empty).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Namespace".into(), Value::str(&self.namespace));
        m.insert("IsUpgrade".into(), Value::Bool(self.is_upgrade));
        m.insert("IsInstall".into(), Value::Bool(self.is_install));
        m.insert("Revision".into(), Value::int(self.revision));
        m.insert("Service".into(), Value::str("Helm"));
        Value::map(m)
    }
}

/// A template error as Helm prints it.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template does not parse: `parse error at (FILE:LINE): MSG`.
    #[error("parse error at ({file}:{line}): {msg}")]
    Parse {
        /// Template file.
        file: String,
        /// Line.
        line: usize,
        /// The last segment of Go's message.
        msg: String,
        /// The underlying error.
        #[source]
        source: gotmpl::Error,
    },
    /// `required`/`fail`: `execution error at (FILE:LINE:COL): MSG`.
    #[error("execution error at ({location}): {msg}")]
    Fail {
        /// `FILE:LINE:COL` of the outermost failing call.
        location: String,
        /// The user's message.
        msg: String,
    },
    /// Any other execution error, in Go's words.
    #[error("{0}")]
    Exec(gotmpl::Error),
    /// A file of a directory chart (a template, or a file `.Files` reads) could not be
    /// read from disk at render time.
    #[error("{0}")]
    File(#[from] ChartError),
}

impl RenderError {
    fn from_parse(e: gotmpl::Error) -> RenderError {
        let full = e.to_string();
        let msg = full.rsplit(": ").next().unwrap_or_default().to_string();
        RenderError::Parse {
            file: e.name().to_string(),
            line: e.line(),
            msg,
            source: e,
        }
    }

    fn from_exec(e: gotmpl::Error) -> RenderError {
        if e.kind() == ErrorKind::Exec {
            if let Some(m) = e.fail_message() {
                return RenderError::Fail {
                    location: format!("{}:{}:{}", e.name(), e.line(), e.col()),
                    msg: m.to_string(),
                };
            }
        }
        RenderError::Exec(e)
    }
}

/// Engine settings.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    /// Lint mode: `required`/`fail` log instead of failing.
    pub lint_mode: bool,
    /// `missingkey=error` instead of Helm's `missingkey=zero`.
    pub strict: bool,
    /// Let `getHostByName` resolve names (Helm's `--enable-dns`).
    pub enable_dns: bool,
    /// Lines Helm's engine logs in lint mode (`engine.go:206: [INFO] Missing required
    /// value: …`, `engine.go:227: [INFO] Fail: …`), in execution order.
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
    /// Leave the parsed template set unfreed after rendering. For a process that
    /// exits right after rendering (the CLI): freeing a big chart's parse trees node by
    /// node costs several percent of the run, and the operating system reclaims the
    /// memory at exit anyway. Library users that render repeatedly leave it off.
    pub skip_teardown: bool,
    /// The cluster `lookup` asks; `None` gives Helm's client-only empty map.
    pub lookup: Option<Arc<dyn funcs::Lookup>>,
}

struct Renderable {
    data: MapRef,
    base_path: String,
}

impl Engine {
    fn funcs(&self) -> FuncMap {
        let mut f = funcs::helm_funcs();
        if let Some(cluster) = &self.lookup {
            funcs::set_lookup(&mut f, cluster.clone());
        }
        if !self.enable_dns {
            // getHostByName HOST: returns "" unless DNS lookups are enabled.
            f.add("getHostByName", &[Ty::Str], None, |_, _| Ok(Value::str("")));
        }
        if self.lint_mode {
            let log = self.log.clone();
            f.add("required", &[Ty::Str, Ty::Any], None, move |_, a| {
                let line = match &a[1] {
                    Value::Nil => 206,
                    Value::Str(s) if s.is_empty() => 214,
                    v => return Ok(v.clone()),
                };
                if let (Ok(mut l), Value::Str(w)) = (log.lock(), &a[0]) {
                    l.push(format!(
                        "engine.go:{line}: [INFO] Missing required value: {w}"
                    ));
                }
                Ok(Value::str(""))
            });
            let log = self.log.clone();
            f.add("fail", &[Ty::Str], None, move |_, a| {
                if let (Ok(mut l), Value::Str(m)) = (log.lock(), &a[0]) {
                    l.push(format!("engine.go:227: [INFO] Fail: {m}"));
                }
                Ok(Value::str(""))
            });
        }
        f
    }

    /// Parses every template of `chart` (and its enabled subcharts) into one template
    /// set, in Helm's order (so the right `define` wins). Parsing needs no values, so a
    /// caller may run it while it coalesces and validates values, then hand the result
    /// to [`Engine::render_parsed`].
    pub fn parse_templates(&self, chart: &Chart) -> Result<ParsedTemplates, RenderError> {
        let mut by_name: BTreeMap<String, &crate::chart::File> = BTreeMap::new();
        template_files(chart, &mut by_name);
        // Deeper paths first, then reverse byte order (Helm's sortTemplates). The map
        // iterates in byte order, so reversing it and sorting stably by depth suffices.
        let mut texts: Vec<(String, &crate::chart::File)> = by_name.into_iter().rev().collect();
        texts.sort_by_cached_key(|(n, _)| {
            std::cmp::Reverse(n.bytes().filter(|b| *b == b'/').count())
        });
        let mut t = Template::new(self.funcs());
        t.set_options(Options {
            missing_key: if self.strict {
                MissingKey::Error
            } else {
                MissingKey::Zero
            },
            ..Options::default()
        });
        // A template not in memory is read just before it is parsed and dropped after:
        // the parse tree keeps its own copy of the text.
        let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
        let total: u64 = texts.iter().map(|(_, f)| f.size()).sum();
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        t.parse_all_with(&names, total, |i| {
            let Some((_, file)) = texts.get(i) else {
                return Ok(std::borrow::Cow::Borrowed(""));
            };
            // Text held in memory (archives, and templates of directory charts, read at
            // load) is parsed in place when it is valid UTF-8.
            Ok(match file.read().map_err(RenderError::from)? {
                std::borrow::Cow::Borrowed(b) => gotmpl::bytestr::from_go_bytes(b),
                std::borrow::Cow::Owned(v) => {
                    std::borrow::Cow::Owned(gotmpl::bytestr::from_go_bytes(&v).into_owned())
                }
            })
        })
        .map_err(|e| match e {
            gotmpl::ParseAllError::Load(e) => e,
            gotmpl::ParseAllError::Parse(e) => RenderError::from_parse(e),
        })?;
        Ok(ParsedTemplates {
            set: t,
            names: texts.into_iter().map(|(n, _)| n).collect(),
        })
    }

    /// Renders every template of `chart` (and its enabled subcharts). `values` is the
    /// coalesced values map of the root chart. Returns the rendered text of every
    /// non-partial template by its path (`chart/templates/x.yaml`), `<no value>` removed.
    pub fn render(
        &self,
        chart: &Chart,
        values: &Value,
        release: &ReleaseInfo,
        caps: &Capabilities,
    ) -> Result<BTreeMap<String, String>, RenderError> {
        let parsed = self.parse_templates(chart)?;
        self.render_parsed(parsed, chart, values, release, caps)
    }

    /// [`Engine::render`] with templates parsed beforehand by
    /// [`Engine::parse_templates`] on the same `chart`.
    pub fn render_parsed(
        &self,
        parsed: ParsedTemplates,
        chart: &Chart,
        values: &Value,
        release: &ReleaseInfo,
        caps: &Capabilities,
    ) -> Result<BTreeMap<String, String>, RenderError> {
        self.render_parsed_each(parsed, chart, values, release, caps, &mut |_, _| {})
    }

    /// [`Engine::render_parsed`], handing each rendered file to `each` (path, text) as
    /// soon as it is rendered, in render order, so a caller can start reading it while
    /// the next files render.
    pub fn render_parsed_each(
        &self,
        parsed: ParsedTemplates,
        chart: &Chart,
        values: &Value,
        release: &ReleaseInfo,
        caps: &Capabilities,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<BTreeMap<String, String>, RenderError> {
        let mut tpls: BTreeMap<String, Renderable> = BTreeMap::new();
        let release_v = release.to_value();
        let caps_v = caps.to_value();
        let failure = FailureSlot::default();
        collect(chart, values, &release_v, &caps_v, &failure, &mut tpls);
        let ParsedTemplates { set: t, names } = parsed;
        let mut out = BTreeMap::new();
        for name in &names {
            let base = name.rsplit('/').next().unwrap_or(name);
            if base.starts_with('_') {
                continue;
            }
            let Some(r) = tpls.get(name) else {
                continue;
            };
            let mut tm = Map::new();
            tm.insert("Name".into(), Value::str(name));
            tm.insert("BasePath".into(), Value::str(&r.base_path));
            // Helm's `.Template` and the top-level object (`renderable.vals`) are both
            // `chartutil.Values`.
            r.data.write().insert(
                "Template".into(),
                Value::Map(MapRef::new(tm).with_kind(MapKind::Values)),
            );
            let s = t.execute(name, &Value::Map(r.data.with_kind(MapKind::Values)));
            // A `.Files` read that failed is the error, whatever execution made of it.
            if let Some(e) = failure.lock().ok().and_then(|mut g| g.take()) {
                return Err(RenderError::File(e));
            }
            let s = s.map_err(RenderError::from_exec)?;
            // Kept until the whole chart is rendered: no spare capacity.
            let mut s = if s.contains("<no value>") {
                s.replace("<no value>", "")
            } else {
                s
            };
            s.shrink_to_fit();
            each(name, &s);
            out.insert(name.clone(), s);
        }
        if self.skip_teardown {
            std::mem::forget(t);
        }
        Ok(out)
    }
}

/// A chart's templates, parsed into one set (see [`Engine::parse_templates`]).
pub struct ParsedTemplates {
    set: Template,
    /// Template paths in Helm's render order.
    names: Vec<String>,
}

impl std::fmt::Debug for ParsedTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedTemplates")
            .field("names", &self.names)
            .finish()
    }
}

/// The templates [`collect`] registers, by full path, with their text.
fn template_files<'c>(chart: &'c Chart, out: &mut BTreeMap<String, &'c crate::chart::File>) {
    for child in &chart.dependencies {
        template_files(child, out);
    }
    let full = chart.chart_full_path();
    for t in own_templates(chart) {
        out.insert(format!("{full}/{}", t.name), t);
    }
}

/// The templates of `chart` itself that are rendered or used: all of them, or only the
/// partials (`_*`) of a library chart.
fn own_templates(chart: &Chart) -> impl Iterator<Item = &crate::chart::File> {
    let library = chart.metadata.is_library();
    chart.templates.iter().filter(move |t| {
        !library
            || t.name
                .rsplit('/')
                .next()
                .unwrap_or(&t.name)
                .starts_with('_')
    })
}

/// Helm's `recAllTpls`: builds each chart's top-level object and registers its templates.
fn collect(
    chart: &Chart,
    parent_values: &Value,
    release: &Value,
    caps: &Value,
    failure: &FailureSlot,
    tpls: &mut BTreeMap<String, Renderable>,
) -> MapRef {
    // `.Values` is Helm's named map type `chartutil.Values` (it matters to type
    // assertions such as `dig`'s); it shares its contents with the coalesced values.
    let values = if chart.is_root() {
        match parent_values {
            Value::Map(m) => Value::Map(m.with_kind(MapKind::Values)),
            other => other.clone(),
        }
    } else {
        match parent_values {
            Value::Map(m) => match m.get(chart.name()) {
                Some(Value::Map(sub)) => Value::Map(sub.with_kind(MapKind::Values)),
                _ => Value::Map(MapRef::new(Map::new()).with_kind(MapKind::Values)),
            },
            _ => Value::Map(MapRef::new(Map::new()).with_kind(MapKind::Values)),
        }
    };
    let subcharts = MapRef::new(Map::new());
    let mut next = Map::new();
    next.insert(
        "Chart".into(),
        Value::Object(Arc::new(ChartObject::new(
            Arc::new(chart.metadata.clone()),
            chart.is_root(),
        ))),
    );
    next.insert(
        "Files".into(),
        Value::Object(Arc::new(Files::with_failure_slot(
            &chart.files,
            failure.clone(),
        ))),
    );
    next.insert("Release".into(), release.clone());
    next.insert("Capabilities".into(), caps.clone());
    next.insert("Values".into(), values.clone());
    next.insert("Subcharts".into(), Value::Map(subcharts.clone()));
    let next = MapRef::new(next);
    for child in &chart.dependencies {
        let c = collect(child, &values, release, caps, failure, tpls);
        subcharts
            .write()
            .insert(child.name().to_string(), Value::Map(c));
    }
    let full = chart.chart_full_path();
    for t in own_templates(chart) {
        tpls.insert(
            format!("{full}/{}", t.name),
            Renderable {
                data: next.clone(),
                base_path: format!("{full}/templates"),
            },
        );
    }
    next
}
