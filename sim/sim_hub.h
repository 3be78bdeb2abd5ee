/*
 * sim_hub: `dfota-sim hub`, emulated Quectel modules on an emulated USB
 * hub tree (umockdev), so that the station's real libusb discovery and
 * sysfs walk run unmodified. See sim_hub.c and docs/dfota-sim.md.
 */
#ifndef SIM_HUB_H
#define SIM_HUB_H

/* argv[0] is "hub". Exit status: the command's, or 0 after SIGTERM;
 * 2 usage; 1 the tree or a module could not start. */
int sim_hub_main(int argc, char **argv);

#endif
