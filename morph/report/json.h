/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A streaming JSON writer. Every string is escaped: quotes, backslashes and
 * control characters, and bytes that are not valid UTF-8 become U+FFFD, so
 * hostile guest strings always yield valid JSON.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool pretty;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
/* key is NULL inside arrays and at the top level. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
/* A NULL or empty value is written as null. */
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Finish the document (newline). */
void json_end(struct json *j);
/* Write s as a JSON string literal (with quotes) to f. */
void json_write_string(FILE *f, const char *s);
