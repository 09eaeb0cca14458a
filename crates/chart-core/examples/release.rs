//! Installs, upgrades and rolls back a chart from Rust, then uninstalls it.
//!
//! ```sh
//! KUBECONFIG=path/to/kubeconfig cargo run -p chart-core --example release -- \
//!     testdata/release/charts/demo demo-example
//! ```
//!
//! The kubeconfig comes from `KUBECONFIG` (or `CHART_TEST_KUBECONFIG`), the namespace from
//! `HELM_NAMESPACE` or the context; records are kept as helm keeps them (`HELM_DRIVER`),
//! so `helm list` shows the release while it exists.

use std::error::Error;

use chart_core::action::config::Configuration;
use chart_core::action::deploy::Common;
use chart_core::action::release_install::{install, InstallOptions};
use chart_core::action::rollback::{rollback, RollbackOptions};
use chart_core::action::uninstall::{Uninstall, UninstallOptions};
use chart_core::action::upgrade::{upgrade, UpgradeOptions};
use chart_core::kube::KubeSettings;
use chart_core::values::ValueOptions;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let chart_path = args.next().ok_or("usage: release CHART [NAME]")?;
    let name = args.next().unwrap_or_else(|| "demo-example".into());
    let mut settings = KubeSettings::from_env();
    if settings.kubeconfig.is_none() {
        settings.kubeconfig = std::env::var_os("CHART_TEST_KUBECONFIG").map(Into::into);
    }
    let mut cfg = Configuration::connect(&settings, false).await?;

    let installed = install(
        &cfg,
        chart_core::chart::load(&chart_path)?,
        ValueOptions::default().merge_values()?,
        &InstallOptions {
            name: name.clone(),
            ..InstallOptions::default()
        },
    )
    .await?;
    println!("installed {name} revision {}", installed.release.version);

    let user = ValueOptions {
        values: vec!["greeting=hi from rust".into()],
        ..ValueOptions::default()
    }
    .merge_values()?;
    let upgraded = upgrade(
        &mut cfg,
        &name,
        chart_core::chart::load(&chart_path)?,
        user,
        &UpgradeOptions {
            max_history: 10,
            ..UpgradeOptions::default()
        },
    )
    .await?;
    println!("upgraded {name} to revision {}", upgraded.release.version);

    let rolled = rollback(
        &mut cfg,
        &name,
        &RollbackOptions {
            version: 1,
            ..RollbackOptions::default()
        },
    )
    .await?;
    println!(
        "rolled {name} back to revision 1 as revision {} ({})",
        rolled.version,
        rolled
            .info
            .as_ref()
            .map(|i| i.description.as_str())
            .unwrap_or("")
    );

    for r in cfg.storage.history(&name).await? {
        println!("  revision {}: {}", r.version, r.status().as_str());
    }

    Uninstall {
        options: UninstallOptions {
            common: Common::default(),
            ..UninstallOptions::default()
        },
    }
    .run(&cfg, &name)
    .await?;
    println!("uninstalled {name}");
    Ok(())
}
