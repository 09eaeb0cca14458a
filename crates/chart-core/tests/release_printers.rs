//! The printers of the read-only release commands (`action::{history, status, list, get}`)
//! over the memory driver, against helm's output: the release records helm 3.17.3 wrote
//! (`testdata/release-cli/secrets-{a,b}.json`) are loaded into memory and each printer's
//! text is compared with what helm printed for the same command
//! (`testdata/release-cli/out/NAME.stdout`, both recorded by
//! `scripts/record-release-cli-goldens.sh`). No cluster needed.

use std::path::PathBuf;

use base64::Engine as _;
use chart_core::action::get::{self, release_content};
use chart_core::action::history::{history, write_history};
use chart_core::action::list::{list, write_list, ListOptions, ListPrint};
use chart_core::action::output::OutputFormat;
use chart_core::action::status::{print_release, status, StatusOptions};
use chart_core::storage::driver::{decode_release, Driver, Memory};
use chart_core::storage::Storage;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release-cli")
}

fn golden(name: &str) -> String {
    let p = dir().join("out").join(format!("{name}.stdout"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The recorded Secrets of namespace `key` (`a` or `b`) in a memory driver, with the
/// Secrets' labels (as a list query returns them).
async fn store(key: &str) -> Storage {
    gotime::pin_local_zone("UTC").expect("zone");
    let text = std::fs::read(dir().join(format!("secrets-{key}.json"))).expect("secrets");
    let recs: Vec<serde_json::Value> = serde_json::from_slice(&text).expect("json");
    let mem = Memory::new();
    for r in recs {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(r["data"]["release"].as_str().expect("release"))
            .expect("base64");
        let mut rel = decode_release(&payload).expect("decode");
        rel.labels = r["labels"]
            .as_object()
            .expect("labels")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        mem.create(&rel.key(), &rel).await.expect("create");
    }
    mem.set_namespace(if key == "a" { "rc-a" } else { "rc-b" });
    Storage::new(Box::new(mem))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

#[test]
fn history_printer() {
    rt().block_on(async {
        let a = store("a").await;
        let b = store("b").await;
        for (case, s, name, max, fmt) in [
            ("history", &a, "basic", 256, OutputFormat::Table),
            ("history-json", &a, "basic", 256, OutputFormat::Json),
            ("history-yaml", &a, "basic", 256, OutputFormat::Yaml),
            ("history-max2", &a, "basic", 2, OutputFormat::Table),
            ("history-max0-json", &a, "basic", 0, OutputFormat::Json),
            ("history-wide-yaml", &a, "wide", 256, OutputFormat::Yaml),
            ("history-zoned", &b, "zoned", 256, OutputFormat::Table),
            ("history-stuck-yaml", &b, "stuck", 256, OutputFormat::Yaml),
        ] {
            let h = history(s, name, max).await.expect(case);
            assert_eq!(write_history(&h, fmt).expect(case), golden(case), "{case}");
        }
        let err = history(&a, "nope", 256).await.expect_err("missing");
        assert_eq!(err.to_string(), "release: not found");
        let err = history(&a, "Bad_Name", 256).await.expect_err("invalid");
        assert_eq!(err.to_string(), "release name is invalid: Bad_Name");
    });
}

#[test]
fn status_printer() {
    rt().block_on(async {
        let a = store("a").await;
        let b = store("b").await;
        for (case, s, name, rev, fmt, desc) in [
            ("status", &a, "basic", 0, OutputFormat::Table, false),
            (
                "status-rev2-desc",
                &a,
                "basic",
                2,
                OutputFormat::Table,
                true,
            ),
            (
                "status-rev3-desc",
                &a,
                "basic",
                3,
                OutputFormat::Table,
                true,
            ),
            ("status-json", &a, "basic", 0, OutputFormat::Json, false),
            ("status-yaml", &a, "basic", 0, OutputFormat::Yaml, false),
            ("status-full", &a, "full", 0, OutputFormat::Table, false),
            (
                "status-full-rev1",
                &a,
                "full",
                1,
                OutputFormat::Table,
                false,
            ),
            ("status-full-yaml", &a, "full", 0, OutputFormat::Yaml, false),
            ("status-wide", &a, "wide", 0, OutputFormat::Table, true),
            (
                "status-zoned-json",
                &b,
                "zoned",
                0,
                OutputFormat::Json,
                false,
            ),
            ("status-stuck", &b, "stuck", 0, OutputFormat::Table, true),
        ] {
            let mut rel = status(s, name, rev).await.expect(case);
            rel.chart = None;
            let opts = StatusOptions {
                show_description: desc,
                ..StatusOptions::default()
            };
            assert_eq!(
                print_release(&rel, fmt, &opts).expect(case).out,
                golden(case),
                "{case}"
            );
        }
        let err = status(&a, "basic", 99).await.expect_err("missing");
        assert_eq!(err.to_string(), "release: not found");
        let err = status(&a, "Bad_Name", 0).await.expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "releaseContent: Release name is invalid: Bad_Name"
        );
    });
}

#[test]
fn list_printer() {
    rt().block_on(async {
        let a = store("a").await;
        let b = store("b").await;
        let d = ListOptions::default;
        let all = || ListOptions { all: true, ..d() };
        let table = OutputFormat::Table;
        let cases: Vec<(&str, &Storage, ListOptions, OutputFormat, ListPrint)> = vec![
            ("list", &a, d(), table, ListPrint::default()),
            ("list-all", &a, all(), table, ListPrint::default()),
            (
                "list-all-json",
                &a,
                all(),
                OutputFormat::Json,
                ListPrint::default(),
            ),
            (
                "list-all-yaml",
                &a,
                all(),
                OutputFormat::Yaml,
                ListPrint::default(),
            ),
            (
                "list-short-yaml",
                &a,
                all(),
                OutputFormat::Yaml,
                ListPrint {
                    short: true,
                    ..ListPrint::default()
                },
            ),
            (
                "list-short-json",
                &a,
                d(),
                OutputFormat::Json,
                ListPrint {
                    short: true,
                    ..ListPrint::default()
                },
            ),
            (
                "list-no-headers",
                &a,
                d(),
                table,
                ListPrint {
                    no_headers: true,
                    ..ListPrint::default()
                },
            ),
            (
                "list-time-format-kitchen",
                &a,
                all(),
                table,
                ListPrint {
                    time_format: "3:04PM Mon Jan _2".into(),
                    ..ListPrint::default()
                },
            ),
            (
                "list-date",
                &a,
                ListOptions {
                    by_date: true,
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-date-reverse",
                &a,
                ListOptions {
                    by_date: true,
                    reverse: true,
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-reverse",
                &a,
                ListOptions {
                    reverse: true,
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-max-offset",
                &a,
                ListOptions {
                    limit: 2,
                    offset: 1,
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-offset-past-json",
                &a,
                ListOptions {
                    offset: 100,
                    ..all()
                },
                OutputFormat::Json,
                ListPrint::default(),
            ),
            (
                "list-superseded",
                &a,
                ListOptions {
                    superseded: true,
                    ..d()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-uninstalled-failed",
                &a,
                ListOptions {
                    uninstalled: true,
                    failed: true,
                    ..d()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-filter-anchored",
                &a,
                ListOptions {
                    filter: "^(b|g)".into(),
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-selector-ne",
                &a,
                ListOptions {
                    selector: "team!=blue".into(),
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-selector-in",
                &b,
                ListOptions {
                    selector: "tier in (web,db)".into(),
                    ..all()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-b-pending",
                &b,
                ListOptions {
                    pending: true,
                    ..d()
                },
                table,
                ListPrint::default(),
            ),
            (
                "list-b-time-format",
                &b,
                all(),
                table,
                ListPrint {
                    time_format: "2006-01-02T15:04:05.000Z07:00 MST".into(),
                    ..ListPrint::default()
                },
            ),
        ];
        for (case, s, opts, fmt, print) in cases {
            let rels = list(s, &opts).await.expect(case);
            assert_eq!(
                write_list(&rels, fmt, &print).expect(case),
                golden(case),
                "{case}"
            );
        }
    });
}

#[test]
fn get_printers() {
    rt().block_on(async {
        let a = store("a").await;
        let b = store("b").await;
        let rel = |s: &'static str, name: &'static str, rev: i64| {
            let st = if s == "a" { &a } else { &b };
            async move { release_content(st, name, rev).await.expect(name) }
        };
        let basic = rel("a", "basic", 0).await;
        let full = rel("a", "full", 0).await;
        let novalues = rel("a", "novalues", 0).await;
        let wide = rel("a", "wide", 0).await;
        let t = OutputFormat::Table;
        let cases: Vec<(&str, String)> = vec![
            (
                "get-values",
                get::write_values(&basic, false, t).expect("v").out,
            ),
            (
                "get-values-all",
                get::write_values(&basic, true, t).expect("v").out,
            ),
            (
                "get-values-json",
                get::write_values(&basic, false, OutputFormat::Json)
                    .expect("v")
                    .out,
            ),
            (
                "get-values-all-yaml",
                get::write_values(&basic, true, OutputFormat::Yaml)
                    .expect("v")
                    .out,
            ),
            (
                "get-values-novalues",
                get::write_values(&novalues, false, t).expect("v").out,
            ),
            (
                "get-values-novalues-json",
                get::write_values(&novalues, false, OutputFormat::Json)
                    .expect("v")
                    .out,
            ),
            (
                "get-values-novalues-all",
                get::write_values(&novalues, true, t).expect("v").out,
            ),
            (
                "get-values-full-all-json",
                get::write_values(&full, true, OutputFormat::Json)
                    .expect("v")
                    .out,
            ),
            (
                "get-values-wide-all",
                get::write_values(&wide, true, t).expect("v").out,
            ),
            ("get-manifest", get::write_manifest(&basic)),
            ("get-manifest-full", get::write_manifest(&full)),
            ("get-hooks-full", get::write_hooks(&full)),
            ("get-hooks-basic", get::write_hooks(&basic)),
            ("get-notes-full", get::write_notes(&full)),
            ("get-notes-wide", get::write_notes(&wide)),
            ("get-notes-novalues", get::write_notes(&novalues)),
            ("get-metadata", get::write_metadata(&basic, t).expect("m")),
            (
                "get-metadata-full",
                get::write_metadata(&full, t).expect("m"),
            ),
            (
                "get-metadata-full-json",
                get::write_metadata(&full, OutputFormat::Json).expect("m"),
            ),
            (
                "get-metadata-full-yaml",
                get::write_metadata(&full, OutputFormat::Yaml).expect("m"),
            ),
            (
                "get-metadata-wide-json",
                get::write_metadata(&wide, OutputFormat::Json).expect("m"),
            ),
            (
                "get-metadata-rev1",
                get::write_metadata(&rel("a", "basic", 1).await, OutputFormat::Yaml).expect("m"),
            ),
            ("get-all-full", get::write_all(&full).expect("all").out),
            (
                "get-all-basic-rev2",
                get::write_all(&rel("a", "basic", 2).await)
                    .expect("all")
                    .out,
            ),
            (
                "get-all-novalues",
                get::write_all(&novalues).expect("all").out,
            ),
            (
                "get-all-zoned",
                get::write_all(&rel("b", "zoned", 0).await)
                    .expect("all")
                    .out,
            ),
        ];
        for (case, got) in cases {
            assert_eq!(got, golden(case), "{case}");
        }
    });
}
