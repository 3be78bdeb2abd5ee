#!/usr/bin/env python3
"""bench/run.py: scale and speed of the station against emulated modules.

`make bench` runs this. It measures, on this machine, in one go:

  scale      the station (headless, --once) against N emulated EC25 modules
             on static pty slots, N in --counts (1 8 32 64 128), --runs each;
             and against modules behind emulated USB hubs (`dfota-sim hub`,
             umockdev), one testbed per --usb-per-testbed modules, each
             testbed with its own station (umockdev aborts a process that
             holds more than about 50 testbed /dev nodes open).
  sequential the same unit one slot at a time, --seq-units times (what a
             technician does by hand): the baseline for the speed-up.
  upload     4 MiB through the station's acked AT+QFUPL (EC25) and its
             streamed COM: upload (BG95), against bench/ptyraw's raw pty
             figures for the same two shapes, measured in the same run.
  grid       bench/gridbench: ns per frame of the real grid with 128 slots
             on a pty; and the station's CPU while idle with 128 empty
             slots, headless and with the grid in tmux.

Where each figure comes from (nothing is assumed, every number is measured):

  - The emulator's --log (one file per module process) gives, on its own
    monotonic clock, each module's port up/down, every line it received
    ("at<") and sent ("at>"). The station's per-unit timelines
    (reports/units/*.csv) give ms wall-clock stamps of every tx/rx/port
    event. The two clocks are tied per emulator process: the station
    stamps a command before writing it, so for every command the emulator
    logged, origin >= station_tx - emulator_rel; the largest such bound
    is the origin (+-1 ms: both sides print ms).
  - overhead ratio = (last report row written - first module arrival) /
    ideal, where ideal is the longest unit's own emulated work: its
    trigger received -> its final RDY (the emulator's scaled timers), plus
    its package at the raw acked-pty throughput. Arrival = the module's
    first port up; last row = the session CSV's mtime.
  - dead in = port up -> first AT command received (emulator clock only).
    dead out = final RDY sent -> the unit's finished_at in the report.
  - re-enumeration = each port return after a reboot (emulator: "at: up")
    -> the station's port event on it (timeline "port" row); for the final
    return also -> the station's first byte (emulator "at<").
  - CPU and peak RSS: getrusage of the station, through /usr/bin/time -f
    (also inside a hub's testbed).
  - speed-up = sequential time for N units / the station's wall for N.
    The sequential time is measured on --seq-units units one after another;
    for N beyond that it is their mean per unit times N (marked "x").

Writes bench/RESULTS.md (machine, date, command, tables, targets) and
prints the same. Takes about 10-15 minutes on a 2-core machine with the
defaults; --quick for a smoke run.
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
import statistics
import subprocess
import sys
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


# ---- reading what the emulator and the station wrote ---------------------

SIM_LINE = re.compile(r"^\s*([0-9.]+) m(\d+) (.*)$")


class SimModule:
    """One emulated module's events from a dfota-sim --log, ms since the
    emulator's start."""

    def __init__(self):
        self.imei = None
        self.ups, self.downs = [], []
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
            elif text == "at: down":
                mod.downs.append(t)
            elif text.startswith("at< "):
                mod.rx.append((t, text[4:]))
                if text[4:].startswith("AT+QFOTADL") and mod.trigger is None:
                    mod.trigger = t
            elif text.startswith("at> ") and "RDY" in text:
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
    import csv
    files = [p for p in glob.glob(os.path.join(reports, "*.csv"))]
    if not files:
        return [], None
    with open(files[0], newline="", errors="replace") as f:
        rows = list(csv.DictReader(f))
    return rows, os.stat(files[0]).st_mtime_ns / 1e6


def timelines_by_imei(reports):
    """imei -> timeline rows (units/<imei>-<time>.csv; the first file)."""
    out = {}
    for p in sorted(glob.glob(os.path.join(reports, "units", "*.csv"))):
        imei = os.path.basename(p).split("-", 1)[0]
        out.setdefault(imei, parse_timeline(p))
    return out


