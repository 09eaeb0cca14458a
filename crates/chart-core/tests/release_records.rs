//! Records written by the real helm 3.17.3 (testdata/release/records, recorded by
//! scripts/record-release-goldens.sh): decoded and re-encoded byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chart_core::release::Release;
use chart_core::storage::driver::{
    decode_payload_bytes, decode_release, encode_release, filter_system_labels, record_labels,
    ConfigMaps, Secrets,
};

fn records_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release/records")
}

struct Golden {
    path: PathBuf,
    labels: BTreeMap<String, String>,
    /// The payload (`base64(gzip(json))`).
    payload: String,
    /// The JSON helm encoded.
    json: Vec<u8>,
}

fn goldens(driver: &str) -> Vec<Golden> {
    let dir = records_dir().join(driver);
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".json") && !n.ends_with(".release.json")
        })
        .collect();
    names.sort();
    for path in names {
        let rec: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        let labels = rec["labels"]
            .as_object()
            .expect("labels")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("label").to_owned()))
            .collect();
        let stored = rec["release"].as_str().expect("release").to_owned();
        let payload = if driver == "secret" {
            assert_eq!(rec["type"], "helm.sh/release.v1");
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(&stored)
                    .expect("base64"),
            )
            .expect("ascii")
        } else {
            stored
        };
        let json = std::fs::read(path.with_extension("release.json")).expect("release json");
        out.push(Golden {
            path,
            labels,
            payload,
            json,
        });
    }
    assert!(out.len() >= 6, "too few goldens in {}", dir.display());
    out
}

fn check(driver: &str) {
    for g in goldens(driver) {
        let name = g.path.display();
        // The gzip/base64 layer gives helm's JSON.
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&g.payload)
            .expect("payload base64");
        assert_eq!(
            &raw[..10],
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff],
            "{name}"
        );
        assert_eq!(decode_payload_bytes(raw).expect("gunzip"), g.json, "{name}");
        // Decoding and re-encoding gives helm's bytes.
        let rls = decode_release(g.payload.as_bytes()).expect("decode");
        let ours = rls.to_json().expect("encode");
        if ours.as_bytes() != g.json.as_slice() {
            let theirs = String::from_utf8_lossy(&g.json);
            let at = ours
                .bytes()
                .zip(theirs.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            panic!(
                "{name}: re-encoded JSON differs at byte {at}:\n ours: {}\nhelm: {}",
                &ours[at.saturating_sub(60)..(at + 60).min(ours.len())],
                &theirs[at.saturating_sub(60)..(at + 60).min(theirs.len())]
            );
        }
        assert_eq!(
            Release::from_json(&g.json)
                .expect("decode")
                .to_json()
                .expect("encode"),
            ours
        );
        // Our payload decodes to the same record.
        let again = encode_release(&rls).expect("encode payload");
        assert!(
            again.starts_with("H4sIAAAAAAAC/"),
            "{name}: {}",
            &again[..16]
        );
        assert_eq!(
            decode_release(again.as_bytes())
                .expect("decode")
                .to_json()
                .expect("encode"),
            ours
        );
        // The labels our drivers would write equal helm's (same time stamp).
        let mut with_custom = rls.clone();
        with_custom.labels = filter_system_labels(&g.labels);
        let stamp = match (g.labels.get("modifiedAt"), g.labels.get("createdAt")) {
            (Some(m), _) => ("modifiedAt", m.clone()),
            (None, Some(c)) => ("createdAt", c.clone()),
            (None, None) => panic!("{name}: no time stamp label"),
        };
        let mut ours_labels = record_labels(&with_custom, stamp);
        // helm carries a `createdAt` read back from a list query into later updates.
        for k in ["createdAt", "modifiedAt"] {
            if let Some(v) = g.labels.get(k) {
                ours_labels.entry(k.to_owned()).or_insert_with(|| v.clone());
            }
        }
        assert_eq!(ours_labels, g.labels, "{name}");
        // The objects our drivers build hold the same labels and a decodable payload.
        let key = g
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("key")
            .to_owned();
        if driver == "secret" {
            let obj = Secrets::object(&key, &with_custom, ours_labels.clone()).expect("object");
            assert_eq!(obj.type_.as_deref(), Some("helm.sh/release.v1"));
            let data = &obj.data.as_ref().expect("data")["release"].0;
            assert_eq!(
                decode_release(data)
                    .expect("decode")
                    .to_json()
                    .expect("encode"),
                ours
            );
        } else {
            let obj = ConfigMaps::object(&key, &with_custom, ours_labels.clone()).expect("object");
            let data = &obj.data.as_ref().expect("data")["release"];
            assert_eq!(
                decode_release(data.as_bytes())
                    .expect("decode")
                    .to_json()
                    .expect("encode"),
                ours
            );
        }
    }
}

#[test]
fn helm_secret_records_round_trip() {
    check("secret");
}

#[test]
fn helm_configmap_records_round_trip() {
    check("configmap");
}

#[test]
fn helm_records_rebuild_charts() {
    for g in goldens("secret") {
        let rls = decode_release(g.payload.as_bytes()).expect("decode");
        let Some(rec) = &rls.chart else { continue };
        let chart = rec.to_chart();
        let back = chart_core::release::ChartRecord::from_chart(&chart).expect("record");
        let mut r2 = rls.clone();
        r2.chart = Some(back);
        assert_eq!(
            r2.to_json().expect("encode"),
            rls.to_json().expect("encode"),
            "{}",
            g.path.display()
        );
    }
}

