/*
 * sim_module: one emulated module's ports, identity, input handling and
 * power; see sim_module.h. The AT commands are in sim_at.c, data mode in
 * sim_upload.c, the update in sim_fota.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_at.h"
#include "sim/sim_module.h"

/* Bytes that real line noise and half-powered UARTs produce: NUL, bytes
 * that are never valid UTF-8, a lone continuation byte, DEL, ESC. */
static const uint8_t noise_bytes[] = {
	0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x1b, 0x7f, '~', 0xa0, 0xc0,
};

/* Junk lines a station must pass over: other URCs and garbled text. */
static const char *const noise_lines[] = {
	"+CGEV: ME PDN ACT 1",
	"+QIND: \"csq\",24,99",
	"+QUSIM: 1",
	"+QIND: SMS DONE",
	"\xff\xfe\x81 garbled \xc3",
	"~~~~",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

uint64_t
sim_module_us(const sim_module *m, unsigned base_ms)
{
	return (uint64_t)((double)base_ms * 1000.0 / m->env->speed);
}

void
sim_module_log(const sim_module *m, const char *fmt, ...)
{
	va_list ap;

	if (m->env->log == NULL)
		return;
	fprintf(m->env->log, "%10.3f m%d ",
	    (double)sim_loop_now(m->env->loop) / 1e6, m->index);
	va_start(ap, fmt);
	vfprintf(m->env->log, fmt, ap);
	va_end(ap);
	fputc('\n', m->env->log);
	fflush(m->env->log);
}

/* The log shows bytes as text with C escapes, one event per line. */
static void
log_bytes(const sim_module *m, const char *what, const void *data, size_t len)
{
	char buf[512];
	const uint8_t *p = data;
	size_t o = 0;

	if (m->env->log == NULL)
		return;
	for (size_t i = 0; i < len && o + 5 < sizeof buf; i++) {
		if (p[i] == '\r')
			o += (size_t)snprintf(buf + o, sizeof buf - o, "\\r");
		else if (p[i] == '\n')
			o += (size_t)snprintf(buf + o, sizeof buf - o, "\\n");
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x",
			    p[i]);
		else
			buf[o++] = (char)p[i];
	}
	buf[o] = '\0';
	sim_module_log(m, "%s %s%s", what, buf, o + 5 >= sizeof buf ? "..." : "");
}

/* ---- identity --------------------------------------------------------- */

static char
luhn_digit(const char *digits)
{
	size_t n = strlen(digits);
	int sum = 0;

	/* Doubling starts at the rightmost payload digit. */
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

static void
random_digits(sim_rng *r, char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)('0' + sim_rng_range(r, 0, 9));
	dst[n] = '\0';
}

static void
make_imei(sim_module *m, char out[16])
{
	memcpy(out, m->model->tac, 8);
	random_digits(&m->ident, out + 8, 6);
	out[14] = luhn_digit(out);
	out[15] = '\0';
}

static void
make_iccid(sim_module *m, char out[24])
{
	memcpy(out, "8986", 4);
	random_digits(&m->ident, out + 4, 15);
	out[19] = luhn_digit(out);
	out[20] = '\0';
}

static int
factory_urcport(const sim_module *m)
{
	return m->spec.urc_usbat == SIM_ON ? SIM_URCPORT_USBAT : SIM_URCPORT_UART;
}

/* Fault swap: the unit that comes back is another one of the same model. */
static void
become_other_unit(sim_module *m)
{
	make_imei(m, m->imei);
	make_iccid(m, m->iccid);
	snprintf(m->rev, sizeof m->rev, "%s", m->model->rev_swap);
	sim_files_free(&m->files);
	sim_files_init(&m->files, m->spec.space);
	free(m->com_pkg);
	m->com_pkg = NULL;
	m->has_com_pkg = false;
	m->urcport = factory_urcport(m);
	sim_module_log(m, "swap: now imei %s rev %s", m->imei, m->rev);
}

/* ---- output ----------------------------------------------------------- */

static void
add_noise(sim_module *m, sim_port *port)
{
	if (sim_rng_one_in(&m->noise, 3)) {
		uint8_t junk[6];
		size_t n = sim_rng_range(&m->noise, 1, sizeof junk);

		for (size_t i = 0; i < n; i++)
			junk[i] = noise_bytes[sim_rng_range(&m->noise, 0,
			    NELEM(noise_bytes) - 1)];
		log_bytes(m, "noise>", junk, n);
		sim_out_write(&port->out, junk, n);
	}
	if (sim_rng_one_in(&m->noise, 5)) {
		const char *l = noise_lines[sim_rng_range(&m->noise, 0,
		    NELEM(noise_lines) - 1)];
		char buf[80];
		int n = snprintf(buf, sizeof buf, "\r\n%s\r\n", l);

		log_bytes(m, "noise>", buf, (size_t)n);
		sim_out_write(&port->out, buf, (size_t)n);
	}
}

