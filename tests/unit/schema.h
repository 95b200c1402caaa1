/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our objects against docs/schema/v1, with the few JSON Schema keywords
 * those files use: type, required, properties, additionalProperties,
 * items, $ref (a pointer into the file), enum, const, minimum, maximum. Include
 * after <cmocka.h>. The schemas are read from the tree: the tests run from its
 * top (make unit-test).
 */
#ifndef ZDEV_TEST_SCHEMA_H
#define ZDEV_TEST_SCHEMA_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <json-c/json_pointer.h>

#define SCHEMA_DIR "docs/schema/v1/"

/*
 * A test of schemas skips (saying why) where the tree is not: call it
 * first, before anything a skip would leak is allocated.
 */
static inline void schema_here(void)
{
	if (access(SCHEMA_DIR, R_OK)) {
		printf("skip: no %s here (run from the tree's top)\n",
		       SCHEMA_DIR);
		skip();
	}
}

static inline json_object *schema_load(const char *name)
{
	char path[128];
	json_object *s;

	snprintf(path, sizeof(path), SCHEMA_DIR "%s.json", name);
	s = json_object_from_file(path);
	if (!s)
		fail_msg("%s: %s", path, json_util_get_last_err());
	return s;
}

static inline bool schema_type_is(const char *type, json_object *v)
{
	enum json_type t = json_object_get_type(v);

	if (!strcmp(type, "object"))
		return t == json_type_object;
	if (!strcmp(type, "array"))
		return t == json_type_array;
	if (!strcmp(type, "string"))
		return t == json_type_string;
	if (!strcmp(type, "integer"))
		return t == json_type_int;
	if (!strcmp(type, "number"))
		return t == json_type_int || t == json_type_double;
	if (!strcmp(type, "boolean"))
		return t == json_type_boolean;
	if (!strcmp(type, "null"))
		return t == json_type_null;
	return false;
}

/* Two JSON values equal, for enum and const: strings and numbers. */
static inline bool schema_same(json_object *a, json_object *b)
{
	if (json_object_get_type(a) != json_object_get_type(b))
		return false;
	if (json_object_is_type(a, json_type_string))
		return !strcmp(json_object_get_string(a),
			       json_object_get_string(b));
	return json_object_equal(a, b);
}

static inline double schema_number(json_object *v)
{
	return json_object_is_type(v, json_type_int)
		       ? (double)json_object_get_int64(v)
		       : json_object_get_double(v);
}

/* Check v against schema s (root: for $ref); path names v in failures. */
static inline void schema_check(json_object *root, json_object *s,
				json_object *v, const char *path)
{
	json_object *k, *props, *req, *extra;
	char sub[256];
	size_t i, n;
	bool ok;

	if (json_object_object_get_ex(s, "$ref", &k)) {
		const char *ref = json_object_get_string(k);
		json_object *def = NULL;

		/* a JSON pointer into this file: "#/$defs/pgmap/..." */
		if (ref[0] != '#' || json_pointer_get(root, ref + 1, &def))
			fail_msg("%s: unknown $ref %s", path, ref);
		s = def;
	}
	if (json_object_object_get_ex(s, "type", &k)) {
		if (json_object_is_type(k, json_type_array)) {
			ok = false;
			n = json_object_array_length(k);
			for (i = 0; i < n; i++)
				ok |= schema_type_is(
					json_object_get_string(
						json_object_array_get_idx(k,
									  i)),
					v);
		} else {
			ok = schema_type_is(json_object_get_string(k), v);
		}
		if (!ok)
			fail_msg("%s: %s is not of type %s", path,
				 json_object_to_json_string(v),
				 json_object_to_json_string(k));
	}
	if (json_object_object_get_ex(s, "const", &k) && !schema_same(k, v))
		fail_msg("%s: %s is not %s", path,
			 json_object_to_json_string(v),
			 json_object_to_json_string(k));
	if (json_object_object_get_ex(s, "enum", &k)) {
		ok = false;
		n = json_object_array_length(k);
		for (i = 0; i < n; i++)
			ok |= schema_same(json_object_array_get_idx(k, i), v);
		if (!ok)
			fail_msg("%s: %s is not one of %s", path,
				 json_object_to_json_string(v),
				 json_object_to_json_string(k));
	}
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		if (json_object_object_get_ex(s, "minimum", &k) &&
		    schema_number(v) < schema_number(k))
			fail_msg("%s: %s below its minimum", path,
				 json_object_to_json_string(v));
		if (json_object_object_get_ex(s, "maximum", &k) &&
		    schema_number(v) > schema_number(k))
			fail_msg("%s: %s above its maximum", path,
				 json_object_to_json_string(v));
	}
	if (json_object_is_type(v, json_type_array) &&
	    json_object_object_get_ex(s, "items", &k)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			schema_check(root, k, json_object_array_get_idx(v, i),
				     sub);
		}
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	if (json_object_object_get_ex(s, "required", &req)) {
		n = json_object_array_length(req);
		for (i = 0; i < n; i++) {
			const char *key = json_object_get_string(
				json_object_array_get_idx(req, i));

			if (!json_object_object_get_ex(v, key, NULL))
				fail_msg("%s: required \"%s\" missing", path,
					 key);
		}
	}
	if (!json_object_object_get_ex(s, "properties", &props))
		props = NULL;
	if (!json_object_object_get_ex(s, "additionalProperties", &extra))
		extra = NULL;
	json_object_object_foreach(v, key, val)
	{
		json_object *ps = NULL;

		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		if (props && json_object_object_get_ex(props, key, &ps))
			schema_check(root, ps, val, sub);
		else if (extra && json_object_is_type(extra, json_type_object))
			schema_check(root, extra, val, sub);
	}
}

/* An object of ours against the named schema file. */
static inline void schema_validate(const char *name, json_object *o)
{
	json_object *s = schema_load(name);

	schema_check(s, s, o, name);
	json_object_put(s);
}

#endif
