/*
 * cost_svg: `infrac cost --svg`: cumulative cost over the months of the
 * horizon, one line per option, phase boundaries marked, options that do
 * not pass every check dashed.  A standalone SVG 1.1 document with
 * integer coordinates; deterministic, so it can be compared byte by byte.
 */
#ifndef INFRAC_COST_SVG_H
#define INFRAC_COST_SVG_H

#include <stdio.h>

#include "cost.h"
#include "model.h"

/* The cumulative cost of every option over the horizon as an SVG
 * document on out. */
void cost_svg_write(const struct mdl_project *p, const struct cost_table *t, FILE *out);

#endif
