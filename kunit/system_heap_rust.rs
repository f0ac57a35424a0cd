// SPDX-License-Identifier: GPL-2.0

//! rust-heap built into the kernel as it is: the same source files,
//! placed beside this one by the workspace's runner.
//!
//! - The conversion core, exported with the C signatures the KUnit suite
//!   calls (`rust_sgvmap_before`, `rust_sgvmap_v1`, `rust_sgvmap_bounded`,
//!   `rust_sgvmap_floor`, `rust_sgvmap_layout`).
//! - The "system-rust" dma-buf heap (`system_rust_heap.rs`): the shared
//!   allocation policy (`alloc.rs`) over the page allocator, the table, the
//!   buffer and the dma-buf ops, called from `system_heap_rust_shim.c`.
//!
//! The page size is the kernel's (`kernel::page::PAGE_SHIFT`, read by
//! `layout.rs`), errno values are the kernel's (`errno.rs`), and the
//! policy's orders are the C heap's `orders[]` (read through the shim).
//!
//! The layout of `struct scatterlist` follows the configuration:
//! `dma-length` is set by the Makefile when `CONFIG_NEED_SG_DMA_LENGTH=y`,
//! and a KUnit case checks every size and offset against C.

#[path = "rust_heap/layout.rs"]
pub mod layout;

#[path = "rust_heap/sg.rs"]
pub mod sg;

#[path = "rust_heap/convert.rs"]
pub mod convert;

#[path = "rust_heap/errno.rs"]
pub mod errno;

#[path = "rust_heap/ffi.rs"]
pub mod ffi;

#[path = "rust_heap/alloc.rs"]
pub mod alloc;

#[path = "system_rust_heap.rs"]
pub mod system_rust_heap;
