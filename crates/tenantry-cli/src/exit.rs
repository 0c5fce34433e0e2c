//! Exit statuses: 0 ok, 2 usage, 3 authentication, 4 not found, 5 conflict
//! or quota refused, 6 network or timeout, 1 anything else.

use crate::context::CliError;
use tenantry::core::{AuthErrorKind, Error};

/// Success.
pub const OK: u8 = 0;
/// Anything not below.
pub const OTHER: u8 = 1;
/// A bad flag or argument, a missing or bad configuration value.
pub const USAGE: u8 = 2;
/// Credentials refused (401, 403) or the login failed.
pub const AUTH: u8 = 3;
/// Not found (404), or some of the ids asked for did not resolve.
pub const NOT_FOUND: u8 = 4;
/// A conflict (409) or a quota refused (413).
pub const CONFLICT: u8 = 5;
/// The network failed or the command timed out.
pub const NETWORK: u8 = 6;

/// The exit statuses, for `--help`.
pub const EXIT_HELP: &str = "
Exit status:
  0  success (a --dry-run included)
  1  anything else (an unexpected answer, a server error)
  2  usage: a bad flag or argument, a missing or bad configuration value
  3  authentication: credentials refused (401, 403) or the login failed
  4  not found (404), or some of the ids asked for did not resolve
  5  conflict (409) or quota refused (413)
  6  network failure or timeout (--timeout included)
";

/// The exit status of a failed command.
pub fn code(e: &CliError) -> u8 {
    match e {
        CliError::MissingEnv(_) | CliError::Invalid(_) => USAGE,
        CliError::Core(e) => core_code(e),
        CliError::Missing(_) => NOT_FOUND,
        CliError::Timeout(_) => NETWORK,
        CliError::Failed(_) | CliError::Io(_) => OTHER,
    }
}

/// The status a status code of an answer means.
fn status_code(status: u16) -> u8 {
    match status {
        401 | 403 => AUTH,
        404 => NOT_FOUND,
        409 | 413 => CONFLICT,
        _ => OTHER,
    }
}

/// The exit status of a core error.
pub fn core_code(e: &Error) -> u8 {
    match e {
        Error::Transport(_) => NETWORK,
        Error::Auth(a) => match a.kind {
            // The auth server could not be reached at all.
            AuthErrorKind::Unavailable if a.status.is_none() => NETWORK,
            AuthErrorKind::EndpointNotFound => NOT_FOUND,
            _ => AUTH,
        },
        Error::InvalidInput { .. } | Error::Config(_) => USAGE,
        Error::Api(a) => status_code(a.status),
        _ => OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry::core::AuthError;

    fn api(status: u16) -> Error {
        Error::Api(Box::new(
            tenantry::core::ApiError::from_answer_with_excerpt(
                "op",
                status,
                &Default::default(),
                b"{}",
                None,
                String::new(),
                |t| t.to_owned(),
            ),
        ))
    }

    #[test]
    fn statuses_map_to_codes() {
        for (status, want) in [
            (401, AUTH),
            (403, AUTH),
            (404, NOT_FOUND),
            (409, CONFLICT),
            (413, CONFLICT),
            (500, OTHER),
            (400, OTHER),
        ] {
            assert_eq!(code(&CliError::Core(api(status))), want, "{status}");
        }
        assert_eq!(
            code(&CliError::Core(Error::invalid_input("id", "empty"))),
            USAGE
        );
        let auth = |kind| CliError::Core(Error::Auth(AuthError::new(kind, "no")));
        assert_eq!(code(&auth(AuthErrorKind::InvalidCredentials)), AUTH);
        assert_eq!(code(&auth(AuthErrorKind::Unavailable)), NETWORK);
        assert_eq!(code(&CliError::Missing("x".into())), NOT_FOUND);
        assert_eq!(code(&CliError::Timeout(1.0)), NETWORK);
        assert_eq!(code(&CliError::Invalid("x".into())), USAGE);
        assert_eq!(code(&CliError::Failed("x".into())), OTHER);
        assert_eq!(code(&CliError::Core(api(404))), NOT_FOUND);
        assert_eq!(code(&CliError::Core(api(401))), AUTH);
        assert_eq!(code(&CliError::Core(Error::invalid_input("f", "r"))), USAGE);
    }
}
