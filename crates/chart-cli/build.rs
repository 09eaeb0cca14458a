//! Hands `hot-symbols.txt` (written by `scripts/gen-hot-symbols.sh`) to the linker, so
//! the functions `chart template` runs are laid out next to each other in the binary:
//! fewer code pages are touched, which lowers peak RSS and start-up page faults. Only
//! for Linux x86_64, where Rust links with its own LLD; a name the binary no longer has
//! is skipped by the linker without a warning.

fn main() {
    println!("cargo:rerun-if-changed=hot-symbols.txt");
    println!("cargo:rerun-if-env-changed=CHART_NO_SYMBOL_ORDER");
    let linux_x86_64 = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if !linux_x86_64 || std::env::var_os("CHART_NO_SYMBOL_ORDER").is_some() {
        return;
    }
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let file = std::path::Path::new(&dir).join("hot-symbols.txt");
    if file.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            file.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
