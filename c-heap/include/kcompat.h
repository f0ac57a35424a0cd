/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel names the model uses, for a userspace build. Kept apart
 * so that the model's own code reads (and checks) like kernel code.
 */
#ifndef KCOMPAT_H
#define KCOMPAT_H

#include <stdint.h>

#define u64 uint64_t
#define u32 uint32_t

#define BIT(nr)		(1UL << (nr))
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#define noinline	__attribute__((__noinline__))

#endif /* KCOMPAT_H */
