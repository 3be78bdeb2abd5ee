/*
 * config_lists: the lists of the station file (slots, packages, targets)
 * and the rules that span more than one setting: a slot is USB or serial,
 * labels are unique, a package is a file or a url and leads somewhere new,
 * one target per model. Each function allocates its array in cfg (freed by
 * config_free) and accepts a NULL list (the setting was left out).
 */
#ifndef CONFIG_LISTS_H
#define CONFIG_LISTS_H

#include <libconfig.h>

#include "config/config.h"
#include "config/config_field.h"

int config_read_slots(const cfg_ctx *ctx, const config_setting_t *list,
                      station_config *cfg);
int config_read_packages(const cfg_ctx *ctx, const config_setting_t *list,
                         station_config *cfg);
int config_read_targets(const cfg_ctx *ctx, const config_setting_t *list,
                        station_config *cfg);

#endif
