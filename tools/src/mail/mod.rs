//! Mail as the kernel's lists carry it: mbox files, threads, subjects,
//! trailers, patches as mails, addresses and dates.

pub mod address;
pub mod date;
pub mod mbox;
pub mod message_id;
pub mod patch;
pub mod patch_id;
pub mod subject;
pub mod thread;
pub mod trailers;