static void
port_send(sim_module *m, sim_port *port, const void *data, size_t len,
    bool noisy)
{
	if (m->hung || !port->up)
		return;
	if (noisy && m->spec.fault.noise)
		add_noise(m, port);
	log_bytes(m, port == &m->at ? "at>" : "uart>", data, len);
	sim_out_write(&port->out, data, len);
}

void
sim_module_send(sim_module *m, const char *data, size_t len)
{
	port_send(m, &m->at, data, len, true);
}

void
sim_module_send_raw(sim_module *m, const void *data, size_t len)
{
	port_send(m, &m->at, data, len, false);
}

/* Where a URC goes: the UART-only module has one port; otherwise the USB
 * AT port once AT+QURCCFG="urcport","usbat" is set, else the main UART
 * (urc_link) when it is wired, else nowhere the station can see. */
static sim_port *
urc_port(sim_module *m, bool dfota)
{
	if (!m->model->usb)
		return &m->at;
	if (!dfota && m->urcport == SIM_URCPORT_USBAT)
		return &m->at;
	return m->uart.link[0] != '\0' ? &m->uart : NULL;
}

void
sim_module_urc(sim_module *m, const char *const *lines, size_t n, bool dfota)
{
	sim_port *port = urc_port(m, dfota);
	char buf[1024];
	size_t o = 0;

	for (size_t i = 0; i < n && o < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "\r\n%s\r\n",
		    lines[i]);
	if (o > sizeof buf)
		o = sizeof buf;
	if (port == NULL) {
		log_bytes(m, "urc-unseen>", buf, o);
		return;
	}
	port_send(m, port, buf, o, true);
}

/* ---- input ------------------------------------------------------------ */

static void
line_done(sim_module *m)
{
	bool too_long = m->line_long;

	m->line[m->line_len] = '\0';
	log_bytes(m, "at<", m->line, m->line_len);
	if (m->echo) {
		sim_module_send_raw(m, m->line, m->line_len);
		sim_module_send_raw(m, "\r", 1);
	}
	m->line_len = 0;
	m->line_long = false;
	if (too_long)
		sim_at_error(m);
	else
		sim_at_execute(m, m->line);
}

static void
line_byte(sim_module *m, uint8_t c)
{
	if (c == '\r' || c == '\n') {
		bool skip = c == '\n' && m->line_cr;

		m->line_cr = c == '\r';
		if (!skip && (m->line_len > 0 || m->line_long))
			line_done(m);
		return;
	}
	m->line_cr = false;
	if (m->line_len + 1 >= sizeof m->line)
		m->line_long = true;
	else
		m->line[m->line_len++] = (char)c;
}

static void
feed(sim_module *m, const uint8_t *p, size_t n)
{
	while (n > 0 && !m->hung && !m->deaf) {
		size_t k = 1;

		if (sim_upload_active(&m->up))
			k = sim_upload_feed(m, p, n);
		else
			line_byte(m, *p);
		p += k;
		n -= k;
	}
}

static void
port_on_input(void *arg, short revents)
{
	sim_port *port = arg;
	sim_module *m = port->owner;
	uint8_t buf[4096];
	ssize_t n = read(port->pty.master, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Cannot happen while the module holds its own slave; stop
		 * watching rather than spin if it does. */
		sim_module_log(m, "%s: read failed (revents %#x), input off",
		    port->name, (unsigned)revents);
		sim_watch_stop(m->env->loop, &port->in);
		return;
	}
	if (port == &m->at)
		feed(m, buf, (size_t)n);
	else
		log_bytes(m, "uart< (ignored)", buf, (size_t)n);
}

/* ---- ports and power -------------------------------------------------- */

static int
port_open(sim_module *m, sim_port *port, char *err, size_t errlen)
{
	if (sim_pty_open(&port->pty, err, errlen) != 0)
		return -1;
	if (sim_link_point(port->link, port->pty.path, err, errlen) != 0) {
		sim_pty_close(&port->pty);
		return -1;
	}
	sim_watch_start(m->env->loop, &port->in, port->pty.master, POLLIN);
	sim_out_attach(&port->out, port->pty.master);
	port->up = true;
	sim_module_log(m, "%s: up %s -> %s", port->name, port->link,
	    port->pty.path);
	return 0;
}

static void
port_close(sim_module *m, sim_port *port)
{
	if (!port->up)
		return;
	sim_watch_stop(m->env->loop, &port->in);
	sim_out_drain(&port->out);
	sim_out_detach(&port->out);
	sim_link_remove(port->link);
	sim_pty_close(&port->pty);
	port->up = false;
	sim_module_log(m, "%s: down", port->name);
}

