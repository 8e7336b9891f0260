//! Values are bincode 2 (serde) with the standard config (varint integers).

use serde::{de::DeserializeOwned, Serialize};

use super::StoreError;

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Encoding our own plain data types into a Vec cannot fail.
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .expect("bincode encoding of a domain value")
}

pub fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T, StoreError> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Corrupt(format!("undecodable value in tree {tree}: {e}")))
}
