/** Units and limits shared by every layer. Names carry their unit (see README, "Names"). */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE_BYTES = 1 << PAGE_SHIFT; // 4 KiB, Xen's xen_pagesize on x86
export const KIB = 1024;
export const MIB = 1024 * 1024;
export const GIB = 1024 * 1024 * 1024;

/** Highest ordinary domid: DOMID_FIRST_RESERVED (0x7FF0) - 1 (xen/include/public/xen.h). */
export const DOMID_MAX = 0x7fef;
export const DOMID_DOM0 = 0;

export function kibToPages(memoryKib: number): number {
  return Math.ceil((memoryKib * KIB) / PAGE_SIZE_BYTES);
}
export function pagesToKib(pageCount: number): number {
  return (pageCount * PAGE_SIZE_BYTES) / KIB;
}
export function mibToKib(memoryMib: number): number {
  return memoryMib * 1024;
}
