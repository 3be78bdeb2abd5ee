#!/usr/bin/env python3
"""bench/central.py: figures of the line's audit store (central/), printed.

`make bench-central` runs this; nothing here passes or fails.

  throughput  --rows (20000) chained report rows written as a session CSV
              (with its .head, as the report writer leaves them), then
              `dfota-station report push`: the same outbox reader and batch
              INSERT the station's sender thread runs. Rows per second over
              the whole push (connect, schema, every batch, cursor writes);
              then a second push (nothing waits) for its fixed cost.
  stall       --units (12) emulated BG96 on pty slots at --speed (5), the
              station --headless --once: once with no central.url (the
              baseline), once with central.url through tests/tcp-stall
              stalled for --stall seconds (60) from the station's start,
              so every row and slot update meets a database that does not
              answer. Per unit: duration_s from the CSV (min/median/max of
              both runs); the station's wall time from start to exit. A
              difference in the units' durations would be dead time the
              database added; the wall time may differ by the sender's
              grace at exit (5 s).

The PostgreSQL cluster is tests/pg-cluster's (fsync=off: a throwaway
cluster; a production server with fsync pays its own commit cost per
batch of 500 rows).
"""
import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["run_id", "station", "operator", "slot", "usb_path", "port", "model",
           "imei", "iccid", "fw_before", "fw_target", "fw_after", "package",
           "package_sha256", "delivery", "result", "error_phase", "error_code",
           "error_text", "attempts", "started_at", "finished_at", "duration_s",
           "transfer_s", "update_s", "detail_file"]


def pg(cmd, d):
    return subprocess.run([os.path.join(ROOT, "tests/pg-cluster"), cmd, d],
                          check=True, capture_output=True, text=True).stdout.strip()


def write_csv(reports, station, n):
    """n chained rows, as reports/chain.c links them."""
    os.makedirs(reports, exist_ok=True)
    path = os.path.join(reports, f"{station}-2026-12-01.csv")
    prev = "0" * 64
    out = [",".join(COLUMNS + ["row_sha256"]) + "\r\n"]
    for i in range(n):
        t = f"2026-12-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
        f = [f"run-{i // 1000}", station, "bench", f"S{i % 48 + 1}", "", f"/dev/pts/{i % 48}",
             "BG96", f"86{i:013d}", "", "BG96MAR02A07M1G", "BG96MAR02A08M1G",
             "BG96MAR02A08M1G", "p1.zip", "", "upload", "PASS", "", "", "", "1", t, t,
             "61.234", "12.500", "40.100", f"units/86{i:013d}-x.csv"]
        fields = ",".join(f)
        h = hashlib.sha256((prev + "\n" + fields).encode()).hexdigest()
        out.append(fields + "," + h + "\r\n")
        prev = h
    with open(path, "w", newline="") as fp:
        fp.write("".join(out))
    with open(path + ".head", "w") as fp:
        fp.write(f"{prev} {n}\n")


def bench_throughput(a, url, tmp):
    d = os.path.join(tmp, "push")
    os.makedirs(d)
    with open(os.path.join(d, "station.cfg"), "w") as fp:
        fp.write('station: { name = "bench"; reports_dir = "reports"; };\n'
                 f'central: {{ url = "{url}/dfota"; }};\n')
    write_csv(os.path.join(d, "reports"), "bench", a.rows)
    push = [a.station, "report", "push", "--config", os.path.join(d, "station.cfg")]
    t0 = time.monotonic()
    r = subprocess.run(push, capture_output=True, text=True)
    t1 = time.monotonic()
    r2 = subprocess.run(push, capture_output=True, text=True)
    t2 = time.monotonic()
    print(f"throughput: {a.rows} rows pushed in {t1 - t0:.2f} s = "
          f"{a.rows / (t1 - t0):.0f} rows/s (exit {r.returncode}: {r.stdout.strip()})")
    print(f"            second push (nothing waits): {1000 * (t2 - t1):.0f} ms "
          f"(exit {r2.returncode}: {r2.stdout.strip()})")


def csv_durations(reports):
    import csv
    out = []
    for name in sorted(os.listdir(reports)):
        if name.endswith(".csv"):
            with open(os.path.join(reports, name), newline="") as fp:
                for row in csv.DictReader(fp):
                    if row.get("run_id") != "run_id":
                        out.append((row["result"], float(row["duration_s"] or 0)))
    return out


