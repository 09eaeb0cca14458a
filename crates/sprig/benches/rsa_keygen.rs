//! RSA key generation benchmarks, through the template functions that use it.
//!
//! - `rsa_keygen/genCA`: `genCA`, one fresh 2048-bit RSA key plus a self-signed
//!   certificate (the signature costs about a millisecond; key generation is the rest).
//! - `rsa_keygen/genPrivateKey-rsa`: `genPrivateKey "rsa"`, one 4096-bit key.
//! - `rsa_keygen/rsa-crate-2048`: the `rsa` crate's own `RsaPrivateKey::new` (what the
//!   functions used before), as a reference measured under the same machine load.
//!
//! Key generation time is random (it depends on how far the prime search goes), so the
//! groups use flat sampling, and the number to compare is the median in
//! `target/criterion/rsa_keygen/<name>/new/estimates.json`, not the mean.
//! Run: `cargo bench -p gotmpl --bench rsa_keygen -- --noplot`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use gotmpl::{FuncMap, Map, Template, Value};

fn template(text: &str) -> Template {
    let mut funcs = FuncMap::new();
    sprig::register(&mut funcs);
    let mut t = Template::new(funcs);
    t.parse("t", text).expect("template parses");
    t
}

fn bench_keygen(c: &mut Criterion) {
    let data = Value::map(Map::new());
    let mut g = c.benchmark_group("rsa_keygen");
    g.sampling_mode(SamplingMode::Flat);

    let ca = template(r#"{{ (genCA "bench-ca" 365).Key }}"#);
    let out = ca.execute("t", &data).expect("genCA renders");
    assert!(
        out.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{out}"
    );
    g.sample_size(60)
        .measurement_time(Duration::from_secs(20))
        .bench_function("genCA", |b| {
            b.iter(|| black_box(ca.execute("t", black_box(&data)).expect("renders").len()))
        });

    let pk = template(r#"{{ genPrivateKey "rsa" }}"#);
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .bench_function("genPrivateKey-rsa", |b| {
            b.iter(|| black_box(pk.execute("t", black_box(&data)).expect("renders").len()))
        });

    g.sample_size(30)
        .measurement_time(Duration::from_secs(20))
        .bench_function("rsa-crate-2048", |b| {
            b.iter(|| {
                black_box(rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key"))
            })
        });
    g.finish();
}

criterion_group!(benches, bench_keygen);
criterion_main!(benches);