#[test]
fn helm_sql_rows_round_trip() {
    let dir = records_dir().join("sql");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(name)).expect("read")).expect("json")
    };
    let mut ids: Vec<String> = read("gorp_migrations.json")
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    let mut ours = chart_core::storage::driver::sql::MIGRATION_IDS
        .map(str::to_owned)
        .to_vec();
    ours.sort();
    assert_eq!(ids, ours);
    let labels = read("custom_labels_v1.json");
    let rows = read("releases_v1.json");
    let rows = rows.as_array().expect("rows");
    assert!(rows.len() >= 6);
    for row in rows {
        let key = row["key"].as_str().expect("key");
        let json = std::fs::read(dir.join(format!("{key}.release.json"))).expect("release json");
        let body = row["body"].as_str().expect("body");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64");
        assert_eq!(decode_payload_bytes(raw).expect("gunzip"), json, "{key}");
        let rls = decode_release(body.as_bytes()).expect("decode");
        assert_eq!(
            rls.to_json().expect("encode").as_bytes(),
            json.as_slice(),
            "{key}"
        );
        // The columns our driver writes from the record.
        assert_eq!(row["type"], "helm.sh/release.v1");
        assert_eq!(row["owner"], "helm");
        assert_eq!(row["name"], rls.name.as_str());
        assert_eq!(row["namespace"], rls.namespace.as_str());
        assert_eq!(row["version"], rls.version);
        assert_eq!(row["status"], rls.status().as_str());
        assert_eq!(key, chart_core::storage::make_key(&rls.name, rls.version));
        assert!(row["createdat"].as_i64().expect("createdat") > 0);
        let custom: BTreeMap<String, String> = labels
            .as_array()
            .expect("labels")
            .iter()
            .filter(|l| l["releasekey"] == key)
            .map(|l| {
                (
                    l["key"].as_str().expect("k").to_owned(),
                    l["value"].as_str().expect("v").to_owned(),
                )
            })
            .collect();
        if rls.name == "full" {
            assert_eq!(
                custom.get("team").map(String::as_str),
                Some("blue"),
                "{key}"
            );
        } else {
            assert!(custom.is_empty(), "{key}");
        }
    }
}

/// The chart and config our pipeline (load, merge values, process dependencies, record)
/// produces for helm's `install full full -f user-values.yaml --set int=43,list[0]=9` and
/// `install basic basic --set …` equal what helm stored.
#[test]
fn chart_records_from_our_pipeline_match_helm() {
    use chart_core::values::ValueOptions;
    let charts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release/charts");
    let cases: [(&str, &str, ValueOptions); 3] = [
        (
            "full",
            "sh.helm.release.v1.full.v1",
            ValueOptions {
                value_files: vec![charts.join("user-values.yaml").display().to_string()],
                values: vec!["int=43,list[0]=9".into()],
                ..ValueOptions::default()
            },
        ),
        (
            "basic",
            "sh.helm.release.v1.basic.v1",
            ValueOptions {
                values: vec![
                    r#"x=5,ratio=0.25,neg=-3,big=12345678901,on=true,html=<a href="x">&amp;</a>"#
                        .into(),
                ],
                string_values: vec!["str=007".into()],
                json_values: vec![r#"obj={"k":[1,2.5,"x",null],"e":{}}"#.into()],
                ..ValueOptions::default()
            },
        ),
        (
            "novalues",
            "sh.helm.release.v1.novalues.v1",
            ValueOptions::default(),
        ),
    ];
    for (chart, key, opts) in cases {
        let helm_json = std::fs::read(
            records_dir()
                .join("secret")
                .join(format!("{key}.release.json")),
        )
        .expect("golden");
        let helm = Release::from_json(&helm_json).expect("decode");
        let mut ch =
            chart_core::chart::load(charts.join(chart).to_str().expect("path")).expect("load");
        let user = opts.merge_values().expect("values");
        let ops = chart_core::chart::HelmValuesOps::default();
        chart_core::chart::process_dependencies(&mut ch, &user, &ops, true).expect("deps");
        let mut ours = helm.clone();
        ours.chart = Some(chart_core::release::ChartRecord::from_chart(&ch).expect("record"));
        ours.config = user;
        assert_eq!(
            ours.to_json().expect("encode"),
            String::from_utf8(helm_json).expect("utf-8"),
            "{chart}"
        );
    }
}

/// What our renderer produces for helm's first install of `full` (manifest, hooks with
/// their order and fields, notes) equals the record helm stored.
#[test]
fn rendered_install_matches_helm_record() {
    use chart_core::action::install::{render_template, TemplateOptions};
    use chart_core::values::ValueOptions;
    let charts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/release/charts");
    let helm_json = std::fs::read(
        records_dir()
            .join("secret")
            .join("sh.helm.release.v1.full.v1.release.json"),
    )
    .expect("golden");
    let helm = Release::from_json(&helm_json).expect("decode");
    let values = ValueOptions {
        value_files: vec![charts.join("user-values.yaml").display().to_string()],
        values: vec!["int=43,list[0]=9".into()],
        ..ValueOptions::default()
    };
    let opts = TemplateOptions {
        release_name: "full".into(),
        namespace: "rec-secret".into(),
        ..TemplateOptions::default()
    };
    let rendered = render_template(charts.join("full").to_str().expect("path"), &values, &opts)
        .expect("render");
    assert_eq!(rendered.manifest_text(), helm.manifest);
    let info = helm.info.as_ref().expect("info");
    assert_eq!(rendered.notes, info.notes);
    let mut hooks: Vec<chart_core::release::Hook> = rendered.hooks.iter().map(Into::into).collect();
    // Run history is the only part of a hook the renderer does not know; helm gives the
    // hooks it ran the default delete policy.
    for (ours, theirs) in hooks.iter_mut().zip(&helm.hooks) {
        ours.last_run = theirs.last_run.clone();
        if !ours.last_run.started_at.is_zero() {
            ours.apply_default_delete_policy();
        }
    }
    assert_eq!(hooks, helm.hooks);
}
