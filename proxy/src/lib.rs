#![forbid(unsafe_code)]
//! PTP fast-event proxy library.
