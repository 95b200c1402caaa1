/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording as the session's source (source.h): each read returns what
 * the recorded one gave, checked to be the read the recording holds next.
 * The driver (cmd/replay.c) takes the recorded steps; inside them the
 * session's reads come here. Damage, or a read the recording does not
 * hold there, ends the replay: every read after it gives nothing.
 */
#ifndef ZDEVMON_RECORD_REPLAY_H
#define ZDEVMON_RECORD_REPLAY_H

#include <stdbool.h>
#include "head.h"
#include "reader.h"
#include "source.h"

struct replay;

extern const struct source_ops replay_ops;

/* NULL with one sentence in err. */
struct replay *replay_open(const char *path, char *err, size_t errlen);
void replay_close(struct replay *r);
const struct zrec_head *replay_head(const struct replay *r);
/* Where ring records go (the session's handler). */
void replay_set_handler(struct replay *r, int (*fn)(void *, void *, size_t),
			void *ctx);
/*
 * The next step (a ZREC_STEP_* frame, or an EVENT outside any step): 1;
 * 0 at the recording's end; -1 when it ended in damage (replay_error()).
 */
int replay_next_step(struct replay *r, struct zrec_frame *f);
/* Why the replay stopped early, or NULL. */
const char *replay_error(const struct replay *r);
/* Frames taken so far. */
uint64_t replay_frames(const struct replay *r);

#endif /* ZDEVMON_RECORD_REPLAY_H */
