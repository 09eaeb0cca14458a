//! Chart.yaml rules (Helm's `rules.Chartfile`).

use gotmpl::fmt::go_quote;
use gotmpl::Value;

use super::validate::{go_base, is_email, is_request_url, is_url};
use super::{Linter, Severity};
use crate::chart::semver::{parse_constraints, parse_version};
use crate::chart::{ChartError, Metadata};

const FILE: &str = "Chart.yaml";

/// The text of a Chart.yaml decoding error as `chartutil.LoadChartfile` words it.
fn load_error_text(e: &ChartError) -> String {
    match e {
        ChartError::Yaml { message, .. } => format!("error converting YAML to JSON: {message}"),
        ChartError::Decode { message, .. } => {
            format!("error unmarshaling JSON: while decoding JSON: {message}")
        }
        other => other.helm_message(),
    }
}

/// Go's `%T` of a value decoded into `interface{}` from JSON.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(..) | Value::Float(_) => "float64",
        Value::Str(_) | Value::Bytes(_) => "string",
        Value::List(_) => "[]interface {}",
        Value::Map(_) | Value::Object(_) => "map[string]interface {}",
    }
}

fn is_string_value(data: &Value, key: &str) -> Result<(), String> {
    let Value::Map(m) = data else { return Ok(()) };
    match m.get(key) {
        None => Ok(()),
        Some(Value::Str(_) | Value::Bytes(_)) => Ok(()),
        Some(v) => Err(format!(
            "{key} should be of type string but it's of type {}",
            go_type_name(&v)
        )),
    }
}

pub(super) fn run(linter: &mut Linter) {
    let path = linter.chart_dir.join(FILE);
    let is_dir = std::fs::metadata(&path)
        .map(|m| m.is_dir())
        .unwrap_or(false);
    linter.rule(
        Severity::Error,
        FILE,
        if is_dir {
            Err("should be a file, not a directory".into())
        } else {
            Ok(())
        },
    );
    let loaded = match std::fs::read(&path) {
        Ok(data) => {
            let mut md = Metadata::default();
            md.decode_into(FILE, &data)
                .map(|()| (md, data))
                .map_err(|e| load_error_text(&e))
        }
        Err(e) => Err(format!(
            "{} {}: {}",
            if is_dir { "read" } else { "open" },
            path.display(),
            crate::chart::loader::go_io_text(&e)
        )),
    };
    let (cf, data) = match loaded {
        Ok(x) => x,
        Err(e) => {
            linter.rule(
                Severity::Error,
                FILE,
                Err(format!("unable to parse YAML\n\t{e}")),
            );
            return;
        }
    };
    let typed = goyaml::from_yaml(&String::from_utf8_lossy(&data)).unwrap_or(Value::Nil);

    let e = Severity::Error;
    linter.rule(e, FILE, validate_name(&cf));
    linter.rule(e, FILE, validate_api_version(&cf));
    linter.rule(e, FILE, is_string_value(&typed, "version"));
    linter.rule(e, FILE, validate_version(&cf));
    linter.rule(e, FILE, is_string_value(&typed, "appVersion"));
    linter.rule(e, FILE, validate_maintainers(&cf));
    linter.rule(e, FILE, validate_sources(&cf));
    linter.rule(
        Severity::Info,
        FILE,
        if cf.icon.is_empty() {
            Err("icon is recommended".into())
        } else {
            Ok(())
        },
    );
    linter.rule(
        e,
        FILE,
        if !cf.icon.is_empty() && !is_request_url(&cf.icon) {
            Err(format!("invalid icon URL '{}'", cf.icon))
        } else {
            Ok(())
        },
    );
    linter.rule(
        e,
        FILE,
        if !cf.chart_type.is_empty() && cf.api_version != "v2" {
            Err(format!(
                "chart type is not valid in apiVersion '{}'. It is valid in apiVersion 'v2'",
                cf.api_version
            ))
        } else {
            Ok(())
        },
    );
    linter.rule(
        e,
        FILE,
        if !cf.dependencies.is_empty() && cf.api_version != "v2" {
            Err(format!(
                "dependencies are not valid in the Chart file with apiVersion '{}'. They are valid in apiVersion 'v2'",
                cf.api_version
            ))
        } else {
            Ok(())
        },
    );
}

fn validate_name(cf: &Metadata) -> Result<(), String> {
    if cf.name.is_empty() {
        return Err("name is required".into());
    }
    if go_base(&cf.name) != cf.name {
        return Err(format!("chart name {} is invalid", go_quote(&cf.name)));
    }
    Ok(())
}

fn validate_api_version(cf: &Metadata) -> Result<(), String> {
    if cf.api_version.is_empty() {
        return Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".into());
    }
    if cf.api_version != "v1" && cf.api_version != "v2" {
        return Err(format!(
            "apiVersion '{}' is not valid. The value must be either \"v1\" or \"v2\"",
            cf.api_version
        ));
    }
    Ok(())
}

fn validate_version(cf: &Metadata) -> Result<(), String> {
    if cf.version.is_empty() {
        return Err("version is required".into());
    }
    let Some(v) = parse_version(&cf.version) else {
        return Err(format!("version '{}' is not a valid SemVer", cf.version));
    };
    // The constraint `>0.0.0-0`: only versions above the lowest prerelease of 0.0.0 pass.
    if let Some(c) = parse_constraints(">0.0.0-0") {
        if !c.check(&v) {
            return Err(format!("version {v} is less than or equal to 0.0.0-0"));
        }
    }
    Ok(())
}

fn validate_maintainers(cf: &Metadata) -> Result<(), String> {
    for m in &cf.maintainers {
        if m.name.is_empty() {
            return Err("each maintainer requires a name".into());
        } else if !m.email.is_empty() && !is_email(&m.email) {
            return Err(format!(
                "invalid email '{}' for maintainer '{}'",
                m.email, m.name
            ));
        } else if !m.url.is_empty() && !is_url(&m.url) {
            return Err(format!(
                "invalid url '{}' for maintainer '{}'",
                m.url, m.name
            ));
        }
    }
    Ok(())
}

fn validate_sources(cf: &Metadata) -> Result<(), String> {
    for s in &cf.sources {
        if s.is_empty() || !is_request_url(s) {
            return Err(format!("invalid source URL '{s}'"));
        }
    }
    Ok(())
}
