/*
 * bus: a multi-producer, single-consumer queue of events with one
 * dispatcher thread.
 *
 * Producers (slot workers) append to a linked list under a mutex and signal;
 * they never wait for a consumer, so a slow sink can only make the queue
 * longer, never an update slower. The dispatcher swaps the whole list out
 * under the lock and runs the sinks on it without holding the lock. Stop is
 * the one way the thread ends: after bus_stop() the dispatcher drains what
 * is queued and returns.
 */
#include <stdlib.h>
#include <string.h>

#include "station/bus.h"

typedef struct bus_node {
	bus_event        ev;
	struct bus_node *next;
} bus_node;

struct bus {
	pthread_mutex_t lock;
	pthread_cond_t  ready;
	bus_node       *head;
	bus_node       *tail;
	bool            stopping;
	bool            started;
	pthread_t       thread;
	bus_sink       *sinks;
	int             nsinks;
};

static const char *const bus_kind_names[BUS_KIND_COUNT] = {
	[BUS_STATE] = "state", [BUS_UNIT_START] = "unit_start",
	[BUS_UNIT_END] = "unit_end", [BUS_TX] = "tx", [BUS_RX] = "rx",
	[BUS_PORT] = "port", [BUS_NOTE] = "note", [BUS_ALERT] = "alert",
};

const char *
bus_kind_name(bus_kind k)
{
	return (k >= 0 && k < BUS_KIND_COUNT) ? bus_kind_names[k] : "?";
}

bus *
bus_new(void)
{
	bus *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->ready, NULL);
	return b;
}

void
bus_event_clear(bus_event *ev)
{
	free(ev->text);
	free(ev->unit);
	ev->text = NULL;
	ev->unit = NULL;
}

void
bus_post(bus *b, const bus_event *ev)
{
	bus_node *n = malloc(sizeof *n);

	if (n == NULL) {
		/* Out of memory: the event is lost, its memory must not be. */
		bus_event tmp = *ev;
		bus_event_clear(&tmp);
		return;
	}
	n->ev = *ev;
	n->next = NULL;
	if (n->ev.ts_ms == 0)
		n->ev.ts_ms = unit_now_ms();
	pthread_mutex_lock(&b->lock);
	if (b->tail != NULL)
		b->tail->next = n;
	else
		b->head = n;
	b->tail = n;
	pthread_cond_signal(&b->ready);
	pthread_mutex_unlock(&b->lock);
}

static void
bus_dispatch_list(bus *b, bus_node *n)
{
	while (n != NULL) {
		bus_node *next = n->next;

		for (int i = 0; i < b->nsinks; i++)
			b->sinks[i].on_event(b->sinks[i].ctx, &n->ev);
		bus_event_clear(&n->ev);
		free(n);
		n = next;
	}
}

static void *
bus_thread(void *arg)
{
	bus *b = arg;

	for (;;) {
		bus_node *list;
		bool      done;

		pthread_mutex_lock(&b->lock);
		while (b->head == NULL && !b->stopping)
			pthread_cond_wait(&b->ready, &b->lock);
		list = b->head;
		b->head = b->tail = NULL;
		done = b->stopping;
		pthread_mutex_unlock(&b->lock);
		bus_dispatch_list(b, list);
		if (done && list == NULL)
			return NULL;
	}
}

int
bus_start(bus *b, const bus_sink *sinks, int nsinks)
{
	b->sinks = calloc((size_t)(nsinks > 0 ? nsinks : 1), sizeof *sinks);
	if (b->sinks == NULL)
		return -1;
	if (nsinks > 0)
		memcpy(b->sinks, sinks, (size_t)nsinks * sizeof *sinks);
	b->nsinks = nsinks;
	if (pthread_create(&b->thread, NULL, bus_thread, b) != 0)
		return -1;
	b->started = true;
	return 0;
}

void
bus_stop(bus *b)
{
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_signal(&b->ready);
	pthread_mutex_unlock(&b->lock);
	if (b->started) {
		pthread_join(b->thread, NULL);
		b->started = false;
	}
}

void
bus_free(bus *b)
{
	if (b == NULL)
		return;
	bus_stop(b);
	/* Events posted after the stop (none should be) are freed unseen. */
	bus_node *n = b->head;
	while (n != NULL) {
		bus_node *next = n->next;
		bus_event_clear(&n->ev);
		free(n);
		n = next;
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->ready);
	free(b->sinks);
	free(b);
}
