/*
 * kalloc.c - Pagoda's heap: size-class slabs and whole-frame blocks.
 *
 * A slab is one frame cut into objects of one class. It has no header:
 * its frame_meta says everything (tag = which class, priv = the first
 * free object, count = objects in use, link = the class's partial list),
 * so a 2048-byte class still fits two objects per frame and kfree() finds
 * the class from the pointer alone. Free objects are linked through their
 * first word and carry a poison in the second, which makes a double free
 * cheap to suspect; the free list is then walked to be sure. A class keeps
 * at most one empty slab; further empty slabs go back to the frame
 * allocator. Requests above 2048 bytes take contiguous frames; the first
 * frame's metadata records how many.
 *
 * Context: pure, host-testable. No locking: one CPU, interrupts off.
 */
#define pr_fmt(fmt) "kalloc: " fmt
#include "errcode.h"
#include "frame.h"
#include "kalloc.h"
#include "lib.h"
#include "log.h"
#include "shell.h"

#define NR_CLASSES 8 /* 16 << 0 .. 16 << 7 = 2048 */
#define KMEM_POISON 0x6b6b6b6b6b6b6b6bULL /* Linux's POISON_FREE bytes */
#define KMALLOC_MAX_FRAMES (1U << 20) /* 4 GiB: far beyond any sane request */

static_assert(KMALLOC_MIN << (NR_CLASSES - 1) == KMALLOC_MAX_SMALL, "size classes");

/* frame_meta.tag of FRAME_PAGODA frames: what kalloc made of them. */
enum kmem_tag {
	KMEM_TAG_NONE = 0, /* not kalloc's (a plain frame_alloc) */
	KMEM_TAG_SLAB = 1, /* 1 + class index */
	KMEM_TAG_LARGE = 16, /* first frame of a block; priv = frames */
	KMEM_TAG_LARGE_TAIL = 17, /* the other frames of a block */
};

/* A free object, linked through its first word. */
struct kmem_free {
	uint64_t next; /* address of the next free object, 0 at the end */
	uint64_t poison; /* KMEM_POISON while free */
};

struct kmem_class {
	unsigned int size;
	struct list_head partial; /* slabs with a free object */
	uint64_t slabs, objects; /* slabs held, objects in use */
};

#define CLASS(i) { KMALLOC_MIN << (i), LIST_HEAD_INIT(classes[i].partial), 0, 0 }
static struct kmem_class classes[NR_CLASSES] = {
	CLASS(0), CLASS(1), CLASS(2), CLASS(3), CLASS(4), CLASS(5), CLASS(6), CLASS(7),
};
static uint64_t large_blocks, large_frames;

void kalloc_init(void)
{
	for (unsigned int i = 0; i < NR_CLASSES; i++) {
		list_init(&classes[i].partial);
		classes[i].slabs = classes[i].objects = 0;
	}
	large_blocks = large_frames = 0;
}

static unsigned int class_of(size_t size)
{
	unsigned int i = 0;

	while ((size_t)classes[i].size < size)
		i++;
	return i;
}

/* slab_new: a fresh slab for class ci on its partial list. Returns 0 or
 * -ENOMEM. */
static int slab_new(unsigned int ci)
{
	struct kmem_class *c = &classes[ci];
	struct frame_meta *m;
	hpa_t page;
	uint64_t off;

	if (frame_alloc(FRAME_PAGODA, &page))
		return -ENOMEM;
	m = frame_meta_hpa(page);
	for (off = 0; off < PAGE_SIZE; off += c->size) {
		struct kmem_free *o = hpa_to_ptr(hpa(page.v + off));

		o->next = off + c->size < PAGE_SIZE ? page.v + off + c->size : 0;
		o->poison = KMEM_POISON;
	}
	m->tag = KMEM_TAG_SLAB + ci;
	m->priv = page.v;
	m->count = 0;
	list_add(&m->link, &c->partial);
	c->slabs++;
	return 0;
}

static void *slab_alloc(struct kmem_class *c)
{
	struct frame_meta *m = list_first_entry(&c->partial, struct frame_meta, link);
	struct kmem_free *o = hpa_to_ptr(hpa(m->priv));

	m->priv = o->next;
	o->poison = 0;
	m->count++;
	if (!m->priv)
		list_del(&m->link); /* full: off the partial list */
	c->objects++;
	return o;
}

