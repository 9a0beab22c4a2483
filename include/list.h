/*
 * list.h - a small intrusive doubly linked list, Linux's list_head.
 *
 * A struct embeds a `struct list_head` and is found back from it with
 * list_entry() (container_of). The head of a list is a list_head of its
 * own; an empty list points to itself. list_del() leaves the removed node
 * pointing to itself too, so list_empty(node) tells whether a node is on
 * a list at all. Used by the frame allocator (free list, later the
 * active/inactive LRU lists) and kalloc (partial slabs).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_LIST_H
#define PAGODA_LIST_H

#include "types.h"

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_insert(struct list_head *n, struct list_head *prev,
			       struct list_head *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* list_add: insert n right after head (a stack push). */
static inline void list_add(struct list_head *n, struct list_head *head)
{
	list_insert(n, head, head->next);
}

/* list_add_tail: insert n right before head (a queue append). */
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	list_insert(n, head->prev, head);
}

/* list_del: unlink n and leave it self-linked (Linux's list_del_init). */
static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define list_for_each_entry(pos, head, member)                                 \
	for ((pos) = list_entry((head)->next, __typeof__(*(pos)), member);     \
	     &(pos)->member != (head);                                          \
	     (pos) = list_entry((pos)->member.next, __typeof__(*(pos)), member))

#endif