def station_run(a, tmp, name, url):
    d = os.path.join(tmp, name)
    os.makedirs(os.path.join(d, "packages"))
    pkg = os.path.join(d, "packages", "p1.zip")
    subprocess.run([a.sim, "make-package", "--model", "BG96", "--from", "BG96MAR02A07M1G",
                    "--to", "BG96MAR02A08M1G", "--size", "20000", "-o", pkg], check=True,
                   capture_output=True)
    cfg = ['station: { name = "benchst"; reports_dir = "reports"; };',
           "discovery: { usb = false; };",
           "policy: { attempts = 1; reboot_timeout = 60; stall_timeout = 60; };",
           'packages = ( { model = "BG96"; from = "BG96MAR02A07M1G"; '
           'to = "BG96MAR02A08M1G"; file = "packages/p1.zip"; } );',
           "slots = (" + ",".join(f'{{ label = "S{i + 1}"; serial = "{d}/S{i + 1}"; }}'
                                  for i in range(a.units)) + ");"]
    if url:
        cfg.append(f'central: {{ url = "{url}"; }};')
    with open(os.path.join(d, "station.cfg"), "w") as fp:
        fp.write("\n".join(cfg) + "\n")
    simargv = [a.sim, "--speed", str(a.speed), "--seed", "7", "--pkgdir", d]
    for i in range(a.units):
        simargv += ["--module", f"link={d}/S{i + 1},model=BG96,rev=BG96MAR02A07M1G"]
    sim = subprocess.Popen(simargv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if all(os.path.exists(f"{d}/S{i + 1}") for i in range(a.units)):
            break
        time.sleep(0.05)
    t0 = time.monotonic()
    with open(os.path.join(d, "station.out"), "w") as out:
        st = subprocess.run([a.station, "--config", os.path.join(d, "station.cfg"),
                             "--headless", "--once"], stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    sim.terminate()
    sim.wait()
    return st.returncode, wall, csv_durations(os.path.join(d, "reports")), d


def summary(durs):
    v = [x for _, x in durs]
    res = {}
    for r, _ in durs:
        res[r] = res.get(r, 0) + 1
    return (f"{len(v)} units {res}, duration_s min {min(v):.3f} median "
            f"{statistics.median(v):.3f} max {max(v):.3f}") if v else "no rows"


def bench_stall(a, url, tmp):
    port = url.rsplit(":", 1)[1]
    proxy = subprocess.Popen([os.path.join(ROOT, "tests/tcp-stall"), port],
                             stdout=subprocess.PIPE, text=True)
    pport = proxy.stdout.readline().strip()
    purl = f"{url.rsplit(':', 1)[0]}:{pport}/dfota"
    rc0, wall0, d0, _ = station_run(a, tmp, "baseline", None)
    print(f"stall:      baseline (no central): exit {rc0}, wall {wall0:.1f} s, {summary(d0)}")
    proxy.send_signal(signal.SIGUSR1)
    resume = time.monotonic() + a.stall

    def later():
        time.sleep(max(0, resume - time.monotonic()))
        proxy.send_signal(signal.SIGUSR2)
    import threading
    th = threading.Thread(target=later, daemon=True)
    th.start()
    rc1, wall1, d1, d = station_run(a, tmp, "stalled", purl)
    print(f"            database stalled {a.stall} s from the start: exit {rc1}, wall "
          f"{wall1:.1f} s, {summary(d1)}")
    if d0 and d1:
        print(f"            median duration difference (stalled - baseline): "
              f"{statistics.median([x for _, x in d1]) - statistics.median([x for _, x in d0]):+.3f} s, "
              f"max difference {max(x for _, x in d1) - max(x for _, x in d0):+.3f} s")
    alerts = [ln for ln in open(os.path.join(d, "station.out")) if '"alert"' in ln or "still wait" in ln]
    for ln in alerts[:4]:
        print("            " + ln.strip()[:160])
    th.join()
    proxy.terminate()
    proxy.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--units", type=int, default=12)
    p.add_argument("--speed", type=float, default=5)
    p.add_argument("--stall", type=float, default=60)
    a = p.parse_args()
    a.station = os.path.join(a.build, "dfota-station")
    a.sim = os.path.join(a.build, "dfota-sim")
    tmp = tempfile.mkdtemp(prefix="bench-central-", dir="/tmp")
    os.chmod(tmp, 0o755)
    pgdir = os.path.join(tmp, "pg")
    url = pg("start", pgdir).rsplit("/", 1)[0]
    try:
        bench_throughput(a, url, tmp)
        bench_stall(a, url, tmp)
    finally:
        pg("stop", pgdir)
    print(f"(files in {tmp})")


if __name__ == "__main__":
    sys.exit(main())
