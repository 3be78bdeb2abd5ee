#!/usr/bin/env python3
"""bench/run.py: scale and speed of the station against emulated modules.

`make bench` runs this. It measures, on this machine, in one go:

  scale      the station (headless, --once) against N emulated EC25 modules
             on static pty slots, N in --counts (1 8 32 64 128), --runs each,
             plus one run at the largest N with a --small-pkg-size package
             (16 KiB); and against modules behind emulated USB hubs
             (`dfota-sim hub`, umockdev), one testbed per --usb-per-testbed
             modules, each testbed with its own station (umockdev aborts a
             process that holds more than about 50 testbed /dev nodes open).
             All at --speed (20): every module timer 20x shorter, so the CPU
             figures of these runs are a stress figure.
  real speed --real-speed-slots (32; 8 with --quick; 0: none) pty slots with
             the emulator at --speed 1, a real EC25's timing (update ~60 s,
             boot ~8 s): the run the CPU target and the 32-slot wall /
             longest unit target are judged on (the speed-20 figure of the
             same target is reported beside it, with the fixture's own
             ceiling: 32 bare senders uploading into one emulator at once).
  headline   (--no-headline and --quick skip it): 128 pty slots with the emulator at --speed 1,
             where the update, not the upload, dominates, as on a real line
             (about 3 minutes more). Every run has realistic boots: the
             port first, RDY 3 s (scaled) later; "After every RDY" reports
             RDY -> the next command per slot count.
  sequential the same unit one slot at a time, --seq-units times (what a
             technician does by hand): the baseline for the speed-up.
  upload     4 MiB through the station's acked AT+QFUPL (EC25) and its
             streamed COM: upload (BG95), against bench/ptyraw's raw pty
             figures for the same two shapes, in rounds: raw pty, emulator
             ceiling and station one right after the other, best of rounds.
  grid       bench/gridbench: ns per frame of the real grid with 128 slots
             on a pty; and the station's CPU (and its threads' context
             switches) while idle with 128 empty slots, headless and with the
             grid in tmux.

Where each figure comes from (nothing is assumed, every number is measured):

  - The emulator's --log (one file per module process) gives, on its own
    monotonic clock, each module's port up/down, every line it received
    ("at<") and sent ("at>"). The station's per-unit timelines
    (reports/units/*.csv) give ms wall-clock stamps of every tx/rx/port/
    state event. The two clocks are tied per emulator process: the station
    stamps a command before writing it, so for every command the emulator
    logged, origin >= station_tx - emulator_rel; the largest such bound
    is the origin (+-1 ms: both sides print ms).
  - port up: on a static pty, the emulator's "at: up". On USB, the moment
    the emulated hub put the module on the bus: the hub's stdout is a
    Unix seqpacket socket read by a thread that writes each line to
    hub.out prefixed with its wall-clock epoch ms, the kernel's stamp of
    the hub's write (SO_TIMESTAMPNS; the bench's read time, time.time(),
    where the kernel gives none; how late the reads were is reported). The
    k-th "hub: up PATH TTY" line of a plug is the k-th "at: up" of that
    plug's log (sim-PATH-PLUG.log). The hub writes it just after the
    device's add uevents, so a station can act slightly before it.
  - overhead ratio = (last report row written - first module arrival) /
    ideal, where ideal is the longest unit's own emulated work: its
    trigger received -> its final RDY (the emulator's scaled timers), plus
    its package at the raw acked-pty throughput, plus its power-on boot
    (port up -> first RDY: realistic boots answer only seconds after the
    port appears, module time the station cannot use). Arrival = the module's
    first port up; last row = the session CSV's mtime. The wall is split,
    for the unit whose final RDY came last, into arrival -> its trigger,
    trigger -> final RDY and final RDY -> last row, next to its raw-rate
    upload time and the units' median upload (timeline data-mode notes).
  - dead in = port up (or, with realistic boots, the module's first RDY
    when it comes later: before it any command is lost) -> first AT
    command received (the emulator's rx, aligned). Split: port up -> the station's first AT tx -> the module's
    rx; on USB also hub up -> the slot's first timeline row (its WAIT: the
    station made the slot for the discovered module) -> first AT tx. The
    hub's own lag (emulator "at: up" -> hub "up") is a fixture figure,
    reported apart, never counted. dead out = final RDY sent -> the unit's
    finished_at in the report, split at the station's rx of that RDY.
  - re-enumeration = each port return after a reboot (port up, as above)
    -> the station's port event naming that port (timeline "port" row:
    on USB the tty of the hub's line, on a pty the module's pty; a return
    with none is counted apart, never paired with a later one); for the
    final return also -> the station's first byte (emulator "at<").
  - USB testbeds get seeds far enough apart that no IMEI repeats across
    them (the timelines are keyed by IMEI).
  - CPU and peak RSS: getrusage of the station, through /usr/bin/time -f
    (also inside a hub's testbed). Emulator CPU the same way: the pty
    emulator under its own /usr/bin/time (sim-time.txt); each hub under
    one (hub-time.txt: the hub and the modules and station it reaped),
    less its station. machine load = (station + emulator CPU) / (wall x
    CPUs); with it the whole machine's busy share from /proc/stat over the
    run (which shows anything else running at the time).
  - speed-up = sequential time for N units / the station's wall for N.
    The sequential time is measured on --seq-units units one after another;
    for N beyond that it is their mean per unit times N (marked "x").
  - The "likely cause" of every target not met is put together from the
    figures above of the same run, or says "not measured".

Writes bench/RESULTS.md (machine, date, command, tables, targets) and
prints the same. Takes about 10-15 minutes on a 2-core machine with the
defaults; --quick for a smoke run (about 2.5 minutes, most of it the
real-speed run).
"""
import argparse
import datetime
import glob
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EC25_FROM, EC25_TO = "EC25EFAR06A06M4G", "EC25EFAR06A07M4G"
BG95_FROM, BG95_TO = "BG95M3LAR02A03", "BG95M3LAR02A04"

# ---- small helpers -------------------------------------------------------


def pct(vals, p):
    """Nearest-rank percentile; None for no values."""
    if not vals:
        return None
    v = sorted(vals)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def med(vals):
    return statistics.median(vals) if vals else None


def iso_ms(text):
    """'2026-11-21T22:14:16.892Z' -> epoch ms."""
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000.0


