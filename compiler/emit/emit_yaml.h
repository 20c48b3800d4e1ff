/*
 * emit_yaml: YAML output through libyaml's emitter, for docker-compose.yml
 * and cloud-init.yaml.
 *
 * Every string value is double-quoted, so YAML 1.1 readers (PyYAML in
 * docker-compose v1, cloud-init) never read "no", "on" or "8069:8069" as a
 * boolean or a number; keys are plain only when no reader could take them
 * for anything but a string.  Numbers are written plain on purpose.
 */
#ifndef INFRAC_EMIT_YAML_H
#define INFRAC_EMIT_YAML_H

#include <stdbool.h>
#include <yaml.h>

#include "emit.h"

struct emit_yaml {
	yaml_emitter_t em;
	struct strbuf *out;
	bool failed;
};

/* A YAML document written into out (the caller's; y only appends). */
void emit_yaml_begin(struct emit_yaml *y, struct strbuf *out);
/* Ends the document; false if libyaml refused an event (a bug). */
bool emit_yaml_end(struct emit_yaml *y);

/* Mappings and sequences, opened and closed in the order of the text. */
void emit_yaml_map(struct emit_yaml *y);
void emit_yaml_map_flow(struct emit_yaml *y); /* {} when left empty */
void emit_yaml_map_end(struct emit_yaml *y);
void emit_yaml_seq(struct emit_yaml *y);
void emit_yaml_seq_flow(struct emit_yaml *y); /* [a, b] */
void emit_yaml_seq_end(struct emit_yaml *y);

/* A mapping key; a scalar always quoted, so no reader can type it. */
void emit_yaml_key(struct emit_yaml *y, const char *key);
void emit_yaml_str(struct emit_yaml *y, const char *s);
/* A multi-line text as a literal block (|), the way a person writes it. */
void emit_yaml_text(struct emit_yaml *y, const char *s);
/* A number or other scalar the caller knows to be plain-safe. */
void emit_yaml_plain(struct emit_yaml *y, const char *s);

/* key: "value" */
void emit_yaml_kv(struct emit_yaml *y, const char *key, const char *value);

/* key: value, plain where emit_yaml_plain_safe allows: for the tools'
 * own words (unless-stopped, service_healthy), quoted otherwise ("no"). */
void emit_yaml_word(struct emit_yaml *y, const char *key, const char *value);

/* True when s can be a plain key: a name no YAML 1.1 reader takes for a
 * boolean, null or number. */
bool emit_yaml_plain_safe(const char *s);

#endif
