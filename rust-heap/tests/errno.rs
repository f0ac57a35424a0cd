//! rust-heap's errno values (`rust_heap::errno`): one convention,
//! negative, and the numbers Linux has, checked against the host's C
//! library (this is a Linux host: its errno numbers are the kernel's).

use std::io;

use rust_heap::errno::{E2BIG, EINTR, EINVAL, ENODATA, ENOMEM};
use rust_heap::ConvertError;

const ALL: [(&str, i32); 5] = [
    ("EINTR", EINTR),
    ("E2BIG", E2BIG),
    ("ENOMEM", ENOMEM),
    ("EINVAL", EINVAL),
    ("ENODATA", ENODATA),
];

#[test]
fn every_value_is_negative() {
    for (name, value) in ALL {
        assert!(value < 0, "{name} is {value}: rust_heap::errno is negative");
    }
}

#[test]
fn the_numbers_are_the_c_library_s() {
    let kind = |errno: i32| io::Error::from_raw_os_error(-errno).kind();
    assert_eq!(kind(EINTR), io::ErrorKind::Interrupted);
    assert_eq!(kind(E2BIG), io::ErrorKind::ArgumentListTooLong);
    assert_eq!(kind(ENOMEM), io::ErrorKind::OutOfMemory);
    assert_eq!(kind(EINVAL), io::ErrorKind::InvalidInput);
    // std has no kind for ENODATA: compare strerror()'s text.
    let text = io::Error::from_raw_os_error(-ENODATA).to_string();
    assert!(text.starts_with("No data available"), "{text}");
}

#[test]
fn errors_map_to_these_values_as_they_are() {
    use rust_heap::alloc::AllocError;
    assert_eq!(AllocError::Invalid.errno(), EINVAL);
    assert_eq!(AllocError::NoMemory.errno(), ENOMEM);
    assert_eq!(AllocError::Interrupted.errno(), EINTR);
    let more = ConvertError::MorePagesThanBuffer {
        entry: 0,
        npages: 1,
    };
    let fewer = ConvertError::FewerPagesThanBuffer {
        pages: 0,
        npages: 1,
    };
    assert_eq!(more.errno(), E2BIG);
    assert_eq!(fewer.errno(), ENODATA);
}
