//! `examples/minimal.rs` runs and makes its one call (`cargo test` builds the examples).

use std::process::Command;

#[test]
fn the_minimal_example_calls_get_user() {
    // target/debug/deps/minimal-… → target/debug/examples/minimal
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().unwrap().parent().unwrap().join("examples/minimal");
    let output = Command::new(&example).output().expect("run examples/minimal");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "type 2: methods [\"create_user\",\"get_user\",\"list_users\"]\n\
         type 5: {\"email\":\"ada@example.com\",\"id\":1,\"name\":\"Ada Lovelace\"}\n"
    );
}
