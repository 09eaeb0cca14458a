#!/usr/bin/env bash
# Writes testdata/FILES: every file under testdata/, one path a line, sorted. The test
# crates/chart-core/tests/testdata_files.rs fails when a listed file is gone (a golden
# deleted by mistake) or a file is not listed (run this after recording new goldens).
set -euo pipefail
cd "$(dirname "$0")/.."
find testdata -type f ! -path testdata/FILES | LC_ALL=C sort > testdata/FILES
