/*
 * pic.h - the host's legacy 8259 PICs, which Pagoda masks.
 *
 * Context: boot.
 */
#ifndef PAGODA_PIC_H
#define PAGODA_PIC_H

#define PIC_VECTOR_BASE 0x30 /* where a stray PIC interrupt would land */

void pic_disable(void);

#endif
