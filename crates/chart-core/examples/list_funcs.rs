//! Prints the name of every function in Helm's template function table, one per line
//! (used by scripts/gen-function-docs.py).
fn main() {
    for name in chart_core::engine::funcs::helm_funcs().names() {
        println!("{name}");
    }
}
