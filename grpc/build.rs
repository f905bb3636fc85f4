//! Generates the Rust types, client and server for `proto/users.proto` at build time, with
//! nothing installed: `protox` parses the .proto in pure Rust (no `protoc`), and
//! `tonic-prost-build` turns the parsed descriptors into code. The encoded descriptors are
//! written next to the code, for the reflection service.

use std::{env, fs, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/users.proto";
    println!("cargo:rerun-if-changed={proto}");

    let mut compiler = protox::Compiler::new(["proto"])?;
    compiler.include_source_info(true).open_file(proto)?;

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("users_descriptor.bin"), compiler.encode_file_descriptor_set())?;

    tonic_prost_build::configure().compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
