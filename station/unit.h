/*
 * unit: what the station knows about one unit attempt, and the phases a
 * worker moves through. A unit_record is filled in by the worker as the unit
 * goes and handed, copied, to the event stream when the unit starts and when
 * it finishes; reports/ turns the finished record into one CSV row.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>

typedef enum unit_phase {
	PHASE_WAIT,
	PHASE_IDENTIFY,
	PHASE_PLAN,
	PHASE_DELIVER,
	PHASE_TRIGGER,
	PHASE_DOWNLOAD,
	PHASE_REBOOT,
	PHASE_UPDATING,
	PHASE_RESTORE,
	PHASE_END,
	PHASE_VERIFY,
	PHASE_DONE,
	PHASE_COUNT
} unit_phase;

typedef enum unit_result {
	RESULT_NONE = 0,      /* still running */
	RESULT_PASS,
	RESULT_FAIL,
	RESULT_SKIPPED,       /* already at target */
	RESULT_NO_PACKAGE,
	RESULT_ABORTED,
	RESULT_COUNT
} unit_result;

typedef enum unit_delivery {
	DELIVERY_NONE = 0,
	DELIVERY_UPLOAD,
	DELIVERY_URL,
} unit_delivery;

#define UNIT_TEXT_MAX   256
#define UNIT_REV_MAX    96
#define UNIT_PATH_MAX   512
#define UNIT_PKG_MAX    1024

typedef struct unit_record {
	char          run_id[40];
	char          station[64];
	char          operator_name[64];
	char          slot[32];
	char          usb_path[64];
	char          port[UNIT_PATH_MAX];
	char          model[32];
	char          imei[24];
	char          iccid[32];
	char          fw_before[UNIT_REV_MAX];
	char          fw_target[UNIT_REV_MAX];
	char          fw_after[UNIT_REV_MAX];
	char          package[UNIT_PKG_MAX];        /* hops joined by " > "   */
	char          package_sha256[UNIT_PKG_MAX]; /* likewise               */
	unit_delivery delivery;
	unit_result   result;
	unit_phase    error_phase;     /* meaningful when error_text[0]    */
	int           error_code;      /* the module's number, -1 for none */
	char          error_text[UNIT_TEXT_MAX];
	int           attempts;
	int64_t       started_ms;      /* Unix epoch, UTC, milliseconds    */
	int64_t       finished_ms;
	double        transfer_s;      /* < 0: no transfer happened        */
	double        update_s;        /* < 0: no update happened          */
	char          detail_file[UNIT_PATH_MAX]; /* set by reports/        */
	char          checks[UNIT_TEXT_MAX]; /* "imei=ok;network=fail": the
	                                        verify checks run, in order */
} unit_record;

const char *unit_phase_name(unit_phase p);
const char *unit_result_name(unit_result r);
const char *unit_delivery_name(unit_delivery d);
/* "2026-11-21T10:00:01.123Z" into buf (at least 25 bytes). */
char       *unit_format_time(int64_t ms, char *buf, size_t len);
int64_t     unit_now_ms(void);
/* A clock for timeouts and durations: monotonic, ms, never steps back. */
int64_t     unit_mono_ms(void);
void        unit_record_init(unit_record *u);

#endif
