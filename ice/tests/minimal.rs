//! `examples/minimal.rs` runs and prints the user it fetched by hand.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_minimal_example_fetches_user_1() {
    // `cargo test` builds the examples into `examples/` next to the binaries; a filtered run
    // (`cargo test --test minimal`) does not, so build it then.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ice-server"));
    let example = bin.parent().unwrap().join("examples").join("minimal");
    if !example.exists() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "ice", "--example", "minimal"])
            .status()
            .expect("run cargo");
        assert!(built.success(), "cargo build --example minimal");
    }
    let output = Command::new(&example).output().expect("run examples/minimal");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "getUser(1) -> 1 Ada Lovelace <ada@example.com>\n"
    );
}
