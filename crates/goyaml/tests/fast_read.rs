//! The event-driven read of `from_yaml` against the node-tree read, on every YAML file of
//! the repository's charts and goldens: the same value or the same error.

mod common;

use std::path::Path;

#[test]
fn fast_read_agrees_with_node_tree_read_on_repository_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for d in ["charts", "testdata"] {
        common::yaml_files(&root.join(d), &[], &mut files);
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    let mut compared = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        // Every document of a multi-document file, as templates and values see them;
        // the golden case files (`.cases`) hold YAML inputs between their own lines, so
        // each of their sections is read too (both reads must agree on any text).
        let sections: Vec<&str> = if f.extension().is_some_and(|x| x == "cases") {
            // Sections, and the raw strings (between backquotes) templates read.
            let raw = text.split('`').skip(1).step_by(2);
            text.split("\n=== ")
                .flat_map(|c| c.split("\n--- "))
                .chain(raw)
                .collect()
        } else {
            text.split("\n---").collect()
        };
        for doc in sections {
            let fast = goyaml::from_yaml(doc);
            let full = goyaml::from_yaml_full(doc);
            match (&fast, &full) {
                (Ok(a), Ok(b)) => assert!(a.deep_eq(b), "{}: {a:?} vs {b:?}", f.display()),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
                _ => panic!("{}: {fast:?} vs {full:?}\n{doc}", f.display()),
            }
            compared += 1;
        }
    }
    assert!(compared > 1000, "compared only {compared} documents");
}