/* large_alloc: whole frames for size bytes, or NULL. */
static void *large_alloc(size_t size)
{
	uint64_t nr = ((uint64_t)size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct frame_meta *m;
	hpa_t a;

	if ((uint64_t)size > (uint64_t)KMALLOC_MAX_FRAMES << PAGE_SHIFT) {
		pr_err("kmalloc(%lu): too large\n", (uint64_t)size);
		return NULL;
	}
	if (frame_alloc_contig(FRAME_PAGODA, (unsigned int)nr, 1, &a))
		return NULL;
	for (uint64_t i = 0; i < nr; i++)
		frame_meta_hpa(hpa(a.v + (i << PAGE_SHIFT)))->tag = KMEM_TAG_LARGE_TAIL;
	m = frame_meta_hpa(a);
	m->tag = KMEM_TAG_LARGE;
	m->priv = nr;
	large_blocks++;
	large_frames += nr;
	return hpa_to_ptr(a);
}

void *kmalloc(size_t size)
{
	unsigned int ci;

	if (!size)
		return NULL;
	if (size > KMALLOC_MAX_SMALL)
		return large_alloc(size);
	ci = class_of(size);
	if (list_empty(&classes[ci].partial) && slab_new(ci)) {
		pr_warn_ratelimited("out of memory for %lu bytes\n", (uint64_t)size);
		return NULL;
	}
	return slab_alloc(&classes[ci]);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* on_free_list: is the object at addr already free in slab m? */
static bool on_free_list(const struct frame_meta *m, uint64_t addr)
{
	for (uint64_t o = m->priv; o; o = ((struct kmem_free *)hpa_to_ptr(hpa(o)))->next)
		if (o == addr)
			return true;
	return false;
}

/* slab_release: an empty slab goes back to the frames unless it is the
 * class's only partial slab (kept so alloc/free pairs do not thrash). */
static void slab_release(struct kmem_class *c, struct frame_meta *m, uint64_t page)
{
	if (c->partial.next == &m->link && c->partial.prev == &m->link)
		return;
	list_del(&m->link);
	c->slabs--;
	frame_free(hpa(page));
}

static void slab_free(struct frame_meta *m, void *p)
{
	struct kmem_class *c = &classes[m->tag - KMEM_TAG_SLAB];
	uint64_t addr = ptr_to_hpa(p).v, page = ALIGN_DOWN(addr, PAGE_SIZE);
	struct kmem_free *o = p;

	CHECK((addr - page) % c->size == 0); /* not an object's start */
	CHECK(o->poison != KMEM_POISON || !on_free_list(m, addr)); /* double free */
	if (!m->priv)
		list_add(&m->link, &c->partial); /* was full */
	o->next = m->priv;
	o->poison = KMEM_POISON;
	m->priv = addr;
	m->count--;
	c->objects--;
	if (!m->count)
		slab_release(c, m, page);
}

static void large_free(struct frame_meta *m, void *p)
{
	uint64_t nr = m->priv;

	CHECK(IS_ALIGNED(ptr_to_hpa(p).v, PAGE_SIZE));
	large_blocks--;
	large_frames -= nr;
	frame_free_contig(ptr_to_hpa(p), (unsigned int)nr);
}

void kfree(void *p)
{
	struct frame_meta *m;

	if (!p)
		return;
	m = frame_meta_hpa(ptr_to_hpa(p));
	/* A pointer kmalloc never returned, or memory already given back. */
	CHECK(m && m->owner == FRAME_PAGODA);
	if (m->tag >= KMEM_TAG_SLAB && m->tag < KMEM_TAG_SLAB + NR_CLASSES)
		slab_free(m, p);
	else if (m->tag == KMEM_TAG_LARGE)
		large_free(m, p);
	else
		CHECK(!"kfree: not a kmalloc pointer");
}

void kalloc_stats_print(void)
{
	printk("class    slabs    objects\n");
	for (unsigned int i = 0; i < NR_CLASSES; i++)
		printk("%5u %8lu %10lu\n", classes[i].size, classes[i].slabs, classes[i].objects);
	printk("large: %lu blocks, %lu frames\n", large_blocks, large_frames);
}

static int cmd_kmem(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	kalloc_stats_print();
	return 0;
}
SHELL_COMMAND(kmem, "kmem", "heap: slabs and objects per size class", cmd_kmem);
