//! Shared harnesses for the workspace's end-to-end tests, reused by every
//! service: running a reference client (Python) against a simulator, and
//! comparing what a client sent with captured wire fixtures.

pub mod python;
pub mod secrets;
pub mod wire;

/// The value of form or query field `name` in decoded `pairs` (as the
/// simulators' journal entries give them), if present.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn workspace_root() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}
