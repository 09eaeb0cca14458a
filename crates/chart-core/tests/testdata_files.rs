//! Every file under `testdata/` (goldens recorded from helm, and the inputs they were
//! recorded from) is listed in `testdata/FILES` (written by `scripts/gen-testdata-list.sh`).
//! Deleting a golden turns this test red even where a harness could not tell a missing
//! case from one never recorded; a new file must be listed on purpose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = entry.path();
        let ty = entry
            .file_type()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if ty.is_dir() {
            walk(&path, root, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.insert(rel.to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_testdata_file_is_listed_and_present() {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let list_path = root.join("testdata/FILES");
    let listed: BTreeSet<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_else(|e| panic!("{}: {e}", list_path.display()))
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut found = BTreeSet::new();
    walk(&root.join("testdata"), &root, &mut found);
    found.remove("testdata/FILES");
    let missing: Vec<_> = listed.difference(&found).collect();
    let unlisted: Vec<_> = found.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "{} testdata files are gone (a deleted golden?), e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(
        unlisted.is_empty(),
        "{} testdata files are not in testdata/FILES (run scripts/gen-testdata-list.sh), e.g. {:?}",
        unlisted.len(),
        &unlisted[..unlisted.len().min(10)]
    );
    // The list itself cannot shrink unnoticed either: it holds every golden recorded so far.
    assert!(listed.len() > 2000, "only {} files listed", listed.len());
}
