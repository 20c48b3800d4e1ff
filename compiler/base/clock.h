/*
 * clock: milliseconds for the runtime's timing and waiting (apply's
 * elapsed times and live view, action polling, HTTP backoff and pacing,
 * deploy timeouts).
 */
#ifndef INFRAC_CLOCK_H
#define INFRAC_CLOCK_H

#include <stdint.h>

/* A monotonic clock: for elapsed times and deadlines, never dates. */
int64_t clock_mono_ms(void);
/* Sleeps ms milliseconds (nothing when ms <= 0), through signals. */
void clock_sleep_ms(int64_t ms);

#endif
