//! The one place where errors become exit codes (docs/cli.md).

use crate::api::ApiError;

pub const USAGE: i32 = 2;

pub fn code(e: &ApiError) -> i32 {
    match e {
        ApiError::Internal(_) => 1,
        ApiError::BadInput(_) => 2,
        ApiError::NotFound(_) => 3,
        ApiError::NotAllowed(_) => 4,
        ApiError::IllegalState(_) => 5,
        ApiError::Busy(_) => 75,
    }
}
