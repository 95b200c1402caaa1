/* SPDX-License-Identifier: GPL-2.0 */
/* web/index.html, embedded at build time (Makefile: build/webpage.c). */
#ifndef ZDEVMON_WEBPAGE_H
#define ZDEVMON_WEBPAGE_H

extern const char webpage_html[];

#endif
