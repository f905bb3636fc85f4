//! Test plumbing for the crates' own tests; nothing an example needs at run time.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built `examples/<name>.rs` of the calling crate, for a test to run it.
///
/// Call it as `example_binary(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"), "minimal")`.
/// Several crates have an example of the same name, and cargo copies only one of them to
/// `target/debug/examples/<name>`; the hashed copies beside it are each crate's own, and
/// their dep-info files (`<name>-<hash>.d`) say which source each was built from. A filtered
/// run (`cargo test --test minimal`) builds no examples, so then it builds this one.
pub fn example_binary(manifest_dir: &str, package: &str, name: &str) -> PathBuf {
    let crate_dir = Path::new(manifest_dir);
    let source = crate_dir.join("examples").join(format!("{name}.rs"));
    // A test runs from target/<profile>/deps/; the examples are in target/<profile>/examples/.
    let test = std::env::current_exe().expect("the test's own path");
    let examples = test.parent().and_then(Path::parent).expect("target/<profile>").join("examples");
    // Cargo writes the source into the dep-info relative to the workspace root.
    let relative = match crate_dir.file_name() {
        Some(dir) => format!(" {}/examples/{name}.rs", dir.to_string_lossy()),
        None => source.display().to_string(),
    };
    if let Some(found) = find(&examples, &source, &relative, name) {
        return found;
    }
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "-p", package, "--example", name])
        .status()
        .expect("run cargo");
    assert!(built.success(), "cargo build -p {package} --example {name} failed");
    find(&examples, &source, &relative, name)
        .unwrap_or_else(|| panic!("no build of {}", source.display()))
}

/// The newest `<name>-<hash>` in `examples` whose dep-info names `source` (absolute) or
/// `relative` (from the workspace root).
fn find(examples: &Path, source: &Path, relative: &str, name: &str) -> Option<PathBuf> {
    let prefix = format!("{name}-");
    let source = source.to_string_lossy();
    std::fs::read_dir(examples)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
            file.starts_with(&prefix) && file.ends_with(".d")
        })
        .filter(|dep_info| {
            // First line: "<output>: <source> ...".
            std::fs::read_to_string(dep_info).is_ok_and(|text| {
                text.lines().next().is_some_and(|line| {
                    line.contains(source.as_ref())
                        || line.ends_with(relative)
                        || line.contains(&format!("{relative} "))
                })
            })
        })
        .map(|dep_info| dep_info.with_extension(""))
        .filter(|binary| binary.is_file())
        .max_by_key(|binary| binary.metadata().and_then(|m| m.modified()).ok())
}
