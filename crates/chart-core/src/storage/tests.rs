//! Storage semantics over the memory driver (Helm's storage_test.go behaviours).

use super::driver::Memory;
use super::*;
use crate::release::{Release, Status};

fn rel(name: &str, version: i64, status: Status) -> Release {
    let mut r = Release {
        name: name.into(),
        version,
        namespace: "default".into(),
        ..Release::default()
    };
    r.set_status(status, "");
    r
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn keys() {
    assert_eq!(make_key("web", 3), "sh.helm.release.v1.web.v3");
}

#[test]
fn driver_names() {
    assert_eq!(DriverKind::parse("").expect("ok"), DriverKind::Secret);
    assert_eq!(
        DriverKind::parse("secrets").expect("ok"),
        DriverKind::Secret
    );
    assert_eq!(
        DriverKind::parse("configmaps").expect("ok"),
        DriverKind::ConfigMap
    );
    assert_eq!(DriverKind::parse("memory").expect("ok"), DriverKind::Memory);
    assert_eq!(DriverKind::parse("sql").expect("ok"), DriverKind::Sql);
    assert_eq!(
        DriverKind::parse("Secret")
            .expect_err("unknown")
            .to_string(),
        "unknown driver \"Secret\""
    );
}

#[test]
fn history_last_deployed() {
    block_on(async {
        let s = Storage::new(Box::new(Memory::new()));
        assert!(s.history("web").await.expect_err("none").is_not_found());
        assert_eq!(
            s.deployed("web").await.expect_err("none").to_string(),
            "\"web\" has no deployed releases"
        );
        s.create(&rel("web", 1, Status::Superseded))
            .await
            .expect("create");
        s.create(&rel("web", 2, Status::Deployed))
            .await
            .expect("create");
        s.create(&rel("web", 3, Status::Failed))
            .await
            .expect("create");
        s.create(&rel("other", 1, Status::Deployed))
            .await
            .expect("create");
        assert!(matches!(
            s.create(&rel("web", 3, Status::Failed)).await,
            Err(StorageError::Exists)
        ));
        assert_eq!(s.history("web").await.expect("history").len(), 3);
        assert_eq!(s.last("web").await.expect("last").version, 3);
        assert_eq!(s.deployed("web").await.expect("deployed").version, 2);
        assert_eq!(s.list_deployed().await.expect("list").len(), 2);
        let mut r = rel("web", 3, Status::Uninstalled);
        r.info.get_or_insert_with(Default::default).description = "x".into();
        s.update(&r).await.expect("update");
        assert_eq!(s.list_uninstalled().await.expect("list").len(), 1);
        assert_eq!(
            s.get("web", 3).await.expect("get").status(),
            Status::Uninstalled
        );
        assert_eq!(s.delete("web", 3).await.expect("delete").version, 3);
        assert!(s.get("web", 3).await.expect_err("gone").is_not_found());
        assert!(matches!(
            s.driver().get("bogus").await,
            Err(StorageError::InvalidKey)
        ));
    });
}

#[test]
fn history_max_keeps_last_deployed() {
    block_on(async {
        let mut s = Storage::new(Box::new(Memory::new()));
        // Revision 1 deployed, 2..=4 failed: pruning to 2 records keeps 1 and 4.
        s.create(&rel("web", 1, Status::Deployed))
            .await
            .expect("create");
        for v in 2..=4 {
            s.create(&rel("web", v, Status::Failed))
                .await
                .expect("create");
        }
        s.max_history = 3;
        s.create(&rel("web", 5, Status::Failed))
            .await
            .expect("create");
        let mut h: Vec<i64> = s
            .history("web")
            .await
            .expect("history")
            .iter()
            .map(|r| r.version)
            .collect();
        h.sort();
        assert_eq!(h, vec![1, 4, 5]);
        // Without a deployed revision the oldest go.
        let mut s = Storage::new(Box::new(Memory::new()));
        for v in 1..=4 {
            s.create(&rel("api", v, Status::Superseded))
                .await
                .expect("create");
        }
        s.max_history = 2;
        s.create(&rel("api", 5, Status::Deployed))
            .await
            .expect("create");
        let mut h: Vec<i64> = s
            .history("api")
            .await
            .expect("history")
            .iter()
            .map(|r| r.version)
            .collect();
        h.sort();
        assert_eq!(h, vec![4, 5]);
    });
}

#[test]
fn too_large_for_secret_or_configmap() {
    // Pseudo-random text gzip cannot shrink below the limit.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let manifest: String = (0..1_200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect();
    let mut r = rel("huge", 3, Status::PendingUpgrade);
    r.manifest = manifest;
    let err = driver::Secrets::object(&r.key(), &r, Default::default()).expect_err("too large");
    let msg = err.to_string();
    assert!(
        msg.starts_with("release \"huge\" revision 3 is too large for the Secret storage driver: the encoded record is "),
        "{msg}"
    );
    assert!(
        msg.ends_with("bytes and a Secret holds at most 1048576 bytes; use the sql driver (HELM_DRIVER=sql) for releases this large"),
        "{msg}"
    );
    assert!(matches!(
        driver::ConfigMaps::object(&r.key(), &r, Default::default()),
        Err(StorageError::TooLarge {
            driver: "ConfigMap",
            ..
        })
    ));
    r.manifest.truncate(1000);
    assert!(driver::Secrets::object(&r.key(), &r, Default::default()).is_ok());
}
