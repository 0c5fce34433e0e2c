//! e2e helpers shared by the tests of `tenantry-tests`.

/// The value of form or query field `name` in decoded `pairs` (as the
/// simulators' journal entries give them), if present.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