def align(mods, timelines):
    """Sets each module's origin from the commands both sides logged
    (see the top of the file). All modules of one log share it."""
    bound = None
    for mod in mods:
        tl = timelines.get(mod.imei)
        if not tl:
            continue
        seen = {}
        sim_by_text = {}
        for t, text in mod.rx:
            sim_by_text.setdefault(text, []).append(t)
        for ts, _, ev, raw in tl:
            if ev != "tx":
                continue
            k = seen.get(raw, 0)
            seen[raw] = k + 1
            lst = sim_by_text.get(raw)
            if lst and k < len(lst):
                b = ts - lst[k]
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

    def run_static(self, n, model="EC25", size=None, log=True, seed=1, tag="pty"):
        """The station, then n modules appearing on their slots at once."""
        size = size or self.a.pkg_size
        frm, to = (EC25_FROM, EC25_TO) if model == "EC25" else (BG95_FROM, BG95_TO)
        pkg = self.package(model, frm, to, size)
        d = self.dir(f"{tag}-{n}")
        slots = [f"S{i + 1:03d}" for i in range(n)]
        cfg = self.config(d, model, pkg, slots)
        write(os.path.join(d, "modules.sim"),
              "".join(f"link={d}/ports/{s} model={model}\n" for s in slots))
        out = open(os.path.join(d, "station.out"), "w")
        tfile = os.path.join(d, "time.txt")
        st = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tfile, self.station,
                               "--config", cfg, "--once", "--headless"],
                              stdout=out, stderr=subprocess.STDOUT, cwd=d)
        time.sleep(0.5)   # the station waits for its ports, as on a line
        simargs = [self.sim, "--speed", str(self.a.speed), "--seed", str(seed),
                   "--scenario", os.path.join(d, "modules.sim")]
        if log:
            simargs[1:1] = ["--log", os.path.join(d, "sim.log")]
        sim = subprocess.Popen(simargs, stdout=open(os.path.join(d, "sim.out"), "w"),
                               stderr=subprocess.STDOUT)
        status = wait_timeout(st, self.a.timeout)
        sim.send_signal(signal.SIGTERM)
        sim.wait()
        out.close()
        cpu, rss = read_time(tfile)
        r = {"dir": d, "n": n, "status": status, "cpu": cpu, "rss_kb": rss}
        if log:
            mods = parse_sim_log(os.path.join(d, "sim.log"))
            self.measure(r, [mods], os.path.join(d, "reports"), size)
        else:
            r["rows"], _ = read_session(os.path.join(d, "reports"))
            r["timelines"] = timelines_by_imei(os.path.join(d, "reports"))
        return r

    # -- USB hubs --

    def run_usb(self, n, seed=1):
        """n modules behind emulated hubs, one testbed (and one station)
        per usb_per_testbed modules; every module is plugged once all
        stations are up."""
        per = self.a.usb_per_testbed
        pkg = self.package("EC25", EC25_FROM, EC25_TO, self.a.pkg_size)
        groups = [list(range(i, min(n, i + per))) for i in range(0, n, per)]
        hubs = []
        for g, members in enumerate(groups):
            d = self.dir(f"usb-{n}-tb{g + 1}")
            cfg = self.config(d, "EC25", pkg, None, usb=True)
            paths = [f"1-{i // 7 + 1}.{i % 7 + 1}" for i in range(len(members))]
            ctl = os.path.join(d, "control")
            argv = [self.sim, "hub", "--speed", str(self.a.speed), "--seed", str(seed + 1000 * g),
                    "--logdir", d, "--control", ctl]
            for p in paths:
                argv += ["--port", f"{p},model=EC25,plugged=no"]
            argv += ["--", "/usr/bin/time", "-f", "%e %U %S %M", "-o", os.path.join(d, "time.txt"),
                     self.station, "--config", cfg, "--headless", "--max-units", str(len(paths))]
            hubout = os.path.join(d, "hub.out")
            proc = subprocess.Popen(argv, stdout=open(hubout, "w"), stderr=subprocess.STDOUT, cwd=d)
            hubs.append((d, paths, ctl, hubout, proc))
        for d, paths, ctl, hubout, proc in hubs:
            if not wait_text(hubout, "hub: command pid", 60):
                log(f"usb {n}: hub in {d} did not start its station")
        time.sleep(1.5)   # libusb and the supervisor up in every station
        for d, paths, ctl, hubout, proc in hubs:
            with open(ctl, "w") as f:
                f.write("".join(f"plug {p}\n" for p in paths))
        deadline = time.time() + self.a.timeout
        for d, paths, ctl, hubout, proc in hubs:
            try:
                proc.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log(f"usb {n}: hub in {d} still running after the timeout; stopped")
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        r = {"dir": hubs[0][0], "n": n, "status": 0, "cpu": 0.0, "rss_kb": 0,
             "testbeds": len(hubs)}
        logs, rows_all, tls, mtime = [], [], {}, None
        for d, paths, ctl, hubout, proc in hubs:
            cpu, rss = read_time(os.path.join(d, "time.txt"))
            if cpu is None:
                r["cpu"] = r["rss_kb"] = None
                break
            r["cpu"] += cpu
            r["rss_kb"] = max(r["rss_kb"], rss)
        for d, paths, ctl, hubout, proc in hubs:
            r["status"] = max(r["status"], proc.returncode if proc.returncode is not None else 99)
            for lp in sorted(glob.glob(os.path.join(d, "sim-*.log"))):
                logs.append(parse_sim_log(lp))
        self.measure(r, logs, [os.path.join(h[0], "reports") for h in hubs], self.a.pkg_size)
        return r

    # -- figures from one run --

    def measure(self, r, logs, reports, size):
        """Fills r from the emulator logs (one list of modules per emulator
        process) and the reports folder(s)."""
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
        arrivals, ideals = [], []
        dead_in, dead_out, reenum, reenum_byte = [], [], [], []
        raw_acked = self.raw.get("acked")
        for mods in logs:
            if not align(mods, tls):
                continue
            for m in mods:
                if not m.ups:
                    continue
                o = m.origin
                arrivals.append(o + m.ups[0])
                first_rx = [t for t, _ in m.rx if t >= m.ups[0]]
                if first_rx:
                    dead_in.append(first_rx[0] - m.ups[0])
                if m.trigger is not None and m.rdy:
                    upload = size / raw_acked * 1000.0 if raw_acked else 0.0
                    ideals.append(m.rdy[-1] - m.trigger + upload)
                if m.rdy and m.imei in finished:
                    dead_out.append(finished[m.imei] - (o + m.rdy[-1]))
                tl = tls.get(m.imei, [])
                ports = [ts for ts, _, ev, raw in tl if ev == "port" and not raw.startswith("port lost")]
                for up in m.ups[1:]:
                    a = o + up
                    # the station's stamp is ms-truncated: allow 1 ms before
                    later = [ts for ts in ports if ts >= a - 1.0]
                    if later:
                        reenum.append(max(0.0, later[0] - a))
                if len(m.ups) > 1:
                    fb = [t for t, _ in m.rx if t >= m.ups[-1]]
                    if fb:
                        reenum_byte.append(fb[0] - m.ups[-1])
        r["wall"] = (last - min(arrivals)) / 1000.0 if arrivals and last else None
        r["ideal"] = max(ideals) / 1000.0 if ideals else None
        r["overhead"] = r["wall"] / r["ideal"] if r["wall"] and r["ideal"] else None
        r["dead_in"], r["dead_out"] = dead_in, dead_out
        r["reenum"], r["reenum_byte"] = reenum, reenum_byte
        if r["cpu"] is not None and r["wall"]:
            r["cpu_pct32"] = r["cpu"] / r["wall"] * 100.0 * 32.0 / r["n"]
        else:
            r["cpu_pct32"] = None


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


