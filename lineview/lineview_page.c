/*
 * lineview_page: lineview/page.html inside the program, so the factory
 * floor needs nothing but the binary. The assembler's .incbin copies the
 * file at build time (the Makefile makes this object depend on it) and a
 * NUL ends it, so it is one C string.
 */
#include "lineview/lineview.h"

__asm__(
    "    .section .rodata\n"
    "    .global lineview_page_html\n"
    "    .type lineview_page_html, @object\n"
    "    .balign 16\n"
    "lineview_page_html:\n"
    "    .incbin \"lineview/page.html\"\n"
    "    .byte 0\n"
    "    .size lineview_page_html, . - lineview_page_html\n"
    "    .previous\n");
