// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of the "system-rust" heap: only what Rust cannot reach in
 * 6.12 without patching rust/. The heap's logic (allocation policy, page
 * ownership, the table, the buffer's state and every op's behaviour) is
 * in system_rust_heap.rs; this file holds
 *   - the dma_buf_ops and dma_heap_ops tables, each op forwarding to Rust,
 *   - dma_buf_export() and dma_heap_add(), which Rust has no bindings for,
 *   - one-line wrappers for static inlines and macros (sg_set_page,
 *     page_to_pfn, PAGE_KERNEL, the dma_*_sgtable calls, the GFP flags).
 *
 * It is included at the end of system_heap.c, like the KUnit suite, so
 * that the Rust heap allocates with the C heap's own orders[] and
 * order_flags[] rather than a copy of them.
 *
 * This heap exists to evaluate an equivalent Rust implementation beside
 * the C one; an upstream Rust heap would need safe rust/kernel
 * abstractions for dma-buf, dma-heap, scatterlists and higher-order
 * pages, which 6.12 does not have.
 */
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/sched/signal.h>

#include "system_heap_rust.h"

static struct dma_heap *sys_rust_heap;

unsigned int srh_num_orders(void)
{
	return NUM_ORDERS;
}

unsigned int srh_order(unsigned int index)
{
	return index < NUM_ORDERS ? orders[index] : UINT_MAX;
}

struct page *srh_alloc_chunk(unsigned int index)
{
	if (index >= NUM_ORDERS)
		return NULL;
	return alloc_pages(order_flags[index], orders[index]);
}

void srh_free_chunk(struct page *page, unsigned int order)
{
	__free_pages(page, order);
}

bool srh_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}

/*
 * While a chunk waits for its table entry it is on a list threaded
 * through page->lru, as in system_heap_allocate(): the link is the
 * chunk's own memory, so the list allocates nothing.
 */
void srh_set_next(struct page *page, struct page *next)
{
	page->lru.next = next ? &next->lru : NULL;
}

struct page *srh_next(struct page *page)
{
	struct list_head *next = page->lru.next;

	return next ? list_entry(next, struct page, lru) : NULL;
}

unsigned int srh_compound_order(struct page *page)
{
	return compound_order(page);
}

int srh_sg_alloc_table(struct sg_table *table, unsigned int nents)
{
	return sg_alloc_table(table, nents, GFP_KERNEL);
}

void srh_sg_free_table(struct sg_table *table)
{
	sg_free_table(table);
}

void srh_sg_set_page(struct scatterlist *sg, struct page *page,
		     unsigned int len, unsigned int offset)
{
	sg_set_page(sg, page, len, offset);
}

/*
 * How many kernel mappings the Rust heap made by each path: a page array
 * through vmap(), or its sg_table through vmap_sg(). Only the KUnit suite
 * reads them, to see that the heap took the path its tree's system heap
 * takes.
 */
static atomic_t srh_vmaps_by_array = ATOMIC_INIT(0);
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
static atomic_t srh_vmaps_by_table = ATOMIC_INIT(0);
#endif

void *srh_vmap(struct page **pages, unsigned int count)
{
	atomic_inc(&srh_vmaps_by_array);
	return vmap(pages, count, VM_MAP, PAGE_KERNEL);
}

#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
/*
 * There is no macro that says whether mm has vmap_sg(), and a weak
 * reference to it would move a fact of the tree to run time (and read
 * NULL silently where it is missing). The series that adds vmap_sg()
 * says so with CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG instead, and a tree
 * without it then fails to build here.
 *
 * vmap_sg() only reads the table; it takes it as non-const, as the
 * system heap passes its own.
 */
void *srh_vmap_table(struct sg_table *table)
{
	atomic_inc(&srh_vmaps_by_table);
	return vmap_sg(table, PAGE_KERNEL);
}
#endif

void srh_vunmap(const void *vaddr)
{
	vunmap(vaddr);
}

int srh_dma_map(struct device *dev, struct sg_table *table, int direction)
{
	return dma_map_sgtable(dev, table, direction, 0);
}

void srh_dma_unmap(struct device *dev, struct sg_table *table, int direction)
{
	dma_unmap_sgtable(dev, table, direction, 0);
}

void srh_dma_sync_for_cpu(struct device *dev, struct sg_table *table,
			  int direction)
{
	dma_sync_sgtable_for_cpu(dev, table, direction);
}

void srh_dma_sync_for_device(struct device *dev, struct sg_table *table,
			     int direction)
{
	dma_sync_sgtable_for_device(dev, table, direction);
}

