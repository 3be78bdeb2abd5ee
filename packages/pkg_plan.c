/*
 * pkg_plan: what a unit needs, from its model and the revision it reports.
 *
 * Without a target for the model (station file `targets`), a delta package
 * applies to exactly one source revision: the first package (in station file
 * order) whose `from` matches is the plan, and its `to` is the target. A unit
 * that matches no `from` but some package's `to` is already updated (SKIP).
 *
 * With a target, the packages of the model are the edges of a graph
 * (from -> to, downgrades included) and the plan is the shortest chain from
 * the unit's revision to the target, found breadth-first. Packages enter the
 * queue in station file order, so among chains of equal length the one that
 * comes first in the file wins, every time. Each package is visited at most
 * once, so loops in the graph (A->B, B->A) end the search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "packages/pkg.h"

static const cfg_target *
pkg_find_target(const pkg_catalog *cat, const char *model)
{
	for (size_t i = 0; i < cat->ntargets; i++) {
		if (strcasecmp(cat->targets[i].model, model) == 0)
			return &cat->targets[i];
	}
	return NULL;
}

static void
pkg_plan_set(pkg_plan *plan, pkg_plan_kind kind, const char *target)
{
	size_t n = strnlen(target, sizeof plan->target - 1);

	plan->kind = kind;
	memcpy(plan->target, target, n);
	plan->target[n] = '\0';
}

/* The station file's one-package rule (no target for the model). */
static pkg_plan_kind
pkg_select_direct(const pkg_catalog *cat, const char *model,
                  const char *revision, pkg_plan *plan)
{
	for (size_t i = 0; i < cat->n; i++) {
		const pkg *p = &cat->items[i];

		if (strcasecmp(p->model, model) == 0 &&
		    pkg_revision_match(p->from, revision)) {
			plan->hops[0] = p;
			plan->nhops = 1;
			pkg_plan_set(plan, PKG_PLAN_UPDATE, p->to);
			return plan->kind;
		}
	}
	for (size_t i = 0; i < cat->n; i++) {
		const pkg *p = &cat->items[i];

		if (strcasecmp(p->model, model) == 0 &&
		    pkg_revision_match(p->to, revision)) {
			pkg_plan_set(plan, PKG_PLAN_SKIP, p->to);
			return plan->kind;
		}
	}
	return plan->kind;
}

/* One package in the breadth-first search: the package that led to it (-1
 * for a first hop) and its hop count. */
typedef struct pkg_node {
	long   prev;
	size_t depth;
	bool   seen;
} pkg_node;

/* Breadth-first over packages; the queue holds package indexes. Bounded by
 * the catalog size and by PKG_MAX_HOPS. The work arrays are on the heap:
 * workers run on thread stacks and the catalog size is the user's. */
static pkg_plan_kind
pkg_select_chain(const pkg_catalog *cat, const char *model,
                 const char *revision, const cfg_target *t, pkg_plan *plan)
{
	size_t n = cat->n, head = 0, tail = 0;
	size_t *queue = calloc(n + 1, sizeof *queue);
	pkg_node *node = calloc(n + 1, sizeof *node);

	if (queue == NULL || node == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const pkg *p = &cat->items[i];

		if (strcasecmp(p->model, model) == 0 &&
		    pkg_revision_match(p->from, revision)) {
			node[i] = (pkg_node){ .prev = -1, .depth = 1, .seen = true };
			queue[tail++] = i;
		}
	}

	while (head < tail) {
		size_t cur = queue[head++];
		const pkg *c = &cat->items[cur];

		if (pkg_revision_match(t->revision, c->to)) {
			size_t k = node[cur].depth;

			plan->nhops = k;
			for (long j = (long)cur; j >= 0; j = node[j].prev)
				plan->hops[--k] = &cat->items[j];
			plan->kind = PKG_PLAN_UPDATE;
			break;
		}
		if (node[cur].depth >= PKG_MAX_HOPS)
			continue;
		for (size_t i = 0; i < n; i++) {
			const pkg *p = &cat->items[i];

			if (node[i].seen || strcasecmp(p->model, model) != 0 ||
			    !pkg_revision_match(p->from, c->to))
				continue;
			node[i] = (pkg_node){ .prev = (long)cur,
			    .depth = node[cur].depth + 1, .seen = true };
			queue[tail++] = i;
		}
	}
out:
	free(queue);
	free(node);
	return plan->kind;
}

pkg_plan_kind
pkg_select(const pkg_catalog *cat, const char *model, const char *revision,
           pkg_plan *plan)
{
	const cfg_target *t;

	memset(plan, 0, sizeof *plan);
	plan->kind = PKG_PLAN_NONE;
	if (model == NULL || revision == NULL || model[0] == '\0' ||
	    revision[0] == '\0')
		return plan->kind;

	t = pkg_find_target(cat, model);
	if (t == NULL)
		return pkg_select_direct(cat, model, revision, plan);

	pkg_plan_set(plan, PKG_PLAN_NONE, t->revision);
	if (pkg_revision_match(t->revision, revision)) {
		plan->kind = PKG_PLAN_SKIP;
		return plan->kind;
	}
	return pkg_select_chain(cat, model, revision, t, plan);
}

/* Joins one string per hop with " > ", truncating safely. */
static void
pkg_plan_join(const pkg_plan *plan, bool names, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < plan->nhops && used < len; i++) {
		const char *s = names ? plan->hops[i]->name : plan->hops[i]->sha256;
		int w = snprintf(buf + used, len - used, "%s%s",
		    i > 0 ? " > " : "", s);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void
pkg_plan_names(const pkg_plan *plan, char *buf, size_t len)
{
	pkg_plan_join(plan, true, buf, len);
}

void
pkg_plan_sha256s(const pkg_plan *plan, char *buf, size_t len)
{
	pkg_plan_join(plan, false, buf, len);
}