def fmt(v, nd=1, unit=""):
    if v is None:
        return "-"
    return f"{v:.{nd}f}{unit}"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def child_pids(pid):
    """The children of pid (/proc/PID/task/PID/children, else a scan)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        pass
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def signal_under_time(proc, sig):
    """Signals the program that /usr/bin/time (proc) runs, so that time
    itself lives on and writes its figures; proc itself when it has no
    child (yet, or any more)."""
    kids = child_pids(proc.pid)
    for k in kids:
        try:
            os.kill(k, sig)
        except ProcessLookupError:
            pass
    if not kids:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


def cpu_jiffies():
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v) - idle, sum(v)


def busy_pct(j0, j1):
    if not j0 or not j1 or j1[1] <= j0[1]:
        return None
    return (j1[0] - j0[0]) / (j1[1] - j0[1]) * 100.0


class Sampler(threading.Thread):
    """Every period s: the wall clock (epoch ms), the whole machine's busy
    and total jiffies (/proc/stat), and the CPU ticks so far of the
    program each /usr/bin/time in procs runs (its child). window() turns
    two moments into shares of the machine."""

    def __init__(self, procs=(), period=0.05):
        super().__init__(daemon=True)
        self.procs, self.period = list(procs), period
        self.pids = [None] * len(self.procs)
        self.last = [0] * len(self.procs)
        self.samples = []
        self.halt = threading.Event()
        self.start()

    def run(self):
        while True:
            for i, p in enumerate(self.procs):
                if self.pids[i] is None:
                    kids = child_pids(p.pid)
                    self.pids[i] = kids[0] if kids else None
                if self.pids[i] is not None:
                    try:
                        with open(f"/proc/{self.pids[i]}/stat") as f:
                            v = f.read().rsplit(")", 1)[1].split()
                        self.last[i] = int(v[11]) + int(v[12])
                    except (OSError, ValueError, IndexError):
                        pass    # gone: its last figure stays
            j = cpu_jiffies()
            if j:
                self.samples.append((time.time() * 1000.0, j[0], j[1], list(self.last)))
            if self.halt.wait(self.period):
                break

    def stop(self):
        self.halt.set()
        self.join(timeout=5)

    def window(self, t0, t1):
        """(whole machine busy %, [% of the machine for each proc]) from
        the last sample at or before t0 to the first at or after t1."""
        sm = self.samples
        if len(sm) < 2 or t0 is None or t1 is None or t1 <= t0:
            return None
        a = max([x for x in sm if x[0] <= t0] or [sm[0]], key=lambda x: x[0])
        b = min([x for x in sm if x[0] >= t1] or [sm[-1]], key=lambda x: x[0])
        if b[2] <= a[2] or b[0] <= a[0]:
            return None
        secs = (b[0] - a[0]) / 1000.0
        hz = os.sysconf("SC_CLK_TCK")
        procs = [(b[3][i] - a[3][i]) / hz / (secs * os.cpu_count()) * 100.0
                 for i in range(len(self.procs))]
        return (b[1] - a[1]) / (b[2] - a[2]) * 100.0, procs


def stamped_channel():
    """(read end, write end) of a Unix SOCK_SEQPACKET pair whose read end
    gets the kernel's wall-clock stamp of every write (SO_TIMESTAMPNS):
    a line's stamp is when the hub wrote it, however late the bench
    reads it. None when the kernel will not stamp (then the bench's own
    read time is used)."""
    try:
        r, w = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        r.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        return r, w
    except (OSError, AttributeError):
        return None


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def stamp_lines(src, path, lags):
    """Copies the lines read from src (a stamped socket, or a file
    descriptor) into path, each prefixed with the wall-clock epoch ms of
    its write (the kernel's stamp) or else of its read; appends to lags
    each line's read time - its stamp (ms). Runs in a thread."""
    buf = b""
    with open(path, "w") as out:
        while True:
            stamp = None
            try:
                if isinstance(src, socket.socket):
                    chunk, anc, _, _ = src.recvmsg(65536, socket.CMSG_SPACE(16))
                    for level, kind, data in anc:
                        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS \
                                and len(data) >= 16:
                            sec, nsec = struct.unpack("qq", data[:16])
                            stamp = sec * 1000.0 + nsec / 1e6
                else:
                    chunk = os.read(src, 65536)
            except OSError:
                chunk = b""
            now = time.time() * 1000.0
            if not chunk:
                break
            stamp = stamp if stamp is not None else now
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for ln in lines:
                out.write(f"{stamp:.3f} {ln.decode(errors='replace')}\n")
                lags.append(now - stamp)
            out.flush()
        if buf:
            out.write(f"{time.time() * 1000.0:.3f} {buf.decode(errors='replace')}\n")


HUB_UP = re.compile(r"^([0-9.]+) hub: up (\S+) (\S+) -> (\S+)$")
HUB_PLUG = re.compile(r"^[0-9.]+ hub: ok plug (\S+)")


def parse_hub_out(path):
    """(port path, plug number) -> [(epoch ms, tty, pty)] of the hub's "up"
    lines in a stamped hub.out. A port's plug number counts its "ok plug"
    lines (a port plugged at the hub's start is plug 1), which is how
    dfota-sim hub names the module's log (sim-PATH-PLUG.log). A module
    that moves to another path (moveto=) would be missed: the bench never
    moves one."""
    plugs, ups = {}, {}
    try:
        f = open(path, errors="replace")
    except OSError:
        return ups
    with f:
        for line in f:
            m = HUB_PLUG.match(line)
            if m:
                plugs[m.group(1)] = plugs.get(m.group(1), 0) + 1
                continue
            m = HUB_UP.match(line.rstrip("\n"))
            if m:
                port = m.group(2)
                ups.setdefault((port, max(1, plugs.get(port, 0))), []).append(
                    (float(m.group(1)), m.group(3), m.group(4)))
    return ups


# ---- reading what the emulator and the station wrote ---------------------

SIM_LINE = re.compile(r"^\s*([0-9.]+) m(\d+) (.*)$")


class SimModule:
    """One emulated module's events from a dfota-sim --log, ms since the
    emulator's start."""

    def __init__(self):
        self.imei = None
        self.ups, self.downs = [], []
        self.up_pts = []       # the pty of each up
        self.rx = []           # (t, line received)
        self.rdy = []          # t of each RDY sent
        self.trigger = None    # t AT+QFOTADL received
        self.origin = None     # epoch ms of the log's 0 (set by align)


def parse_sim_log(path):
    mods = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = SIM_LINE.match(line)
            if not m:
                continue
            t, idx, text = float(m.group(1)) * 1000.0, int(m.group(2)), m.group(3)
            mod = mods.setdefault(idx, SimModule())
            if text.startswith("at: up "):
                mod.ups.append(t)
                mod.up_pts.append(text.rsplit(" -> ", 1)[-1])
            elif text == "at: down":
                mod.downs.append(t)
            elif text.startswith("at< "):
                mod.rx.append((t, text[4:]))
                if text[4:].startswith("AT+QFOTADL") and mod.trigger is None:
                    mod.trigger = t
            elif text.startswith("at> \\r\\nRDY\\r\\n"):   # not APP RDY
                mod.rdy.append(t)
            elif " imei " in text and mod.imei is None:
                mod.imei = text.rsplit(" imei ", 1)[1].strip()
    return list(mods.values())


def parse_timeline(path):
    """[(epoch ms, phase, event, raw)] of one unit's timeline CSV."""
    import csv
    rows = []
    with open(path, newline="", errors="replace") as f:
        for r in csv.DictReader(f):
            try:
                rows.append((iso_ms(r["ts"]), r["phase"], r["event"], r["raw"]))
            except (KeyError, ValueError):
                continue
    return rows


def read_session(reports):
    """(rows, mtime ms of the last written) of every session CSV in reports:
    one per UTC day, so a run past midnight has two."""
    import csv
    files = sorted(glob.glob(os.path.join(reports, "*.csv")))
    if not files:
        return [], None
    rows = []
    for p in files:
        with open(p, newline="", errors="replace") as f:
            rows += list(csv.DictReader(f))
    return rows, max(os.stat(p).st_mtime_ns for p in files) / 1e6


def timelines_by_imei(reports):
    """imei -> timeline rows (units/<imei>-<time>.csv; the first file)."""
    out = {}
    for p in sorted(glob.glob(os.path.join(reports, "units", "*.csv"))):
        imei = os.path.basename(p).split("-", 1)[0]
        out.setdefault(imei, parse_timeline(p))
    return out


def match_ups(mod, hub):
    """[(k, j)]: the module's k-th "at: up" is the hub's j-th "up", paired
    in order by the pty they name. The hub can miss a quick down and up
    (its inotify events handled late, the new pty with the old number)."""
    out, j = [], 0
    for k, pts in enumerate(mod.up_pts):
        jj = j
        while jj < len(hub) and hub[jj][2] != pts:
            jj += 1
        if jj < len(hub):
            out.append((k, jj))
            j = jj + 1
    return out


def command_pairs(mod, tl):
    """[(station tx epoch ms, emulator rx ms)] of the commands both sides
    logged: the k-th tx of a text is the k-th rx of the same text."""
    out, seen, sim_by_text = [], {}, {}
    for t, text in mod.rx:
        sim_by_text.setdefault(text, []).append(t)
    for ts, _, ev, raw in tl:
        if ev != "tx":
            continue
        k = seen.get(raw, 0)
        seen[raw] = k + 1
        lst = sim_by_text.get(raw)
        if lst and k < len(lst):
            out.append((ts, lst[k]))
    return out


def align(mods, timelines):
    """Sets each module's origin from the commands both sides logged
    (see the top of the file). All modules of one log share it."""
    bound = None
    for mod in mods:
        for ts, rx in command_pairs(mod, timelines.get(mod.imei) or []):
            b = ts - rx
            bound = b if bound is None or b > bound else bound
    for mod in mods:
        mod.origin = bound
    return bound is not None


# ---- one station run against emulated modules ---------------------------


class Bench:
    def __init__(self, args):
        self.a = args
        b = os.path.join(ROOT, args.build)
        self.station = os.path.join(b, "dfota-station")
        self.sim = os.path.join(b, "dfota-sim")
        self.ptyraw = os.path.join(b, "bench", "ptyraw")
        self.gridbench = os.path.join(b, "bench", "gridbench")
        self.work = os.path.join(b, "bench-runs")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.n = 0
        self.raw = {}
        self.pkgs = {}

    def dir(self, name):
        self.n += 1
        d = os.path.join(self.work, f"{self.n:03d}-{name}")
        os.makedirs(os.path.join(d, "ports"))
        os.makedirs(os.path.join(d, "packages"))
        return d

    def package(self, model, frm, to, size):
        key = (model, size)
        if key not in self.pkgs:
            p = os.path.join(self.work, f"{model.lower()}-{size}.zip")
            subprocess.run([self.sim, "make-package", "--model", model, "--from", frm,
                            "--to", to, "--size", str(size), "-o", p], check=True,
                           stdout=subprocess.DEVNULL)
            self.pkgs[key] = p
        return self.pkgs[key]

    def config(self, d, model, pkg, slots, usb=False):
        frm, to = (EC25_FROM, EC25_TO) if model == "EC25" else (BG95_FROM, BG95_TO)
        name = os.path.basename(pkg)
        shutil.copy(pkg, os.path.join(d, "packages", name))
        lines = [
            'station: { name = "bench"; operator = "bench"; reports_dir = "reports"; };',
            "policy: { attempts = 1; reboot_timeout = 60; stall_timeout = 60; command_timeout = 10; };",
            f"discovery: {{ usb = {'true' if usb else 'false'}; }};",
        ]
        if slots:
            lines.append("slots = (")
            lines.append(",\n".join(f'  {{ label = "{s}"; serial = "{d}/ports/{s}"; }}'
                                    for s in slots))
            lines.append(");")
        lines.append(f'packages = ( {{ model = "{model}"; from = "{frm}"; to = "{to}"; '
                     f'file = "packages/{name}"; }} );')
        cfg = os.path.join(d, "station.cfg")
        write(cfg, "\n".join(lines) + "\n")
        return cfg

    # -- static pty slots --

    def run_static(self, n, model="EC25", size=None, log=True, seed=1, tag="pty", speed=None,
                   timeout=None):
        """The station, then n modules appearing on their slots at once.
        Both run under /usr/bin/time (the emulator: sim-time.txt)."""
        size = size or self.a.pkg_size
        speed = speed or self.a.speed
        frm, to = (EC25_FROM, EC25_TO) if model == "EC25" else (BG95_FROM, BG95_TO)
        pkg = self.package(model, frm, to, size)
        d = self.dir(f"{tag}-{n}")
        slots = [f"S{i + 1:03d}" for i in range(n)]
        cfg = self.config(d, model, pkg, slots)
        write(os.path.join(d, "modules.sim"),
              "".join(f"link={d}/ports/{s} model={model}\n" for s in slots))
        out = open(os.path.join(d, "station.out"), "w")
        tfile = os.path.join(d, "time.txt")
        sfile = os.path.join(d, "sim-time.txt")
        st = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tfile, self.station,
                               "--config", cfg, "--once", "--headless"],
                              stdout=out, stderr=subprocess.STDOUT, cwd=d)
        time.sleep(0.5)   # the station waits for its ports, as on a line
        simargs = [self.sim, "--speed", str(speed), "--seed", str(seed),
                   "--scenario", os.path.join(d, "modules.sim")]
        if log:
            simargs[1:1] = ["--log", os.path.join(d, "sim.log")]
        j0 = cpu_jiffies()
        sim = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S %M", "-o", sfile] + simargs,
                               stdout=open(os.path.join(d, "sim.out"), "w"),
                               stderr=subprocess.STDOUT)
        sampler = Sampler([st, sim], 0.05 if speed >= 2 else 0.5)
        status = wait_timeout(st, timeout or self.a.timeout)
        j1 = cpu_jiffies()
        sampler.stop()
        signal_under_time(sim, signal.SIGTERM)
        try:
            sim.wait(timeout=20)
        except subprocess.TimeoutExpired:
            signal_under_time(sim, signal.SIGKILL)
            sim.wait()
        out.close()
        cpu, rss = read_time(tfile)
        sim_cpu, _ = read_time(sfile)
        r = {"dir": d, "n": n, "status": status, "cpu": cpu, "rss_kb": rss, "sim_cpu": sim_cpu,
             "busy": busy_pct(j0, j1), "speed": speed, "size": size}
        if log:
            mods = parse_sim_log(os.path.join(d, "sim.log"))
            self.measure(r, [(mods, None)], os.path.join(d, "reports"), size)
            r["burst"] = sampler.window(r.get("t_first"), r.get("t_trig_last"))
        else:
            r["rows"], _ = read_session(os.path.join(d, "reports"))
            r["timelines"] = timelines_by_imei(os.path.join(d, "reports"))
        return r

    # -- USB hubs --

    def run_usb(self, n, seed=1):
        """n modules behind emulated hubs, one testbed (and one station)
        per usb_per_testbed modules; every module is plugged once all
        stations are up. Each hub runs under /usr/bin/time (hub-time.txt:
        the hub, its modules and its station, all reaped by it); its
        stdout is written to hub.out with each line's wall-clock epoch ms
        (stamp_lines); the station's own stdout (JSON lines) goes to
        station.out."""
        per = self.a.usb_per_testbed
        pkg = self.package("EC25", EC25_FROM, EC25_TO, self.a.pkg_size)
        groups = [list(range(i, min(n, i + per))) for i in range(0, n, per)]
        hubs, read_lags = [], []
        j0 = cpu_jiffies()
        for g, members in enumerate(groups):
            d = self.dir(f"usb-{n}-tb{g + 1}")
            cfg = self.config(d, "EC25", pkg, None, usb=True)
            paths = [f"1-{i // 7 + 1}.{i % 7 + 1}" for i in range(len(members))]
            ctl = os.path.join(d, "control")
            argv = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", os.path.join(d, "hub-time.txt"),
                    # the hub seeds its port i with seed + i * 1000 + plug:
                    # testbeds apart by more, or their IMEIs would repeat
                    self.sim, "hub", "--speed", str(self.a.speed),
                    "--seed", str(seed + 1000 * (per + 1) * g),
                    "--logdir", d, "--control", ctl]
            for p in paths:
                argv += ["--port", f"{p},model=EC25,plugged=no"]
            argv += ["--", "sh", "-c", 'exec "$@" > station.out', "sh",
                     "/usr/bin/time", "-f", "%e %U %S %M", "-o", os.path.join(d, "time.txt"),
                     self.station, "--config", cfg, "--headless", "--max-units", str(len(paths))]
            hubout = os.path.join(d, "hub.out")
            ch = stamped_channel()
            if ch:
                proc = subprocess.Popen(argv, stdout=ch[1].fileno(), stderr=subprocess.STDOUT,
                                        cwd=d)
                ch[1].close()
                src = ch[0]
            else:
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        cwd=d, bufsize=0)
                src = proc.stdout.fileno()
            proc.src = src
            reader = threading.Thread(target=stamp_lines, args=(src, hubout, read_lags),
                                      daemon=True)
            reader.start()
            hubs.append((d, paths, ctl, hubout, proc, reader))
        for d, paths, ctl, hubout, proc, reader in hubs:
            if not wait_text(hubout, "hub: command pid", 60):
                log(f"usb {n}: hub in {d} did not start its station")
        time.sleep(1.5)   # libusb and the supervisor up in every station
        for d, paths, ctl, hubout, proc, reader in hubs:
            with open(ctl, "w") as f:
                f.write("".join(f"plug {p}\n" for p in paths))
        sampler = Sampler([], 0.05)
        deadline = time.time() + self.a.timeout
        j1 = None
        for d, paths, ctl, hubout, proc, reader in hubs:
            try:
                proc.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log(f"usb {n}: hub in {d} still running after the timeout; stopped")
                signal_under_time(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    signal_under_time(proc, signal.SIGKILL)
                    proc.wait()
        j1 = cpu_jiffies()
        sampler.stop()
        for d, paths, ctl, hubout, proc, reader in hubs:
            reader.join(timeout=10)
            if isinstance(proc.src, socket.socket):
                proc.src.close()
            else:
                proc.stdout.close()
        r = {"dir": hubs[0][0], "n": n, "status": 0, "cpu": 0.0, "rss_kb": 0, "sim_cpu": 0.0,
             "testbeds": len(hubs), "busy": busy_pct(j0, j1), "speed": self.a.speed,
             "size": self.a.pkg_size, "read_lag": read_lags,
             "kernel_stamps": all(isinstance(h[4].src, socket.socket) for h in hubs)}
        logs = []
        for d, paths, ctl, hubout, proc, reader in hubs:
            cpu, rss = read_time(os.path.join(d, "time.txt"))
            hub_cpu, _ = read_time(os.path.join(d, "hub-time.txt"))
            if r["cpu"] is not None:
                if cpu is None:
                    r["cpu"] = r["rss_kb"] = None
                else:
                    r["cpu"] += cpu
                    r["rss_kb"] = max(r["rss_kb"], rss)
            if r["sim_cpu"] is not None:
                # the hub's figure holds its children: modules and station
                r["sim_cpu"] = None if hub_cpu is None or cpu is None else \
                    r["sim_cpu"] + max(0.0, hub_cpu - cpu)
        for d, paths, ctl, hubout, proc, reader in hubs:
            r["status"] = max(r["status"], proc.returncode if proc.returncode is not None else 99)
            ups = parse_hub_out(hubout)
            for lp in sorted(glob.glob(os.path.join(d, "sim-*.log"))):
                m = re.match(r"sim-(.+)-(\d+)\.log$", os.path.basename(lp))
                hub = ups.get((m.group(1), int(m.group(2))), []) if m else []
                logs.append((parse_sim_log(lp), hub))
        self.measure(r, logs, [os.path.join(h[0], "reports") for h in hubs], self.a.pkg_size)
        r["burst"] = sampler.window(r.get("t_first"), r.get("t_trig_last"))
        return r

    # -- figures from one run --

    def measure(self, r, logs, reports, size):
        """Fills r from the emulator logs and the reports folder(s). logs:
        one (modules, hub) per emulator process; hub is None on static
        ptys, else the [(epoch ms, tty)] of the hub's "up" lines for that
        module, which are then its port-up moments (the k-th hub up is the
        module's k-th "at: up")."""
        if isinstance(reports, str):
            reports = [reports]
        rows, tls, last = [], {}, None
        for rep in reports:
            rr, mt = read_session(rep)
            rows += rr
            if mt is not None:
                last = mt if last is None else max(last, mt)
            tls.update(timelines_by_imei(rep))
        r["rows"], r["timelines"] = rows, tls
        r["pass"] = sum(1 for x in rows if x.get("result") == "PASS")
        finished = {x["imei"]: iso_ms(x["finished_at"]) for x in rows if x.get("finished_at")}
        arrivals, ideals, ends = [], [], []
        keys = ("dead_in", "dead_out", "reenum", "reenum_byte", "hub_lag", "slot_wait",
                "slot_to_tx", "up_to_tx", "tx_to_rx", "rdy_read", "read_to_row", "cmd_lag",
                "rdy_to_cmd")
        f = {k: [] for k in keys}
        mismatch = missed = 0
        raw_acked = self.raw.get("acked")
        upload_raw = size / raw_acked * 1000.0 if raw_acked else 0.0
        for mods, hub in logs:
            if not align(mods, tls):
                continue
            for m in mods:
                if not m.ups:
                    continue
                o = m.origin
                # the moments the station could see the port: the hub's
                # "up" on USB, the emulator's own on a static pty
                if hub is not None:
                    pairs = match_ups(m, hub)
                    if len(pairs) != len(m.ups) or len(pairs) != len(hub):
                        mismatch += 1
                    for k, j in pairs:
                        f["hub_lag"].append(hub[j][0] - (o + m.ups[k]))
                    seen = [x[0] for x in hub]
                    last_up = dict(pairs).get(len(m.ups) - 1)
                    last_up = hub[last_up][0] if last_up is not None else None
                else:
                    seen = [o + t for t in m.ups]
                    last_up = seen[-1]
                if not seen:
                    continue
                arrivals.append(seen[0])
                # Realistic boots: the port is up long before the module
                # answers; its RDY says when. Dead time after RDY = RDY
                # sent -> the next command the module received (both on
                # the emulator's own clock), for every RDY but one after
                # which the unit was over (the final RDY of a verified
                # unit is followed by the identify of the verify).
                for t_rdy in m.rdy:
                    nxt = [t for t, _ in m.rx if t >= t_rdy]
                    if nxt:
                        f["rdy_to_cmd"].append(nxt[0] - t_rdy)
                first_rx = [o + t for t, _ in m.rx if t >= m.ups[0]]
                # dead in counts from when the module could answer: its
                # port up, or its first RDY when it boots as real ones do
                # (until then a command is lost whatever the station does)
                rdy0 = [o + t for t in m.rdy if t >= m.ups[0]]
                ready_at = max(seen[0], rdy0[0]) if rdy0 and first_rx and \
                    rdy0[0] <= first_rx[0] else seen[0]
                if first_rx:
                    f["dead_in"].append(first_rx[0] - ready_at)
                tl = tls.get(m.imei, [])
                f["cmd_lag"] += [o + rx - ts for ts, rx in command_pairs(m, tl)]
                txs = [ts for ts, _, ev, _ in tl if ev == "tx"]
                if txs:
                    f["up_to_tx"].append(txs[0] - seen[0])
                    if first_rx:
                        f["tx_to_rx"].append(first_rx[0] - txs[0])
                    if hub is not None and tl and tl[0][2] == "state" and tl[0][1] == "WAIT" \
                            and tl[0][0] <= txs[0]:
                        # the slot made for the module (each USB slot of
                        # the bench has one unit): its first row, WAIT.
                        # Below 0 when the station made it before the
                        # bench read the hub's line (counted as "early").
                        f["slot_wait"].append(tl[0][0] - seen[0])
                        f["slot_to_tx"].append(txs[0] - tl[0][0])
                if m.trigger is not None and m.rdy:
                    # the module's own power-on boot (port up -> its first
                    # RDY, before the trigger) is no station time either
                    boot = m.rdy[0] - m.ups[0] if m.rdy[0] < m.trigger else 0.0
                    ideals.append(m.rdy[-1] - m.trigger + upload_raw + boot)
                    ends.append((o + m.rdy[-1], o + m.trigger, m.rdy[-1] - m.trigger))
                if m.rdy and m.imei in finished:
                    f["dead_out"].append(finished[m.imei] - (o + m.rdy[-1]))
                    rdy_rx = [ts for ts, _, ev, raw in tl if ev == "rx" and raw == "RDY"]
                    if rdy_rx:
                        f["rdy_read"].append(rdy_rx[-1] - (o + m.rdy[-1]))
                        f["read_to_row"].append(finished[m.imei] - rdy_rx[-1])
                ports = [(ts, raw) for ts, _, ev, raw in tl
                         if ev == "port" and not raw.startswith("port lost")]
                for k in range(1, len(seen)):
                    a = seen[k]
                    # the station's port event that names this return's
                    # port (USB: the tty the hub made; pty: the module's
                    # pty), the first one from 1 ms before it (the
                    # station's stamps are ms-truncated; the hub's line
                    # comes after the device's uevents, so on USB any
                    # event after the previous return counts)
                    name = hub[k][1] if hub else m.up_pts[k] if k < len(m.up_pts) else None
                    since = seen[k - 1] if hub else a - 1.0
                    later = [ts for ts, raw in ports if raw == name and ts >= since]
                    if later:
                        f["reenum"].append(max(0.0, later[0] - a))
                    else:
                        missed += 1
                if len(m.ups) > 1 and last_up is not None:
                    fb = [o + t for t, _ in m.rx if t >= m.ups[-1]]
                    if fb:
                        f["reenum_byte"].append(fb[0] - last_up)
        r["t_first"] = min(arrivals) if arrivals else None
        r["t_trig_last"] = max((e[1] for e in ends), default=None)
        r["wall"] = (last - min(arrivals)) / 1000.0 if arrivals and last else None
        r["ideal"] = max(ideals) / 1000.0 if ideals else None
        r["overhead"] = r["wall"] / r["ideal"] if r["wall"] and r["ideal"] else None
        r.update(f)
        r["hub_mismatch"] = mismatch
        r["reenum_missed"] = missed
        if mismatch:
            log(f"{r['n']} {'usb' if r.get('testbeds') else 'pty'}: {mismatch} modules whose "
                "ups the hub did not all mirror (or the other way)")
        # wall = before the trigger + emulated work + after the RDY, for the
        # unit whose final RDY came last
        if ends and arrivals and last:
            rdy, trig, work = max(ends)
            r["split"] = {"pre": (trig - min(arrivals)) / 1000.0, "work": work / 1000.0,
                          "tail": (last - rdy) / 1000.0, "upload_raw": upload_raw / 1000.0,
                          "work_max": (max(ideals) - upload_raw) / 1000.0}
        r["upload_s"] = [size / x for x in upload_rate(r)]
        if r["cpu"] is not None and r["wall"]:
            r["cpu_pct32"] = r["cpu"] / r["wall"] * 100.0 * 32.0 / r["n"]
        else:
            r["cpu_pct32"] = None
        if r["cpu"] is not None and r.get("sim_cpu") is not None and r["wall"]:
            r["load"] = (r["cpu"] + r["sim_cpu"]) / (r["wall"] * os.cpu_count()) * 100.0
        else:
            r["load"] = None


def wait_timeout(proc, timeout):
    """The exit status of proc; SIGTERM then SIGKILL after timeout s."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"station still running after {timeout} s; stopped")
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def read_time(path):
    """(CPU s, peak RSS KiB) from /usr/bin/time -f '%e %U %S %M' -o path.
    /usr/bin/time, not os.wait4: a child forked from python counts
    python's pages in its ru_maxrss until it execs."""
    try:
        e, u, sy, m = open(path).read().split()[-4:]
        return float(u) + float(sy), int(m)
    except (OSError, ValueError):
        return None, None


def wait_text(path, text, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if text in open(path, errors="replace").read():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


# ---- the parts of the bench ----------------------------------------------


SHAPES = {"stream": ("BG95", []), "acked": ("EC25", ["--ack", "1024"])}


def raw_once(b, key):
    """MB/s of bench/ptyraw for one shape: a bare writer and a bare read()
    loop on one pty."""
    p = subprocess.run([b.ptyraw, "--bytes", str(b.a.upload_size)] + SHAPES[key][1],
                       capture_output=True, text=True, check=True)
    return float(re.search(r"mbps=([0-9.]+)", p.stdout).group(1))


def ceiling_once(b, key):
    """MB/s of a bare sender into a fresh dfota-sim module (None if it
    failed): the most any sender gets from the emulator."""
    model, extra = SHAPES[key]
    d = b.dir(f"ceiling-{model}")
    link = os.path.join(d, "ports", "m")
    # ready=0: the data path is measured, not the boot (a bare sender does
    # not wait for RDY)
    sim = subprocess.Popen([b.sim, "--speed", str(b.a.speed), "--module",
                            f"link={link},model={model},ready=0"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    sim.stdout.readline()   # "dfota-sim: ready, 1 modules"
    p = subprocess.run([b.ptyraw, "--device", link, "--bytes", str(b.a.upload_size)] + extra,
                       capture_output=True, text=True)
    sim.send_signal(signal.SIGTERM)
    sim.wait()
    m = re.search(r"mbps=([0-9.]+)", p.stdout)
    return float(m.group(1)) if m else None


def parallel_ceiling(b, n, size):
    """Seconds each of n bare senders (bench/ptyraw --device, 1 KiB acked,
    EC25 AT+QFUPL) takes to upload size bytes into n modules of one
    dfota-sim process, all at once: what the test fixture (one emulator
    thread for every pty module, the kernel's ptys, 2 cores) allows n
    parallel uploads, with no station involved. Sorted; [] if it failed."""
    d = b.dir(f"parallel-ceiling-{n}")
    links = [os.path.join(d, "ports", f"m{i}") for i in range(n)]
    write(os.path.join(d, "modules.sim"),
          "".join(f"link={l} model=EC25 ready=0\n" for l in links))
    sim = subprocess.Popen([b.sim, "--speed", str(b.a.speed), "--scenario",
                            os.path.join(d, "modules.sim")], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    sim.stdout.readline()   # "dfota-sim: ready, n modules"
    ps = [subprocess.Popen([b.ptyraw, "--device", l, "--bytes", str(size), "--ack", "1024"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
          for l in links]
    secs = []
    for p in ps:
        out, _ = p.communicate()
        m = re.search(r"seconds=([0-9.]+)", out)
        if m:
            secs.append(float(m.group(1)))
    sim.send_signal(signal.SIGTERM)
    sim.wait()
    return sorted(secs) if len(secs) == n else []


def bench_raw(b):
    """Raw pty throughput and the emulator's ceiling, stream and 1 KiB-acked,
    best of 3 (bytes/s): the overhead ratio's ideal upload."""
    out = {}
    for key in SHAPES:
        vals = [raw_once(b, key) for _ in range(3)]
        out[key] = max(vals) * 1e6
        out[key + "_all"] = vals
        vals = [v for v in (ceiling_once(b, key) for _ in range(3)) if v is not None]
        out["sim_" + key] = max(vals) * 1e6 if vals else None
        out["sim_" + key + "_all"] = vals
    b.raw = {k: out[k] for k in ("stream", "acked", "sim_stream", "sim_acked")}
    return out


def upload_rate(r):
    """bytes/s of the station's upload from the timeline's data mode notes."""
    rates = []
    for tl in r["timelines"].values():
        start = end = nbytes = None
        for ts, _, ev, raw in tl:
            if ev != "note":
                continue
            m = re.match(r"data mode: sending (\d+) bytes", raw)
            if m:
                start, nbytes = ts, int(m.group(1))
            elif re.match(r"data mode: \d+ bytes sent", raw) and start is not None:
                end = ts
        if start is not None and end is not None and end > start:
            rates.append(nbytes / ((end - start) / 1000.0))
    return rates


def bench_upload(b):
    """The station's upload, one slot, --upload-runs rounds per shape; each
    round also measures the raw pty and the emulator's ceiling right before
    the station, so that all three see the same moment of a shared, noisy
    machine. Every figure is the best of its rounds (the most each got);
    the per-round station / raw ratios are kept too."""
    out = {}
    for key, (model, _) in SHAPES.items():
        rates, raws, ceils, ratios = [], [], [], []
        for i in range(b.a.upload_runs):
            rw = raw_once(b, key) * 1e6
            ce = ceiling_once(b, key)
            r = b.run_static(1, model=model, size=b.a.upload_size, log=False, seed=50 + i,
                             tag=f"upload-{model}")
            got = upload_rate(r)
            raws.append(rw)
            if ce is not None:
                ceils.append(ce * 1e6)
            rates += got
            if got:
                ratios.append(max(got) / rw)
        out[key] = {"station": rates, "raw": raws, "ceiling": ceils, "ratios": ratios}
    return out


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_switches(pid):
    """(context switches of all of pid's threads so far, thread count)."""
    total, n = 0, 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for ln in f:
                    if ln.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(ln.split()[1])
            n += 1
        except (OSError, ValueError):
            pass
    return total, n


def bench_idle(b, n=128, seconds=10.0):
    """Station CPU with n slots and no module: headless, and the grid in
    tmux. Percent of one core."""
    out = {}
    pkg = b.package("EC25", EC25_FROM, EC25_TO, b.a.pkg_size)
    d = b.dir(f"idle-{n}")
    cfg = b.config(d, "EC25", pkg, [f"S{i + 1:03d}" for i in range(n)])
    st = subprocess.Popen([b.station, "--config", cfg, "--headless"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d)
    time.sleep(2.0)
    w0 = proc_switches(st.pid)
    c0, t0 = proc_cpu_s(st.pid), time.time()
    time.sleep(seconds)
    out["headless"] = (proc_cpu_s(st.pid) - c0) / (time.time() - t0) * 100.0
    w1 = proc_switches(st.pid)
    if w0 and w1:
        out["threads"] = w1[1]
        out["wakeups"] = (w1[0] - w0[0]) / seconds
    st.send_signal(signal.SIGTERM)
    st.wait()
    if shutil.which("tmux"):
        sock = os.path.join(d, "tmux.sock")
        cmd = f"exec {shlex.quote(b.station)} --config {shlex.quote(cfg)}"
        subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-x", "200", "-y", "60",
                        "-e", "TERM=xterm-256color", cmd], check=True, cwd=d)
        try:
            time.sleep(2.0)
            pid = int(subprocess.run(["tmux", "-S", sock, "list-panes", "-F", "#{pane_pid}"],
                                     capture_output=True, text=True).stdout.split()[0])
            screen = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p"],
                                    capture_output=True, text=True).stdout
            c0, t0 = proc_cpu_s(pid), time.time()
            time.sleep(seconds)
            out["grid"] = (proc_cpu_s(pid) - c0) / (time.time() - t0) * 100.0
            out["grid_shows"] = sum(1 for ln in screen.splitlines() if "S1" in ln or "S0" in ln)
            os.kill(pid, signal.SIGTERM)
            time.sleep(1.0)
        finally:
            subprocess.run(["tmux", "-S", sock, "kill-server"], stderr=subprocess.DEVNULL)
    return out


def bench_grid(b):
    p = subprocess.run([b.gridbench, "--slots", "128", "--frames", "300", "--cols", "200",
                        "--lines", "60"], capture_output=True, text=True, timeout=120)
    return dict(ln.split("=", 1) for ln in p.stdout.split() if "=" in ln)


# ---- the report ------------------------------------------------------------


def machine():
    cpu = "?"
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for ln in open("/proc/meminfo"):
            if ln.startswith("MemTotal"):
                mem = f"{int(ln.split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "mem": mem,
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def ms2(vals):
    if not vals:
        return "-"
    return f"{med(vals):.0f} / {pct(vals, 99):.0f}"


def pool(runs, k):
    return [x for r in runs for x in (r.get(k) or [])]


def mean_of(runs, k):
    vals = [r[k] for r in runs if r.get(k) is not None]
    return statistics.mean(vals) if vals else None


def cpu_per_unit(runs, key="cpu"):
    """CPU s per unit over the runs whose every process reported it (a
    station that a testbed killed leaves none)."""
    rs = [r for r in runs if r.get(key) is not None]
    return sum(r[key] for r in rs) / sum(r["n"] for r in rs) if rs else None


def load_s(runs):
    """'station+emulator load % (whole machine busy %)'."""
    ld, busy = mean_of(runs, "load"), mean_of(runs, "busy")
    if ld is None and busy is None:
        return "-"
    return f"{fmt(ld, 0)} ({fmt(busy, 0)})"


def ov_s(runs):
    ovs = [r["overhead"] for r in runs if r.get("overhead")]
    return f"{statistics.mean(ovs):.3f} (max {max(ovs):.3f})" if ovs else "-"


def row_line(mode, n, runs, seq, small=None):
    units = sum(r["n"] for r in runs)
    passed = sum(r.get("pass", 0) for r in runs)
    cpu_unit = cpu_per_unit(runs)
    sim_unit = cpu_per_unit(runs, "sim_cpu")
    rss = max([r["rss_kb"] for r in runs if r.get("rss_kb")], default=None)
    wall = mean_of(runs, "wall")
    tb = runs[0].get("testbeds")
    mode_s = mode if not tb or tb == 1 else f"{mode} ({tb} testbeds)"
    sp = "-"
    if seq and wall:
        s, extrap = seq(n)
        sp = f"{s / wall:.1f}{'x' if extrap else ''}"
    return (f"| {n} | {mode_s} | {len(runs)} | {passed}/{units} | {fmt(wall, 2)} "
            f"| {fmt(mean_of(runs, 'ideal'), 2)} "
            f"| {ov_s(runs)} | {ms2(pool(runs, 'dead_in'))} | {ms2(pool(runs, 'dead_out'))} "
            f"| {ms2(pool(runs, 'reenum'))} "
            f"| {ms2(pool(runs, 'reenum_byte'))} | {fmt(cpu_unit and cpu_unit * 1000, 1)} "
            f"| {fmt(mean_of(runs, 'cpu_pct32'), 2)} | {fmt(rss and rss / 1024, 1)} | {sp} "
            f"| {fmt(sim_unit and sim_unit * 1000, 1)} | {load_s(runs)} "
            f"| {ov_s(small) if small else '-'} |")


def split_line(mode, n, runs):
    """Where dead time goes, one row per (mode, count)."""
    usb = mode == "usb"
    early = sum(1 for x in pool(runs, "slot_wait") if x < 0)
    nw = len(pool(runs, "slot_wait"))
    return (f"| {n} | {mode} | {ms2(pool(runs, 'dead_in'))} "
            f"| {ms2(pool(runs, 'hub_lag')) if usb else '-'} "
            f"| {ms2(pool(runs, 'slot_wait')) if usb else '-'} "
            f"| {f'{early}/{nw}' if usb and nw else '-'} "
            f"| {ms2(pool(runs, 'slot_to_tx')) if usb else '-'} "
            f"| {ms2(pool(runs, 'up_to_tx'))} | {ms2(pool(runs, 'tx_to_rx'))} "
            f"| {ms2(pool(runs, 'dead_out'))} | {ms2(pool(runs, 'rdy_read'))} "
            f"| {ms2(pool(runs, 'read_to_row'))} |")


def over_split(runs):
    """Means over the runs of the wall's parts (s) for the unit whose final
    RDY came last: before its trigger, its emulated work, after its RDY;
    with the raw-rate upload time, the longest emulated work and the
    median upload of the run's units."""
    sp = [r["split"] for r in runs if r.get("split")]
    if not sp:
        return None
    out = {k: statistics.mean(x[k] for x in sp) for k in sp[0]}
    out["upload_med"] = med(pool(runs, "upload_s"))
    bs = [r["burst"] for r in runs if r.get("burst")]
    out["burst_busy"] = statistics.mean(b[0] for b in bs) if bs else None
    out["burst_procs"] = ([statistics.mean(b[1][i] for b in bs) for i in range(len(bs[0][1]))]
                          if bs and bs[0][1] else None)
    tl = [r["t_trig_last"] - r["t_first"] for r in runs
          if r.get("t_trig_last") is not None and r.get("t_first") is not None]
    out["burst_s"] = statistics.mean(tl) / 1000.0 if tl else None
    out["wall"] = mean_of(runs, "wall")
    out["ideal"] = mean_of(runs, "ideal")
    return out


def over_line(mode, n, runs):
    o = over_split(runs)
    if not o:
        return f"| {n} | {mode} | - | - | - | - | - | - | - | - | - | - |"
    bp = o["burst_procs"]
    burst = ("-" if o["burst_busy"] is None else
             f"{'+'.join(f'{x:.0f}' for x in bp) + ' ' if bp else ''}({o['burst_busy']:.0f})")
    return (f"| {n} | {mode} | {fmt(o['wall'], 2)} | {fmt(o['ideal'], 2)} "
            f"| {fmt(o['pre'], 3)} | {fmt(o['upload_raw'], 3)} | {fmt(o['upload_med'], 3)} "
            f"| {fmt(o['work'], 3)} ({fmt(o['work_max'], 3)}) | {fmt(o['tail'], 3)} "
            f"| {load_s(runs)} | {burst} | {ms2(pool(runs, 'cmd_lag'))} |")


def verdict(ok, measured, gap, cause):
    return ("met" if ok else "**not met**", measured, "-" if ok else gap, "-" if ok else cause)


def ms(v):
    return "not measured" if v is None else f"{v:.0f} ms"


def targets(results, upload, raw, idle, small, real, args):
    """One line per target from the measured figures; every cause is
    built from figures of this run (or says "not measured")."""
    t = []
    nproc = os.cpu_count()
    big = results.get(("pty", 128), [])
    ovs = [r["overhead"] for r in big if r.get("overhead")]
    if ovs:
        v = statistics.mean(ovs)
        ld = mean_of(big, "load")
        st = [r["cpu"] / (r["wall"] * nproc) * 100 for r in big
              if r.get("cpu") is not None and r.get("wall")]
        sm = [r["sim_cpu"] / (r["wall"] * nproc) * 100 for r in big
              if r.get("sim_cpu") is not None and r.get("wall")]
        parts = []
        if ld is not None:
            parts.append(f"machine load {ld:.0f} % of {nproc} cores at 128 slots (station "
                         f"{statistics.mean(st):.0f} %, emulator {statistics.mean(sm):.0f} %; "
                         f"whole machine busy {fmt(mean_of(big, 'busy'), 0)} %)")
        else:
            parts.append("machine load not measured")
        sovs = [r["overhead"] for r in small.get(("pty", 128), []) if r.get("overhead")]
        if sovs:
            parts.append(f"with a {args.small_pkg_size // 1024} KiB package the ratio is "
                         f"{statistics.mean(sovs):.3f}")
        else:
            parts.append("small-package ratio not measured")
        o = over_split(big)
        if o and o["burst_busy"] is not None:
            bp = o["burst_procs"] or []
            parts.append(f"from the first arrival to the last trigger ({fmt(o['burst_s'], 2)} s: "
                         f"identify and upload) the machine was {o['burst_busy']:.0f} % busy" +
                         (f" (station {bp[0]:.0f} %, emulator {bp[1]:.0f} %)" if len(bp) == 2
                          else ""))
        if o:
            parts.append(f"of the {o['wall'] - o['ideal']:.2f} s over ideal (last unit): "
                         f"{o['pre'] - o['upload_raw']:.2f} s before its trigger beyond the "
                         f"raw-rate upload (uploads took {fmt(o['upload_med'], 2)} s median "
                         f"vs {o['upload_raw']:.3f} s at the raw pty rate), "
                         f"{o['work'] - o['work_max']:+.2f} s in its emulated work, "
                         f"{o['tail']:.2f} s after its final RDY")
        cl = pool(big, "cmd_lag")
        if cl:
            parts.append(f"commands reach the emulator (one process for the 128 modules) "
                         f"{med(cl):.0f} ms (median; p99 {pct(cl, 99):.0f} ms) after the station "
                         "sends them")
        t.append(("overhead ratio <= 1.05 at 128 slots (pty)",) + verdict(
            v <= 1.05, f"{v:.3f}", f"+{(v - 1.05) * 100:.1f} points", "; ".join(parts)))
    allin = [x for rs in results.values() for x in pool(rs, "dead_in")]
    if allin:
        v = med(allin)
        pty = [rs for (mode, n), rs in results.items() if mode == "pty"]
        usb = [rs for (mode, n), rs in results.items() if mode == "usb"]
        parts = []
        if pty:
            rr = [r for rs in pty for r in rs]
            worst = max(((med(pool(rs, "dead_in")) or 0, k) for k, rs in results.items()
                         if k[0] == "pty"))
            parts.append(f"pty: dead in {ms(med(pool(rr, 'dead_in')))}, of which port up -> "
                         f"station's first AT tx {ms(med(pool(rr, 'up_to_tx')))} and tx -> "
                         f"module rx {ms(med(pool(rr, 'tx_to_rx')))} (medians); worst at "
                         f"{worst[1][1]} slots ({worst[0]:.0f} ms)")
        if usb:
            rr = [r for rs in usb for r in rs]
            parts.append(f"usb (from the hub's up): dead in {ms(med(pool(rr, 'dead_in')))}: "
                         f"hotplug -> slot {ms(med(pool(rr, 'slot_wait')))}, slot -> first AT "
                         f"{ms(med(pool(rr, 'slot_to_tx')))}, tx -> module rx "
                         f"{ms(med(pool(rr, 'tx_to_rx')))} (medians); the hub's own lag "
                         f"{ms(med(pool(rr, 'hub_lag')))} comes before and is not counted")
        t.append(("dead time in <= 50 ms median (all runs)",) + verdict(
            v <= 50, f"{v:.0f} ms", f"+{v - 50:.0f} ms", "; ".join(parts) or "not measured"))
    allout = [x for rs in results.values() for x in pool(rs, "dead_out")]
    if allout:
        v = med(allout)
        rr = [r for rs in results.values() for r in rs]
        t.append(("dead time out <= 50 ms median (all runs)",) + verdict(
            v <= 50, f"{v:.0f} ms", f"+{v - 50:.0f} ms",
            f"final RDY -> the station reads it {ms(med(pool(rr, 'rdy_read')))}, -> its report "
            f"row {ms(med(pool(rr, 'read_to_row')))} (medians)"))
    for mode, label, start in (("usb", "re-enumeration <= 100 ms median with hotplug (usb)",
                                "hub up"),
                               ("pty", "re-enumeration <= 100 ms median (static pty)",
                                "port up")):
        keyed = {k: rs for k, rs in results.items() if k[0] == mode}
        vals = [x for rs in keyed.values() for x in pool(rs, "reenum")]
        if not vals:
            continue
        v = med(vals)
        worst = max(((med(pool(rs, "reenum")) or 0, k) for k, rs in keyed.items()))
        t.append((label,) + verdict(
            v <= 100, f"{v:.0f} ms", f"+{v - 100:.0f} ms",
            f"{start} -> station's port event {v:.0f} ms median, p99 {pct(vals, 99):.0f} ms over "
            f"{len(vals)} returns; worst median at {worst[1][1]} ({worst[0]:.0f} ms, machine "
            f"load {fmt(mean_of(keyed[worst[1]], 'load'), 0)} %); "
            f"{sum(r.get('reenum_missed', 0) for rs in keyed.values() for r in rs)} returns with "
            "no port event; the station logs nothing between the two, no finer split measured"))
    stress = [r["cpu_pct32"] for (mode, n), rs in results.items() if mode == "pty" and n >= 32
              for r in rs if r.get("cpu_pct32") is not None]
    stress_s = f"{max(stress):.2f} %" if stress else "not measured"
    if real and real.get("cpu_pct32") is not None:
        v = real["cpu_pct32"]
        parts = [f"{real['cpu'] * 1000 / real['n']:.1f} ms CPU per unit over {real['wall']:.0f} s "
                 f"at speed 1 (the speed-{args.speed} stress runs: worst {stress_s} per 32 slots)"]
        if idle.get("headless") is not None:
            parts.append(f"idle floor {idle['headless'] / 4.0:.2f} % per 32 slots (128 empty "
                         "slots)")
        b, sm = results.get(("pty", 128), []), small.get(("pty", 128), [])
        if b and sm and cpu_per_unit(b) is not None and cpu_per_unit(sm) is not None:
            parts.append(f"upload share {(cpu_per_unit(b) - cpu_per_unit(sm)) * 1000:.1f} ms per "
                         f"unit ({args.pkg_size // 1024} vs {args.small_pkg_size // 1024} KiB "
                         "package at 128 slots)")
        t.append((f"CPU <= 2 % of a core per 32 active slots ({real['n']} pty slots, --speed 1: "
                  "real EC25 timing)",) + verdict(
            v <= 2.0, f"{v:.2f} %", f"+{v - 2.0:.2f} points", "; ".join(parts)))
    else:
        t.append(("CPU <= 2 % of a core per 32 active slots (--speed 1)", "not measured",
                  f"stress at speed {args.speed}: {stress_s}", "-",
                  "no real-speed run (--real-speed-slots 0)"))
    if idle.get("headless") is not None:
        v = idle["headless"] / 4.0
        wk = (f"{idle['wakeups']:.0f} context switches/s over {idle['threads']} threads with "
              "128 empty slots") if idle.get("wakeups") is not None else "wakeups not measured"
        t.append(("idle CPU <= 2 % of a core per 32 slots (128 empty slots, headless)",) + verdict(
            v <= 2.0, f"{v:.2f} %", f"+{v - 2.0:.2f} points", wk))
    rss = [r["rss_kb"] for r in big if r.get("rss_kb")]
    if rss:
        v = max(rss) / 1024
        by = sorted((n, max(r["rss_kb"] for r in rs if r.get("rss_kb")) / 1024)
                    for (mode, n), rs in results.items()
                    if mode == "pty" and any(r.get("rss_kb") for r in rs))
        slope = ((by[-1][1] - by[0][1]) * 1024 / (by[-1][0] - by[0][0])
                 if len(by) > 1 and by[-1][0] > by[0][0] else None)
        t.append(("RSS <= 64 MiB at 128 slots",) + verdict(
            v <= 64, f"{v:.1f} MiB", f"+{v - 64:.1f} MiB",
            "peak RSS by slots: " + ", ".join(f"{n}: {m:.1f} MiB" for n, m in by) +
            (f" ({slope:.0f} KiB per added slot)" if slope is not None else "")))
    for key, label in (("stream", "stream, COM:"), ("acked", "1 KiB acks, QFUPL")):
        u = upload.get(key) or {}
        if not (u.get("station") and u.get("raw")):
            continue
        st, rw = max(u["station"]), max(u["raw"])
        v = st / rw
        ce = max(u["ceiling"]) if u.get("ceiling") else None
        if ce and st >= 0.9 * ce:
            cause = (f"the receiver: dfota-sim itself takes at most {ce / 1e6:.1f} MB/s from a bare "
                     f"sender ({ce / rw * 100:.0f} % of raw); the station gets "
                     f"{st / ce * 100:.0f} % of that")
        elif ce:
            cause = (f"the station: it gets {st / ce * 100:.0f} % of what a bare sender gets from "
                     f"the same emulator ({ce / 1e6:.1f} MB/s)")
        else:
            cause = "emulator ceiling not measured"
        t.append((f"upload >= 90 % of raw pty throughput ({label})",) + verdict(
            v >= 0.9, f"{v * 100:.0f} %", f"-{(0.9 - v) * 100:.0f} points", cause))
    r32 = results.get(("pty", 32), [])
    o32 = [r["overhead"] for r in r32 if r.get("overhead")]
    if real and real.get("n") == 32 and real.get("overhead"):
        v = real["overhead"]
        t.append(("32 slots, realistic boots: wall / longest unit <= 1.05 (--speed 1: real "
                  "module timing)",) + verdict(
            v <= 1.05, f"{v:.3f}", f"+{v - 1.05:.3f}",
            f"wall {real['wall']:.1f} s, longest unit {real['ideal']:.1f} s"))
    if o32:
        v = statistics.mean(o32)
        o = over_split(r32)
        par = raw.get("parallel32") or []
        cause = ("not measured" if not o else
                 f"of the wall {o['wall']:.2f} s: arrival -> last trigger {o['pre']:.2f} s "
                 f"(uploads {o['upload_med']:.3f} s median"
                 + (f"; 32 bare senders, no station, into the same emulator at once: "
                    f"{statistics.median(par):.3f} s median, {par[-1]:.3f} s the slowest"
                    if par else "") +
                 f"), emulated work {o['work']:.2f} s, final RDY -> last row {o['tail']:.3f} s")
        t.append((f"32 slots, realistic boots: wall / longest unit <= 1.05 (--speed "
                  f"{args.speed}: stress)",) + verdict(
            v <= 1.05, f"{v:.3f}", f"+{v - 1.05:.3f}", cause))
    allr = [x for rs in results.values() for x in pool(rs, "rdy_to_cmd")]
    if real:
        allr += real.get("rdy_to_cmd") or []
    if allr:
        v = med(allr)
        t.append(("RDY -> first command <= 20 ms (median, every RDY)",) + verdict(
            v <= 20, f"{v:.1f} ms", f"+{v - 20:.1f} ms",
            f"p95 {pct(allr, 95):.1f} ms over {len(allr)} RDYs"))
    return t


def report(args, mach, started, elapsed, results, seq_info, raw, upload, grid, idle, small, real,
           headline=None):
    L = []
    L.append("# dfota-station bench results\n")
    L.append("Written by `make bench` (bench/run.py); every figure below is measured by "
             "that script in the run described here. Figures, not pass/fail tests.\n")
    L.append(f"- date: {started} UTC; whole run {elapsed / 60:.1f} min")
    L.append(f"- machine: {mach['nproc']} CPUs ({mach['cpu']}), kernel {mach['kernel']}, "
             f"{mach['mem']} memory; load average at start {mach['load']}")
    L.append(f"- command: `{args.command}`")
    L.append(f"- emulator: `--speed {args.speed}` (EC25: update 60 s/{args.speed}, boot 8 s/"
             f"{args.speed}); scale runs upload a {args.pkg_size // 1024} KiB package, the "
             f"upload runs {args.upload_size // 1024} KiB")
    L.append(f"- runs per count: {args.runs} (pty), {args.usb_runs} (usb); USB: one umockdev "
             f"testbed and one station per {args.usb_per_testbed} modules (umockdev aborts a "
             "process with more than about 50 open testbed /dev nodes)\n")
    L.append("## Scale\n")
    L.append(f"Every run here has the emulator at `--speed {args.speed}`: every module timer "
             f"is {args.speed}x shorter than on a real module, so the CPU columns are a stress "
             f"figure (the time-driven part of the station's work comes {args.speed}x as "
             "often). The CPU target is judged at the modules' real speed: see *CPU at the "
             "modules' real speed* below.\n")
    L.append("| slots | mode | runs | PASS | wall s | ideal s | overhead ratio | dead in ms med / p99 "
             "| dead out ms med / p99 | re-enum -> open ms med / p99 | re-enum -> first byte ms "
             "med / p99 | CPU ms / unit | CPU % core per 32 slots | peak RSS MiB | speed-up vs "
             "sequential | emulator CPU ms / unit | machine load % (all busy %) "
             f"| overhead ratio, {args.small_pkg_size // 1024} KiB package |")
    L.append("|---:|---|---:|---:|---:|---:|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (mode, n), runs in results.items():
        L.append(row_line(mode, n, runs, seq_info["fn"], small.get((mode, n))))
    L.append("")
    L.append("- wall: first module arrival -> last report row written (mean of the runs). "
             "ideal: the longest unit's emulated work (trigger -> final RDY) + its package at the "
             "raw acked pty rate + its power-on boot (port up -> first RDY, the module's own "
             "time). overhead = wall / ideal (mean, and the worst run).")
    lags = [x for (mode, n), rs in results.items() if mode == "usb" for x in pool(rs, "read_lag")]
    kern = all(r.get("kernel_stamps") for (mode, n), rs in results.items() if mode == "usb"
               for r in rs)
    how = ("the kernel's wall-clock stamp of the hub's write of that line (SO_TIMESTAMPNS "
           "on the socket that is the hub's stdout)" if kern else
           "the wall clock when the bench read the line from the hub's stdout")
    L.append("- port up: on a static pty the emulator's `at: up` (it made the pty and its "
             f"link); on USB the moment the emulated hub put the module on the bus: its `hub: up` "
             f"line, stamped with {how}. Arrival = the first port up." +
             (f" The bench read the hub's lines {med(lags):.1f} ms (median; p99 "
              f"{pct(lags, 99):.1f} ms) after they were written." if kern and lags else ""))
    L.append("- dead in: port up (or the module's first RDY, when it boots as real modules do and answers only then) -> first AT command at the module. dead out: final RDY -> the "
             "unit's report row (finished_at). re-enum: port back after a reboot -> the station's "
             "port event naming that port (USB: the tty the hub made; pty: the module's pty) / "
             "the module's first byte "
             "(final boot only; in the recovery boot the station only listens). Pooled over the "
             "runs.")
    L.append("- CPU: user+system of the station process(es); % core per 32 slots = CPU / wall x "
             "32 / slots. RSS: peak of one station process (VmHWM via getrusage).")
    L.append(f"- emulator CPU: user+system of dfota-sim (pty: the one emulator process; usb: each "
             "hub with its modules, i.e. the hub's /usr/bin/time figure minus its station's). "
             f"machine load = (station CPU + emulator CPU) / (wall x {mach['nproc']} CPUs); "
             "in brackets the whole machine's busy share (/proc/stat) over the same run, "
             "which also counts anything else running. The CPU figures cover each process's "
             "whole life (a hub's testbed set-up and teardown too), the wall only the units.")
    missed = {f"{mode} {n}": sum(r.get("reenum_missed", 0) for r in rs)
              for (mode, n), rs in results.items()}
    missed = {k: v for k, v in missed.items() if v}
    if missed:
        L.append("- returns with no port event of the station naming their port (not in re-enum): " +
                 ", ".join(f"{v} at {k}" for k, v in missed.items()) + ".")
    if small:
        ((mode, n), sr), = list(small.items())[:1]
        L.append(f"- overhead ratio, {args.small_pkg_size // 1024} KiB package: {len(sr)} extra "
                 f"run of {n} {mode} slots uploading a {args.small_pkg_size // 1024} KiB package "
                 f"instead of {args.pkg_size // 1024} KiB (its ideal holds its own upload at the "
                 "raw rate): the ratio without most of the concurrent uploads.")
    s = seq_info
    L.append(f"- sequential: {s['units']} units one after another (one slot, one station "
             f"run each, started before the module arrives), {s['total']:.1f} s in all, "
             f"{s['mean']:.2f} s per unit. Speed-up = sequential time for N units / the "
             "station's wall for N; `x` marks N beyond the units measured (mean per unit x N).\n")
    L.append("### Where the dead time goes\n")
    L.append("| slots | mode | dead in | hub lag (fixture) | hub up -> slot's first row "
             "| slot made before the stamp | slot's first row -> first AT tx "
             "| port up -> first AT tx | first AT tx -> module rx | dead out "
             "| final RDY -> station reads it | -> report row |")
    L.append("|---:|---|---|---|---|---:|---|---|---|---|---|---|")
    for (mode, n), runs in results.items():
        L.append(split_line(mode, n, runs))
    L.append("")
    L.append("ms, median / p99, pooled over the runs. dead in = (port up -> first AT tx) + "
             "(first AT tx -> module rx), less the module's own boot when its RDY comes after "
             "the first tx (that command is lost to the boot; the re-sent one is received); "
             "on USB port up -> first AT tx = (hub up -> the "
             "slot's first timeline row, its WAIT, written when the station makes the slot for "
             "the module it discovered) + (that row -> the first AT command the station sends). "
             "hub lag: the emulator's `at: up` -> the hub's `up` line, every port up of every "
             "module: the test fixture's own delay (the hub sees the emulator's pty by inotify, "
             "then adds the device to the umockdev testbed), not the station's and not counted "
             "in dead in. The hub writes `up` just after the device's add uevents, so a station "
             "can make the slot before it: \"slot made before the stamp\" counts the units whose "
             "slot row came first (the negative part of the split). Station times are its timeline stamps (ms); the module's are its log, "
             "tied to the station's clock by the commands both logged, so tx -> rx is 0 for "
             "the fastest command of each emulator process. Both sides print ms: each figure "
             "is good to about 2 ms.\n")
    L.append("### After every RDY (realistic boots)\n")
    L.append("The emulator's modules boot as real ones do (docs/protocol.md 5): the port comes "
             "first, the AT interpreter 3 s later (scaled by --speed), announced by RDY; a "
             "command sent before it is lost. RDY -> next command = the module's RDY -> the "
             "next AT command it received, every RDY of every module (emulator clock, 1 ms).\n")
    L.append("| slots | mode | speed | RDYs | RDY -> next command ms median / p95 / max "
             "| wall / longest unit |")
    L.append("|---:|---|---:|---:|---|---:|")
    rows_rdy = list(results.items())
    if real:
        rows_rdy.append((("pty", real["n"]), [real]))
    if headline:
        rows_rdy.append((("pty", headline["n"]), [headline]))
    for (mode, n), runs in rows_rdy:
        v = pool(runs, "rdy_to_cmd")
        sp = runs[0].get("speed")
        L.append(f"| {n} | {mode} | {sp} | {len(v)} | {fmt(med(v), 1)} / {fmt(pct(v, 95), 1)} "
                 f"/ {fmt(max(v) if v else None, 1)} | {ov_s(runs)} |")
    L.append("")
    if headline:
        L.append(f"Headline: {headline['n']} slots with the emulator at "
                 f"`--speed 1` (an EC25's real timing: update 60 s, boots 8 s + 3 s to RDY), "
                 f"{headline.get('pass', 0)}/{headline['n']} PASS, wall "
                 f"{fmt(headline.get('wall'), 1)} s, longest unit "
                 f"{fmt(headline.get('ideal'), 1)} s, ratio {ov_s([headline])}.\n")
    mis = sum(r.get("hub_mismatch", 0) for (mode, n), rs in results.items() if mode == "usb"
              for r in rs)
    if mis:
        L.append(f"{mis} USB module(s) had a port up the hub did not mirror (a down and up "
                 "handled late by the hub, the new pty with the old number): those returns "
                 "have no hub up and are not in the figures.\n")
    L.append("### Where the time over ideal goes\n")
    L.append("| slots | mode | wall s | ideal s | arrival -> trigger s | raw-rate upload s "
             "| upload median s | trigger -> final RDY s (longest) | final RDY -> last row s "
             "| machine load % (all busy %) | arrival -> last trigger: station + emulator % "
             "(all busy %) | AT tx -> module rx ms med / p99 (every command) |")
    L.append("|---:|---|---:|---:|---:|---:|---:|---|---:|---|---|---|")
    for (mode, n), runs in results.items():
        L.append(over_line(mode, n, runs))
    for (mode, n), runs in small.items():
        L.append(over_line(f"{mode}, {args.small_pkg_size // 1024} KiB package", n, runs))
    L.append("")
    L.append("For the unit whose final RDY came last (mean of the runs): wall = arrival -> its "
             "trigger + its trigger -> final RDY + its final RDY -> last report row; ideal = the "
             "longest trigger -> final RDY + the raw-rate upload. upload: `data mode: sending` -> "
             "`bytes sent` of each unit's timeline, median over the units. arrival -> last trigger: "
             "the identify and upload phase of the run (first arrival -> the last unit's "
             "trigger), the station's and the emulator's CPU in it as % of the whole machine "
             "(pty only; /proc samples every 50 ms), and the whole machine's busy share. "
             "AT tx -> module rx: every "
             "command both sides logged, the station's tx stamp -> the emulator's rx (0 for the "
             "fastest of each emulator process): how far the emulator (one process, one thread, "
             "for every pty module of a run; one per module on USB) is behind the station.\n")
    L.append("## CPU at the modules' real speed\n")
    if real:
        sim_ms = real["sim_cpu"] * 1000 / real["n"] if real.get("sim_cpu") is not None else None
        cpu_ms = real["cpu"] * 1000 / real["n"] if real.get("cpu") is not None else None
        L.append("| slots | speed | PASS | wall s | ideal s | CPU ms / unit | CPU % core per 32 "
                 "active slots | emulator CPU ms / unit | machine load % (all busy %) |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        L.append(f"| {real['n']} | 1 | {real.get('pass', 0)}/{real['n']} | {fmt(real.get('wall'), 1)} "
                 f"| {fmt(real.get('ideal'), 1)} | {fmt(cpu_ms, 1)} | {fmt(real.get('cpu_pct32'), 2)} "
                 f"| {fmt(sim_ms, 1)} | {load_s([real])} |")
        L.append("")
        L.append(f"One run of {real['n']} pty slots with the emulator at `--speed 1`: a real "
                 "EC25's timing (update about 60 s, boot about 8 s), same package. This is the "
                 "figure the CPU target is judged on; the speed-"
                 f"{args.speed} rows of the Scale table are the stress figure.\n")
    else:
        L.append("Not measured in this run (`--real-speed-slots 0`).\n")
    L.append("## Upload throughput over a pty\n")
    L.append("| shape | raw pty MB/s | emulator ceiling MB/s | station MB/s | station / raw "
             "| station / ceiling | station / raw, each round |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for key, label in (("stream", "stream (BG95 COM:)"), ("acked", "1 KiB blocks, one ack each (EC25 AT+QFUPL)")):
        u = upload.get(key) or {}
        st = max(u["station"]) if u.get("station") else None
        rw = max(u["raw"]) if u.get("raw") else None
        ce = max(u["ceiling"]) if u.get("ceiling") else None
        rounds = ", ".join(f"{x * 100:.0f} %" for x in u.get("ratios", [])) or "-"
        L.append(f"| {label} | {fmt(rw and rw / 1e6, 1)} | {fmt(ce and ce / 1e6, 1)} "
                 f"| {fmt(st and st / 1e6, 1)} | {fmt(st / rw * 100 if st and rw else None, 0, ' %')} "
                 f"| {fmt(st / ce * 100 if st and ce else None, 0, ' %')} | {rounds} |")
    L.append("")
    L.append(f"{args.upload_size // 1024} KiB each, {args.upload_runs} rounds per shape; each "
             "round measures, one right after the other, the raw pty (bench/ptyraw: a bare "
             "writer and a bare read() loop on one pty), the emulator's ceiling (bench/ptyraw "
             "--device: a bare sender into a fresh dfota-sim module, the most any sender gets "
             "from it) and the station (one slot; `data mode: sending` -> `bytes sent` notes of "
             "its timeline, ms stamps). Each column is the best of its rounds: the machine is "
             "shared, and the best round is the one least disturbed.\n")
    L.append("## Grid (128 slots)\n")
    if grid:
        L.append(f"bench/gridbench, {grid.get('terminal')} terminal, form {grid.get('form')}, "
                 f"{grid.get('frames')} frames each:\n")
        L.append("| load | ns / frame | CPU ns / frame | bytes to the terminal / frame |")
        L.append("|---|---:|---:|---:|")
        for k, label in (("all", "every slot's percent changed"), ("one", "one slot changed")):
            L.append(f"| {label} | {int(grid.get('ns_per_frame_' + k, 0)):,} | "
                     f"{int(grid.get('cpu_ns_per_frame_' + k, 0)):,} | {grid.get('bytes_per_frame_' + k)} |")
        L.append(f"\nModel update per bus event: {grid.get('ns_per_apply')} ns. At the grid's "
                 f"10 frames/s cap, the worst case costs "
                 f"{int(grid.get('ns_per_frame_all', 0)) * 10 / 1e7:.2f} % of a core.\n")
    L.append("Station CPU while idle, 128 static slots, no module (10 s):\n")
    wk = (f"; {idle['wakeups']:.0f} context switches/s over its {idle['threads']} threads"
          if idle.get("wakeups") is not None else "")
    L.append(f"- headless: {fmt(idle.get('headless'), 2)} % of a core{wk}")
    L.append(f"- grid in tmux (200x60): {fmt(idle.get('grid'), 2)} % of a core\n")
    L.append("## Targets\n")
    L.append("Causes are built from the figures above, measured in this run.\n")
    L.append("| target | verdict | measured | gap | likely cause |")
    L.append("|---|---|---|---|---|")
    for t in targets(results, upload, raw, idle, small, real, args):
        L.append("| " + " | ".join(t) + " |")
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--speed", type=float, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--usb-runs", type=int, default=2)
    ap.add_argument("--counts", default="1,8,32,64,128")
    ap.add_argument("--usb-counts", default="1,8,32,64,128")
    ap.add_argument("--usb-per-testbed", type=int, default=32)
    ap.add_argument("--seq-units", type=int, default=16)
    ap.add_argument("--pkg-size", type=int, default=256 * 1024)
    ap.add_argument("--small-pkg-size", type=int, default=16 * 1024,
                    help="package of the extra run at the largest pty count (0: none)")
    ap.add_argument("--real-speed-slots", type=int, default=None,
                    help="pty slots of the --speed 1 run for the CPU target (default 32, "
                         "8 with --quick; 0: none)")
    ap.add_argument("--upload-size", type=int, default=4 * 1024 * 1024)
    ap.add_argument("--upload-runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--quick", action="store_true",
                    help="1 run, counts 1,8, 8 real-speed slots: smoke test")
    ap.add_argument("--no-headline", dest="headline", action="store_false",
                    help="skip the headline run: 128 pty slots with the emulator at "
                         "--speed 1 (about 3 min; --quick skips it too)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    rest, argv = [], sys.argv[1:]
    while argv:   # what make bench adds: --build BUILD
        x = argv.pop(0)
        if x == "--build" and argv:
            argv.pop(0)
        elif not x.startswith("--build="):
            rest.append(x)
    args.command = "make bench" + (f" BENCH_ARGS='{' '.join(rest)}'" if rest else "")
    if args.quick:
        args.headline = False
        args.runs = args.usb_runs = args.upload_runs = 1
        args.counts = args.usb_counts = "1,8"
        args.seq_units = 2
    if args.real_speed_slots is None:
        args.real_speed_slots = 8 if args.quick else 32
    t_start = time.time()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    mach = machine()
    b = Bench(args)
    if args.speed == int(args.speed):
        args.speed = int(args.speed)

    log("raw pty throughput")
    raw_all = bench_raw(b)
    raw = b.raw
    results, small = {}, {}
    counts = [int(x) for x in args.counts.split(",") if x]
    for n in counts:
        runs = []
        for i in range(args.runs):
            log(f"pty {n} slots, run {i + 1}/{args.runs}")
            runs.append(b.run_static(n, seed=1 + i))
        results[("pty", n)] = runs
    if 32 in counts:
        log("32 bare senders into one emulator at once (the fixture's own upload ceiling)")
        raw["parallel32"] = parallel_ceiling(b, 32, args.pkg_size)
    if counts and args.small_pkg_size > 0:
        n = max(counts)
        log(f"pty {n} slots, {args.small_pkg_size // 1024} KiB package")
        small[("pty", n)] = [b.run_static(n, size=args.small_pkg_size, seed=1,
                                          tag=f"small-{args.small_pkg_size // 1024}k")]
    if shutil.which("umockdev-wrapper") or os.path.exists("/usr/lib/x86_64-linux-gnu/libumockdev-preload.so.0"):
        for n in [int(x) for x in args.usb_counts.split(",") if x]:
            runs = []
            for i in range(args.usb_runs):
                log(f"usb {n} modules, run {i + 1}/{args.usb_runs}")
                runs.append(b.run_usb(n, seed=1 + i))
            results[("usb", n)] = runs
    real = None
    if args.real_speed_slots > 0:
        n = args.real_speed_slots
        log(f"pty {n} slots at --speed 1 (real timing, about 80 s)")
        real = b.run_static(n, seed=1, tag="speed1", speed=1, timeout=max(args.timeout, 400))
    log(f"sequential baseline, {args.seq_units} units")
    seq_walls = []
    for i in range(args.seq_units):
        r = b.run_static(1, seed=100 + i, tag="seq")
        if r.get("wall"):
            seq_walls.append(r["wall"])
    seq_mean = statistics.mean(seq_walls) if seq_walls else 0

    def seq_fn(n):
        if n <= len(seq_walls):
            return sum(seq_walls[:n]), False
        return seq_mean * n, True
    seq_info = {"fn": seq_fn if seq_walls else None, "units": len(seq_walls),
                "total": sum(seq_walls), "mean": seq_mean}
    log("upload throughput")
    upload = bench_upload(b)
    log("grid frames")
    grid = bench_grid(b)
    log("idle CPU with 128 slots")
    idle = bench_idle(b)
    headline = None
    if args.headline:
        log("headline: pty 128 slots at --speed 1 (real timing; about 3 minutes)")
        headline = b.run_static(128, seed=1, tag="headline", speed=1,
                                timeout=max(args.timeout, 900))
    text = report(args, mach, started, time.time() - t_start, results, seq_info, raw, upload,
                  grid, idle, small, real, headline)
    write(args.out, text + "\n")
    print(text)
    log(f"written {os.path.relpath(args.out, ROOT)}; raw pty runs {raw_all}")


if __name__ == "__main__":
    main()
