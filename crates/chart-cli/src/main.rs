//! The `chart` binary.
fn main() {
    println!("chart: not yet");
}
