/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reports on a guest: the JSON document (schema in docs/report-schema.md)
 * and the human summary. The caller picks the stream; nothing else prints.
 */
#pragma once

#include <stdio.h>

#include "inspect/guest.h"
#include "report/json.h"

#define REPORT_SCHEMA_VERSION 1

void report_json(FILE *f, const struct guest *g);
/* The guest object's members, for documents that embed it (convert). */
void report_json_guest(struct json *j, const struct guest *g);
void report_text(FILE *f, const struct guest *g);