def bench_raw(b):
    """Raw pty throughput, stream and 1 KiB-acked, best of 3 (MB/s)."""
    out = {}
    for key, extra in (("stream", []), ("acked", ["--ack", "1024"])):
        vals = []
        for _ in range(3):
            p = subprocess.run([b.ptyraw, "--bytes", str(b.a.upload_size)] + extra,
                               capture_output=True, text=True, check=True)
            vals.append(float(re.search(r"mbps=([0-9.]+)", p.stdout).group(1)))
        out[key] = max(vals) * 1e6     # bytes/s
        out[key + "_all"] = vals
    # The emulator's own ceiling: a bare sender into a fresh module each time.
    for key, model, extra in (("sim_stream", "BG95", []), ("sim_acked", "EC25", ["--ack", "1024"])):
        vals = []
        for i in range(3):
            d = b.dir(f"ceiling-{model}")
            link = os.path.join(d, "ports", "m")
            sim = subprocess.Popen([b.sim, "--speed", str(b.a.speed), "--module",
                                    f"link={link},model={model}"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
            sim.stdout.readline()   # "dfota-sim: ready, 1 modules"
            p = subprocess.run([b.ptyraw, "--device", link, "--bytes", str(b.a.upload_size)] + extra,
                               capture_output=True, text=True)
            sim.send_signal(signal.SIGTERM)
            sim.wait()
            m = re.search(r"mbps=([0-9.]+)", p.stdout)
            if m:
                vals.append(float(m.group(1)))
        out[key] = max(vals) * 1e6 if vals else None
        out[key + "_all"] = vals
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
    out = {}
    for key, model in (("acked", "EC25"), ("stream", "BG95")):
        rates = []
        for i in range(b.a.upload_runs):
            r = b.run_static(1, model=model, size=b.a.upload_size, log=False, seed=50 + i,
                             tag=f"upload-{model}")
            rates += upload_rate(r)
        out[key] = rates
    return out


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    c0, t0 = proc_cpu_s(st.pid), time.time()
    time.sleep(seconds)
    out["headless"] = (proc_cpu_s(st.pid) - c0) / (time.time() - t0) * 100.0
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


def row_line(mode, n, runs, seq):
    def pool(k):
        return [x for r in runs for x in r.get(k, [])]

    def mean(k):
        vals = [r[k] for r in runs if r.get(k) is not None]
        return statistics.mean(vals) if vals else None

    def worst(k):
        vals = [r[k] for r in runs if r.get(k) is not None]
        return max(vals) if vals else None

    units = sum(r["n"] for r in runs)
    passed = sum(r.get("pass", 0) for r in runs)
    # Only runs whose every station reported its CPU (a station that a
    # testbed killed leaves none).
    cpu_runs = [r for r in runs if r.get("cpu") is not None]
    cpu_unit = sum(r["cpu"] for r in cpu_runs) / sum(r["n"] for r in cpu_runs) if cpu_runs else None
    rss = worst("rss_kb")
    wall = mean("wall")
    tb = runs[0].get("testbeds")
    mode_s = mode if not tb or tb == 1 else f"{mode} ({tb} testbeds)"
    sp = "-"
    if seq and wall:
        s, extrap = seq(n)
        sp = f"{s / wall:.1f}{'x' if extrap else ''}"
    ovs = [r["overhead"] for r in runs if r.get("overhead")]
    ov = f"{statistics.mean(ovs):.3f} (max {max(ovs):.3f})" if ovs else "-"
    return (f"| {n} | {mode_s} | {len(runs)} | {passed}/{units} | {fmt(wall, 2)} | {fmt(mean('ideal'), 2)} "
            f"| {ov} | {ms2(pool('dead_in'))} | {ms2(pool('dead_out'))} | {ms2(pool('reenum'))} "
            f"| {ms2(pool('reenum_byte'))} | {fmt(cpu_unit and cpu_unit * 1000, 1)} "
            f"| {fmt(mean('cpu_pct32'), 2)} | {fmt(rss and rss / 1024, 1)} | {sp} |")


def verdict(ok, measured, gap, cause):
    return ("met" if ok else "**not met**", measured, "-" if ok else gap, "-" if ok else cause)


def targets(results, upload, raw, idle):
    """One line per target from the measured figures."""
    t = []
    big = [r for r in results.get(("pty", 128), [])]
    ovs = [r["overhead"] for r in big if r.get("overhead")]
    if ovs:
        v = statistics.mean(ovs)
        t.append(("overhead ratio <= 1.05 at 128 slots (pty)",) + verdict(
            v <= 1.05, f"{v:.3f}", f"+{(v - 1.05) * 100:.1f} points",
            "the tail after the last RDY (dead out) and the spread of the identify/upload start "
            "across 128 threads on 2 cores; see dead in/out at 128"))
    allin = [x for k, rs in results.items() for r in rs for x in r.get("dead_in", [])]
    allout = [x for k, rs in results.items() for r in rs for x in r.get("dead_out", [])]
    if allin:
        v = med(allin)
        t.append(("dead time in <= 50 ms median (all runs)",) + verdict(
            v <= 50, f"{v:.0f} ms", f"+{v - 50:.0f} ms",
            "a port that appears is only seen at the next poll (worker_connect, 20 ms) or USB rescan"))
    if allout:
        v = med(allout)
        t.append(("dead time out <= 50 ms median (all runs)",) + verdict(
            v <= 50, f"{v:.0f} ms", f"+{v - 50:.0f} ms",
            "verify commands after the final boot and the report write"))
    usb = [x for (mode, n), rs in results.items() if mode == "usb" for r in rs for x in r.get("reenum", [])]
    if usb:
        v = med(usb)
        t.append(("re-enumeration <= 100 ms median with hotplug (usb)",) + verdict(
            v <= 100, f"{v:.0f} ms", f"+{v - 100:.0f} ms",
            "hotplug -> supervisor -> sysfs tty wait -> worker mailbox chain"))
    pty = [x for (mode, n), rs in results.items() if mode == "pty" for r in rs for x in r.get("reenum", [])]
    if pty:
        v = med(pty)
        t.append(("re-enumeration <= 100 ms median (static pty)",) + verdict(
            v <= 100, f"{v:.0f} ms", f"+{v - 100:.0f} ms", "20 ms open poll of static ports"))
    c = [r["cpu_pct32"] for (mode, n), rs in results.items() if mode == "pty" and n >= 32
         for r in rs if r.get("cpu_pct32") is not None]
    if c:
        v = max(c)
        t.append(("CPU <= 2 % of a core per 32 active slots (worst pty run, N >= 32)",) + verdict(
            v <= 2.0, f"{v:.2f} %", f"+{v - 2.0:.2f} points",
            "per-event work during the upload (a bus event and a JSON line per percent) and "
            "the 20 ms port polls"))
    if idle.get("headless") is not None:
        v = idle["headless"] / 4.0
        t.append(("idle CPU <= 2 % of a core per 32 slots (128 empty slots, headless)",) + verdict(
            v <= 2.0, f"{v:.2f} %", f"+{v - 2.0:.2f} points",
            "every empty static slot's worker retries open() every 20 ms (worker_connect)"))
    rss = [r["rss_kb"] for r in big if r.get("rss_kb")]
    if rss:
        v = max(rss) / 1024
        t.append(("RSS <= 64 MiB at 128 slots",) + verdict(
            v <= 64, f"{v:.1f} MiB", f"+{v - 64:.1f} MiB", "thread stacks and per-slot buffers"))
    for key, label in (("stream", "stream, COM:"), ("acked", "1 KiB acks, QFUPL")):
        if not (upload.get(key) and raw.get(key)):
            continue
        st = med(upload[key])
        v = st / raw[key]
        ce = raw.get("sim_" + key)
        if ce and st >= 0.9 * ce:
            cause = (f"the receiver: dfota-sim itself takes at most {ce / 1e6:.1f} MB/s from a bare "
                     f"sender ({ce / raw[key] * 100:.0f} % of raw); the station gets "
                     f"{st / ce * 100:.0f} % of that")
        elif ce:
            cause = (f"the station: it gets {st / ce * 100:.0f} % of what a bare sender gets from "
                     f"the same emulator ({ce / 1e6:.1f} MB/s)")
        else:
            cause = "see the upload table"
        t.append((f"upload >= 90 % of raw pty throughput ({label})",) + verdict(
            v >= 0.9, f"{v * 100:.0f} %", f"-{(0.9 - v) * 100:.0f} points", cause))
    return t


def report(args, mach, started, elapsed, results, seq_info, raw, upload, grid, idle):
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
    L.append("| slots | mode | runs | PASS | wall s | ideal s | overhead ratio | dead in ms med / p99 "
             "| dead out ms med / p99 | re-enum -> open ms med / p99 | re-enum -> first byte ms "
             "med / p99 | CPU ms / unit | CPU % core per 32 slots | peak RSS MiB | speed-up vs "
             "sequential |")
    L.append("|---:|---|---:|---:|---:|---:|---|---|---|---|---|---:|---:|---:|---:|")
    for (mode, n), runs in results.items():
        L.append(row_line(mode, n, runs, seq_info["fn"] if mode == "pty" else seq_info["fn"]))
    L.append("")
    L.append("- wall: first module arrival -> last report row written (mean of the runs). "
             "ideal: the longest unit's emulated work (trigger -> final RDY) + its package at the "
             "raw acked pty rate. overhead = wall / ideal (mean, and the worst run).")
    L.append("- dead in: port up -> first AT command. dead out: final RDY -> the unit's "
             "report row (finished_at). re-enum: port back after a reboot -> the station's port "
             "event / its first byte (final boot only; in the recovery boot the station only "
             "listens). Pooled over the runs.")
    L.append("- CPU: user+system of the station process(es); % core per 32 slots = CPU / wall x "
             "32 / slots. RSS: peak of one station process (VmHWM via getrusage).")
    s = seq_info
    L.append(f"- sequential: {s['units']} units one after another (one slot, one station "
             f"run each, started before the module arrives), {s['total']:.1f} s in all, "
             f"{s['mean']:.2f} s per unit. Speed-up = sequential time for N units / the "
             "station's wall for N; `x` marks N beyond the units measured (mean per unit x N).\n")
    L.append("## Upload throughput over a pty\n")
    L.append("| shape | raw pty MB/s | emulator ceiling MB/s | station MB/s (median) "
             "| station / raw | station / ceiling |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for key, label in (("stream", "stream (BG95 COM:)"), ("acked", "1 KiB blocks, one ack each (EC25 AT+QFUPL)")):
        st = med(upload.get(key, []))
        rw, ce = raw.get(key), raw.get("sim_" + key)
        L.append(f"| {label} | {fmt(rw and rw / 1e6, 1)} | {fmt(ce and ce / 1e6, 1)} "
                 f"| {fmt(st and st / 1e6, 1)} | {fmt(st / rw * 100 if st and rw else None, 0, ' %')} "
                 f"| {fmt(st / ce * 100 if st and ce else None, 0, ' %')} |")
    L.append("")
    L.append(f"{args.upload_size // 1024} KiB each. raw pty: bench/ptyraw, a bare writer and a "
             "bare read() loop on one pty (best of 3). emulator ceiling: bench/ptyraw --device, "
             "a bare writer into a dfota-sim module (best of 3): the most any sender gets from "
             "the emulator. station: `data mode: sending` -> `bytes sent` notes of the timeline "
             f"(ms stamps), {args.upload_runs} runs, one slot.\n")
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
    L.append(f"- headless: {fmt(idle.get('headless'), 2)} % of a core")
    L.append(f"- grid in tmux (200x60): {fmt(idle.get('grid'), 2)} % of a core\n")
    L.append("## Targets\n")
    L.append("| target | verdict | measured | gap | likely cause |")
    L.append("|---|---|---|---|---|")
    for t in targets(results, upload, raw, idle):
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
    ap.add_argument("--upload-size", type=int, default=4 * 1024 * 1024)
    ap.add_argument("--upload-runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--quick", action="store_true", help="1 run, counts 1,8, smoke test")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    args.command = "make bench" + (f" BENCH_ARGS='{' '.join(sys.argv[3:])}'" if len(sys.argv) > 3 else "")
    if args.quick:
        args.runs = args.usb_runs = args.upload_runs = 1
        args.counts = args.usb_counts = "1,8"
        args.seq_units = 2
    t_start = time.time()
    started = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    mach = machine()
    b = Bench(args)
    if args.speed == int(args.speed):
        args.speed = int(args.speed)

    log("raw pty throughput")
    raw_all = bench_raw(b)
    raw = b.raw
    results = {}
    for n in [int(x) for x in args.counts.split(",") if x]:
        runs = []
        for i in range(args.runs):
            log(f"pty {n} slots, run {i + 1}/{args.runs}")
            runs.append(b.run_static(n, seed=1 + i))
        results[("pty", n)] = runs
    if shutil.which("umockdev-wrapper") or os.path.exists("/usr/lib/x86_64-linux-gnu/libumockdev-preload.so.0"):
        for n in [int(x) for x in args.usb_counts.split(",") if x]:
            runs = []
            for i in range(args.usb_runs):
                log(f"usb {n} modules, run {i + 1}/{args.usb_runs}")
                runs.append(b.run_usb(n, seed=1 + i))
            results[("usb", n)] = runs
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
    text = report(args, mach, started, time.time() - t_start, results, seq_info, raw, upload, grid, idle)
    write(args.out, text + "\n")
    print(text)
    log(f"written {os.path.relpath(args.out, ROOT)}; raw pty runs {raw_all}")


if __name__ == "__main__":
    main()