void srh_invalidate_vmap(void *vaddr, unsigned long len)
{
	invalidate_kernel_vmap_range(vaddr, len);
}

void srh_flush_vmap(void *vaddr, unsigned long len)
{
	flush_kernel_vmap_range(vaddr, len);
}

int srh_remap_page(struct vm_area_struct *vma, unsigned long addr,
		   struct page *page)
{
	return remap_pfn_range(vma, addr, page_to_pfn(page), PAGE_SIZE,
			       vma->vm_page_prot);
}

long srh_err(const void *ptr)
{
	return IS_ERR(ptr) ? PTR_ERR(ptr) : 0;
}

static const struct dma_buf_ops system_rust_heap_buf_ops;

struct dma_buf *srh_export(void *buffer, unsigned long len, u32 fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);

	exp_info.exp_name = "system-rust";
	exp_info.ops = &system_rust_heap_buf_ops;
	exp_info.size = len;
	exp_info.flags = fd_flags;
	exp_info.priv = buffer;
	return dma_buf_export(&exp_info);
}

static int srh_attach(struct dma_buf *dmabuf,
		      struct dma_buf_attachment *attachment)
{
	return rust_heap_attach(dmabuf->priv, attachment->dev,
				&attachment->priv);
}

static void srh_detach(struct dma_buf *dmabuf,
		       struct dma_buf_attachment *attachment)
{
	rust_heap_detach(dmabuf->priv, attachment->priv);
}

static struct sg_table *srh_map_dma_buf(struct dma_buf_attachment *attachment,
					enum dma_data_direction direction)
{
	struct sg_table *table;
	int ret = rust_heap_map(attachment->priv, direction, &table);

	return ret ? ERR_PTR(ret) : table;
}

static void srh_unmap_dma_buf(struct dma_buf_attachment *attachment,
			      struct sg_table *table,
			      enum dma_data_direction direction)
{
	rust_heap_unmap(attachment->priv, direction);
}

static int srh_begin_cpu_access(struct dma_buf *dmabuf,
				enum dma_data_direction direction)
{
	return rust_heap_begin_cpu_access(dmabuf->priv, direction);
}

static int srh_end_cpu_access(struct dma_buf *dmabuf,
			      enum dma_data_direction direction)
{
	return rust_heap_end_cpu_access(dmabuf->priv, direction);
}

static int srh_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	return rust_heap_mmap(dmabuf->priv, vma, vma->vm_start, vma->vm_end,
			      vma->vm_pgoff);
}

static int srh_vmap_op(struct dma_buf *dmabuf, struct iosys_map *map)
{
	void *vaddr;
	int ret = rust_heap_vmap(dmabuf->priv, &vaddr);

	if (!ret)
		iosys_map_set_vaddr(map, vaddr);
	return ret;
}

static void srh_vunmap_op(struct dma_buf *dmabuf, struct iosys_map *map)
{
	rust_heap_vunmap(dmabuf->priv);
	iosys_map_clear(map);
}

static void srh_release(struct dma_buf *dmabuf)
{
	rust_heap_release(dmabuf->priv);
}

static const struct dma_buf_ops system_rust_heap_buf_ops = {
	.attach = srh_attach,
	.detach = srh_detach,
	.map_dma_buf = srh_map_dma_buf,
	.unmap_dma_buf = srh_unmap_dma_buf,
	.begin_cpu_access = srh_begin_cpu_access,
	.end_cpu_access = srh_end_cpu_access,
	.mmap = srh_mmap,
	.vmap = srh_vmap_op,
	.vunmap = srh_vunmap_op,
	.release = srh_release,
};

static struct dma_buf *system_rust_heap_allocate(struct dma_heap *heap,
						 unsigned long len,
						 u32 fd_flags, u64 heap_flags)
{
	struct dma_buf *dmabuf;
	int ret = rust_heap_allocate(len, fd_flags, heap_flags, &dmabuf);

	return ret ? ERR_PTR(ret) : dmabuf;
}

static const struct dma_heap_ops system_rust_heap_ops = {
	.allocate = system_rust_heap_allocate,
};

static int __init system_rust_heap_create(void)
{
	struct dma_heap_export_info exp_info = {
		.name = "system-rust",
		.ops = &system_rust_heap_ops,
	};

	sys_rust_heap = dma_heap_add(&exp_info);
	return PTR_ERR_OR_ZERO(sys_rust_heap);
}
device_initcall(system_rust_heap_create);
