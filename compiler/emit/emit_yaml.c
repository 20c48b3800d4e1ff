#include "emit_yaml.h"

#include <string.h>

static int emit_yaml_write(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, (const char *)buffer, size);
	return 1;
}

static void emit_yaml_event(struct emit_yaml *y, yaml_event_t *ev, int ok)
{
	if (!ok || y->failed || !yaml_emitter_emit(&y->em, ev))
		y->failed = true;
}

void emit_yaml_begin(struct emit_yaml *y, struct strbuf *out)
{
	yaml_event_t ev;
	memset(y, 0, sizeof(*y));
	y->out = out;
	yaml_emitter_initialize(&y->em);
	yaml_emitter_set_output(&y->em, emit_yaml_write, out);
	yaml_emitter_set_unicode(&y->em, 1);
	yaml_emitter_set_indent(&y->em, 2);
	/* never fold long lines: commands and images stay on one line */
	yaml_emitter_set_width(&y->em, -1);
	yaml_emitter_set_break(&y->em, YAML_LN_BREAK);
	emit_yaml_event(y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit_yaml_event(y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
}

bool emit_yaml_end(struct emit_yaml *y)
{
	yaml_event_t ev;
	emit_yaml_event(y, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit_yaml_event(y, &ev, yaml_stream_end_event_initialize(&ev));
	if (!y->failed && !yaml_emitter_flush(&y->em))
		y->failed = true;
	yaml_emitter_delete(&y->em);
	return !y->failed;
}

/* Opens a mapping or a sequence; its end event is the matching close. */
static void emit_yaml_open(struct emit_yaml *y, bool map, bool flow)
{
	yaml_event_t ev;
	int ok = map ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							   flow ? YAML_FLOW_MAPPING_STYLE
								: YAML_BLOCK_MAPPING_STYLE)
		     : yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							    flow ? YAML_FLOW_SEQUENCE_STYLE
								 : YAML_BLOCK_SEQUENCE_STYLE);
	emit_yaml_event(y, &ev, ok);
}

static void emit_yaml_close(struct emit_yaml *y, bool map)
{
	yaml_event_t ev;
	emit_yaml_event(y, &ev, map ? yaml_mapping_end_event_initialize(&ev)
				    : yaml_sequence_end_event_initialize(&ev));
}

void emit_yaml_map(struct emit_yaml *y) { emit_yaml_open(y, true, false); }
void emit_yaml_map_flow(struct emit_yaml *y) { emit_yaml_open(y, true, true); }
void emit_yaml_map_end(struct emit_yaml *y) { emit_yaml_close(y, true); }
void emit_yaml_seq(struct emit_yaml *y) { emit_yaml_open(y, false, false); }
void emit_yaml_seq_flow(struct emit_yaml *y) { emit_yaml_open(y, false, true); }
void emit_yaml_seq_end(struct emit_yaml *y) { emit_yaml_close(y, false); }

static void emit_yaml_scalar(struct emit_yaml *y, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	int plain = style == YAML_PLAIN_SCALAR_STYLE;
	emit_yaml_event(y, &ev,
			yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s,
						     (int)strlen(s), plain, !plain, style));
}

bool emit_yaml_plain_safe(const char *s)
{
	/* YAML 1.1 booleans and nulls; numbers cannot start with a letter */
	static const char *const words[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", NULL,
	};
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
	    strlen(s))
		return false;
	for (size_t i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return false;
	return true;
}

void emit_yaml_key(struct emit_yaml *y, const char *key)
{
	emit_yaml_scalar(y, key, emit_yaml_plain_safe(key) ? YAML_PLAIN_SCALAR_STYLE
							   : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void emit_yaml_str(struct emit_yaml *y, const char *s)
{
	emit_yaml_scalar(y, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void emit_yaml_text(struct emit_yaml *y, const char *s)
{
	/* libyaml falls back to a quoted scalar when a literal block cannot
	 * hold the text exactly (trailing spaces, control characters) */
	emit_yaml_scalar(y, s, YAML_LITERAL_SCALAR_STYLE);
}

void emit_yaml_plain(struct emit_yaml *y, const char *s)
{
	emit_yaml_scalar(y, s, YAML_PLAIN_SCALAR_STYLE);
}

void emit_yaml_kv(struct emit_yaml *y, const char *key, const char *value)
{
	emit_yaml_key(y, key);
	emit_yaml_str(y, value);
}

void emit_yaml_word(struct emit_yaml *y, const char *key, const char *value)
{
	emit_yaml_key(y, key);
	emit_yaml_key(y, value);
}
