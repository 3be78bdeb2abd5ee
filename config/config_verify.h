/*
 * config_verify: the station file's `verify` group (docs/contract.md, additions
 * of 2026-12-02): the network check and the custom acceptance checks.
 */
#ifndef CONFIG_VERIFY_H
#define CONFIG_VERIFY_H

#include <libconfig.h>

#include "config/config.h"
#include "config/config_field.h"

/* Reads group (NULL: the group was left out, defaults stay) into
 * cfg->verify; allocates cfg->verify.checks (freed by config_free). */
int config_read_verify(const cfg_ctx *ctx, const config_setting_t *group,
                       station_config *cfg);

#endif
