/*
 * graph: the project as a Graphviz DOT graph (`infrac graph`).
 *
 * A cluster for each phase, in it a cluster for each server with the
 * services it runs in that phase (name, image, RAM), the server's type
 * and how much of its RAM the phase uses; an arrow for each `needs` and
 * a dashed one from each domain to the service the proxy forwards it to.
 * Nodes are named PHASE/SERVER/SERVICE and PHASE/domain/NAME.  The same
 * model gives the same bytes: the order is the file's.
 */
#ifndef INFRAC_GRAPH_H
#define INFRAC_GRAPH_H

#include <stdio.h>

#include "model.h"

/* Writes the graph of p to out: every phase, or only `only` (one of p's
 * phases) when it is not NULL. */
void graph_dot(const struct mdl_project *p, const struct mdl_phase *only, FILE *out);

#endif
