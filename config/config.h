/*
 * config: the station file (libconfig syntax, see docs/contract.md) read into one
 * validated, typed struct. Nothing else in the station reads libconfig.
 *
 * Every error names the file, the line and the setting, and says what is
 * allowed, e.g.
 *   station.cfg:12: policy.attempts: must be a whole number from 1 to 10, got 0
 * Paths in the file (reports_dir, package files) are relative to the file's
 * own folder and are stored resolved.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_PATH_MAX 1024

typedef struct cfg_slot {
	char label[32];
	char usb_path[64];            /* "" for a serial slot              */
	char serial[CFG_PATH_MAX];    /* "" for a USB slot                 */
	int  baud;                    /* serial slots; default 115200      */
	char model[32];               /* optional hint; "" when not given  */
	char urc_serial[CFG_PATH_MAX];/* optional second port for URCs     */
	int  line;
} cfg_slot;

/* HTTPS certificates a package's download needs on the module (guides 000,
 * 003: uploaded as fota_cacert.pem, fota_client_cert.pem and
 * fota_client_key.pem). Paths resolved; "" when not given. */
typedef struct cfg_certs {
	char ca[CFG_PATH_MAX];
	char cert[CFG_PATH_MAX];
	char key[CFG_PATH_MAX];
} cfg_certs;

typedef struct cfg_package {
	char model[32];
	char from[96];
	char to[96];
	char file[CFG_PATH_MAX];      /* resolved; "" for a url package    */
	char url[1024];               /* "" for a file package             */
	char sha256[65];              /* lower-case hex; "" when not given */
	char apn[64];                 /* BG95/BG77 DFOTA APN; "" when none */
	cfg_certs certs;
	int  line;
} cfg_package;

typedef struct cfg_target {
	char model[32];
	char revision[96];
	int  line;
} cfg_target;

typedef struct cfg_policy {
	int    attempts;              /* 1..10, default 3                 */
	double reboot_timeout;        /* s, default 180                   */
	double stall_timeout;         /* s, default 300                   */
	double start_timeout;         /* s from a trigger's reboot to the
	                                 module's first FOTA message; a boot
	                                 that looks normal is no verdict
	                                 before it; default 300            */
	double command_timeout;       /* s, default 5                     */
	int    max_parallel_uploads;  /* 0 = no limit                     */
	bool   auto_start;            /* default true                     */
	double stop_grace;            /* s an update past its trigger may
	                                 take to finish when the station is
	                                 stopped; default 60               */
} cfg_policy;

typedef struct cfg_discovery {
	bool usb;                     /* default true                     */
	int  rescan_interval_ms;      /* default 1000                     */
} cfg_discovery;

/* verify: acceptance checks after the update (docs/contract.md). */
typedef struct cfg_check {
	char name[32];
	char command[256];
	char expect[256];             /* POSIX ERE, checked at load        */
	int  line;
} cfg_check;

typedef struct cfg_verify {
	bool       network;           /* registered within network_timeout */
	double     network_timeout;   /* s, default 60                     */
	cfg_check *checks;
	size_t     nchecks;
} cfg_verify;

typedef struct cfg_ui {
	bool bell;                    /* ring when a unit finishes (default true) */
} cfg_ui;

/* The line's audit store (central/): a libpq connection URI, "" for none. */
typedef struct cfg_central {
	char url[1024];
	int  line;
} cfg_central;

typedef struct station_config {
	char          path[CFG_PATH_MAX];     /* the file as given         */
	char          name[64];
	char          operator_name[64];
	char          reports_dir[CFG_PATH_MAX]; /* resolved               */
	char          timezone[64];           /* IANA name; "" = the machine's */
	char          signing_key[CFG_PATH_MAX]; /* resolved; "" = no signing */
	int           signing_key_line;       /* for messages about the key */
	cfg_policy    policy;
	cfg_discovery discovery;
	cfg_ui        ui;
	cfg_central   central;
	cfg_verify    verify;
	cfg_slot     *slots;
	size_t        nslots;
	cfg_package  *packages;
	size_t        npackages;
	cfg_target   *targets;
	size_t        ntargets;
} station_config;

/* 0 on success; -1 with a message for a person in err. On failure cfg holds
 * nothing that needs freeing. */
int  config_load(const char *path, station_config *cfg, char *err, size_t errlen);
void config_free(station_config *cfg);
/* The default file: ./station.cfg, else /etc/dfota-station/station.cfg;
 * NULL when neither exists. */
const char *config_default_path(void);

#endif