static void
port_init(sim_module *m, sim_port *port, const char *link, const char *name,
    uint64_t seed)
{
	port->owner = m;
	port->link = link;
	port->name = name;
	port->up = false;
	sim_pty_init(&port->pty);
	sim_out_init(&port->out, m->env->loop, m->spec.fault.split, seed);
	sim_watch_init(&port->in, port_on_input, port);
}

static void
reset_volatile(sim_module *m)
{
	m->echo = m->spec.echo != SIM_OFF;
	m->cmee = 1;
	m->line_len = 0;
	m->line_cr = false;
	m->line_long = false;
	m->boot_at = sim_loop_now(m->env->loop);
	/* BG95 AT+QFOTADL=3: "Invalid after powering down"; the default is
	 * the guide's flow, an update right after the download. */
	m->trigger_mode = 1;
}

void
sim_module_power_down(sim_module *m)
{
	sim_upload_cancel(m);
	sim_at_cancel(m);
	m->line_len = 0;
	m->deaf = true;
	m->booting = false;
	sim_timer_stop(m->env->loop, &m->ready);
	sim_timer_stop(m->env->loop, &m->chatter);
	sim_module_log(m, "power down");
	if (m->model->usb)
		port_close(m, &m->at);
}

/* The dialect's lines after RDY, one per timer run. Not in data mode:
 * a module holds its URCs while it takes a file, so the line waits. */
static void
on_chatter(void *arg)
{
	sim_module *m = arg;
	const sim_chatter *c = m->dialect->chatter;
	char buf[64];
	int  n;

	if (c == NULL || c[m->chatter_pos].text == NULL || m->hung)
		return;
	if (m->up.kind != SIM_UPLOAD_NONE) {
		sim_timer_start(m->env->loop, &m->chatter, 20000);
		return;
	}
	n = snprintf(buf, sizeof buf, "\r\n%s\r\n", c[m->chatter_pos].text);
	sim_module_send(m, buf, (size_t)n);
	m->chatter_pos++;
	if (c[m->chatter_pos].text != NULL)
		sim_timer_start(m->env->loop, &m->chatter, sim_module_us(m,
		    c[m->chatter_pos].ms - c[m->chatter_pos - 1].ms));
}

/* The AT interpreter answers from now on, and says so. */
static void
on_ready(void *arg)
{
	sim_module *m = arg;

	if (!m->booting)
		return;
	m->booting = false;
	m->deaf = false;
	reset_volatile(m);
	sim_module_log(m, "ready");
	sim_module_send(m, "\r\nRDY\r\n", 7);
	if (m->uart.up)
		port_send(m, &m->uart, "\r\nRDY\r\n", 7, true);
	m->chatter_pos = 0;
	if (m->spec.chatter && m->dialect->chatter != NULL)
		sim_timer_start(m->env->loop, &m->chatter,
		    sim_module_us(m, m->dialect->chatter[0].ms));
}

/* A normal boot: the port is there (or stays, BC26), but for spec ready
 * ms nothing answers and input is dropped (docs/protocol.md 5). ready=0 is
 * the instant module of unit tests: it answers at once, and says nothing
 * at power-on. */
static void
boot_normal(sim_module *m, bool power_on)
{
	if (m->spec.ready_ms == 0) {
		m->booting = true;
		if (power_on) {
			m->booting = false;
			m->deaf = false;
			return;
		}
		on_ready(m);
		return;
	}
	m->deaf = true;
	m->booting = true;
	sim_module_log(m, "booting, AT in %d ms (at --speed 1)", m->spec.ready_ms);
	sim_timer_start(m->env->loop, &m->ready, sim_module_us(m,
	    (unsigned)m->spec.ready_ms));
}

bool
sim_module_retries(const sim_module *m)
{
	if (m->spec.retries != SIM_DEFAULT)
		return m->spec.retries == SIM_ON;
	return m->dialect->module_retries;
}

long
sim_module_register_ms(const sim_module *m)
{
	if (m->spec.register_ms != SIM_REGISTER_MODEL)
		return m->spec.register_ms;
	return m->model->register_ms;
}

sim_up_result
sim_module_power_up(sim_module *m, bool normal)
{
	sim_up_result r = SIM_UP_OK;
	char err[256];

	m->boots++;
	if (m->spec.fault.gone_after > 0 && m->boots >= m->spec.fault.gone_after) {
		m->gone = true;
		sim_module_log(m, "gone after return %d", m->boots);
		return SIM_UP_GONE;
	}
	if (m->spec.fault.swap && m->boots == 1) {
		become_other_unit(m);
		normal = true;
		r = SIM_UP_SWAPPED;
	}
	if (!m->at.up && port_open(m, &m->at, err, sizeof err) != 0) {
		sim_module_log(m, "cannot come back: %s", err);
		m->gone = true;
		return SIM_UP_GONE;
	}
	if (!normal) {
		m->deaf = true;
		m->booting = false;
		sim_timer_stop(m->env->loop, &m->ready);
		sim_module_log(m, "up in recovery mode");
		return r;
	}
	boot_normal(m, false);
	return r;
}

