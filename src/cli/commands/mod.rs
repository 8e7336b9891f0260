//! One file per noun: each holds its clap arguments and its function.

pub mod archive;
pub mod backup;
pub mod bench;
pub mod calendar;
pub mod campaign;
pub mod case;
pub mod check;
pub mod demo;
pub mod gen;
pub mod import;
pub mod inbox;
pub mod init;
pub mod itsm;
pub mod notify;
pub mod org;
pub mod product;
pub mod report;
pub mod request;
pub mod resource;
pub mod serve;
pub mod sweep;