void
sim_module_hang(sim_module *m)
{
	sim_module_log(m, "hang");
	sim_upload_cancel(m);
	m->hung = true;
}

/* ---- life cycle ------------------------------------------------------- */

/* Resolves fault defaults that depend on the model, and refuses faults the
 * model cannot show. */
static int
check_faults(sim_module *m, char *err, size_t errlen)
{
	sim_fault *f = &m->spec.fault;

	if (f->powerloss_set && f->powerloss == SIM_PHASE_NONE)
		f->powerloss = m->dialect->restore ? SIM_PHASE_RESTORE
		    : SIM_PHASE_UPDATING;
	if (!m->dialect->restore && (f->powerloss == SIM_PHASE_RESTORE ||
	    f->hang == SIM_PHASE_RESTORE)) {
		snprintf(err, errlen, "%s has no RESTORE phase", m->model->name);
		return -1;
	}
	if (f->nonet)
		m->spec.network = false;
	return 0;
}

sim_module *
sim_module_new(const sim_spec *spec, const sim_env *env, int index,
    char *err, size_t errlen)
{
	sim_module *m = calloc(1, sizeof *m);
	uint64_t seed = env->seed + (uint64_t)index;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->index = index;
	m->env = env;
	m->spec = *spec;
	m->model = spec->model;
	m->dialect = spec->model->dialect;
	if (check_faults(m, err, errlen) != 0) {
		free(m);
		return NULL;
	}
	/* Separate streams, so that turning noise on does not change the
	 * IMEI and a plan's choices do not depend on how much noise went. */
	sim_rng_seed(&m->ident, seed * 4 + 0);
	sim_rng_seed(&m->rng, seed * 4 + 1);
	sim_rng_seed(&m->noise, seed * 4 + 2);
	snprintf(m->rev, sizeof m->rev, "%s",
	    spec->rev[0] ? spec->rev : m->model->rev);
	make_imei(m, m->imei);
	make_iccid(m, m->iccid);
	if (spec->imei[0])
		memcpy(m->imei, spec->imei, sizeof m->imei);
	if (spec->iccid[0])
		snprintf(m->iccid, sizeof m->iccid, "%s", spec->iccid);
	m->urcport = factory_urcport(m);
	sim_files_init(&m->files, spec->space);
	port_init(m, &m->at, m->spec.link, "at", seed * 4 + 3);
	port_init(m, &m->uart, m->spec.urc_link, "uart", ~(seed * 4 + 3));
	sim_upload_init(&m->up, m);
	sim_fota_init(&m->fota, m);
	sim_timer_init(&m->ready, on_ready, m);
	sim_timer_init(&m->chatter, on_chatter, m);
	sim_at_init(m);
	reset_volatile(m);
	m->trigger_mode = m->spec.trigger_mode;
	return m;
}

int
sim_module_start(sim_module *m, char *err, size_t errlen)
{
	const sim_fault *f = &m->spec.fault;
	/* A BG95 that resumes is in DFOTA mode: its USB port is absent. */
	bool at_now = !(f->resume && m->dialect->dfota_mode);

	if (m->uart.link[0] != '\0' && port_open(m, &m->uart, err, errlen) != 0)
		return -1;
	if (at_now && port_open(m, &m->at, err, errlen) != 0)
		return -1;
	sim_module_log(m, "%s rev %s imei %s%s", m->model->name, m->rev,
	    m->imei, f->hang == SIM_PHASE_IDENTIFY ? " (hung)" : "");
	/* Fault stale: the tty already holds a line nobody asked for. */
	if (f->stale && at_now) {
		char buf[48];
		int  n = f->stale_cme < 0 ? snprintf(buf, sizeof buf, "\r\nOK\r\n") :
		    snprintf(buf, sizeof buf, "\r\n+CME ERROR: %d\r\n", f->stale_cme);
		port_send(m, &m->at, buf, (size_t)n, false);
	}
	if (f->hang == SIM_PHASE_IDENTIFY)
		m->hung = true;
	else if (f->resume)
		sim_fota_resume(m);
	else
		boot_normal(m, true);
	return 0;
}

void
sim_module_free(sim_module *m)
{
	if (m == NULL)
		return;
	sim_fota_free(m);
	sim_timer_stop(m->env->loop, &m->ready);
	sim_timer_stop(m->env->loop, &m->chatter);
	sim_upload_free(m);
	sim_at_cancel(m);
	port_close(m, &m->at);
	port_close(m, &m->uart);
	sim_out_free(&m->at.out);
	sim_out_free(&m->uart.out);
	sim_files_free(&m->files);
	free(m->com_pkg);
	free(m);
}
