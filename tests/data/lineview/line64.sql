-- A 64-slot station in every state the page draws, for the screenshot in
-- docs/ (scripts/line-view-screenshot) and for trying the page by hand:
-- running at various percents, passed, failed with module error codes,
-- aborted, no package, one stuck (no news for 5 min) and empty slots; plus
-- a shift of finished units for the counts, units per hour and yield.
INSERT INTO dfota_stations (station, last_seen, started_at, version, online)
VALUES ('LINE1-A', now(), now() - interval '5 hours', '1.4.0', true);

INSERT INTO dfota_slots (station, slot, unit, model, phase, percent, result, error_code,
                         error_text, fw_before, fw_target, fw_after, started_at, updated_at)
SELECT 'LINE1-A', 'S' || i,
       CASE WHEN i % 16 = 0 THEN NULL ELSE (866000000000000 + i * 7919)::text END,
       CASE WHEN i % 16 = 0 THEN NULL WHEN i % 3 = 0 THEN 'BG96' WHEN i % 3 = 1 THEN 'EC25' ELSE 'BG95' END,
       CASE WHEN i % 16 = 0 THEN 'WAIT'
            WHEN i % 11 = 0 THEN 'END' WHEN i % 13 = 0 THEN 'TRIGGER' WHEN i % 9 = 0 THEN 'DONE'
            WHEN i % 5 = 0 THEN 'DOWNLOAD' WHEN i % 7 = 0 THEN 'DELIVER' ELSE 'UPDATING' END,
       CASE WHEN i % 16 = 0 THEN NULL ELSE (i * 37) % 100 END,
       CASE WHEN i % 16 = 0 THEN NULL WHEN i % 11 = 0 THEN 'FAIL' WHEN i % 9 = 0 THEN 'PASS'
            WHEN i = 26 THEN 'ABORTED' WHEN i = 13 THEN 'NO_PACKAGE' WHEN i % 4 = 2 THEN 'PASS' END,
       CASE WHEN i = 11 THEN 510 WHEN i = 22 THEN 502 WHEN i = 33 THEN 505 WHEN i = 44 THEN 504
            WHEN i = 55 THEN 511 END,
       CASE WHEN i % 11 = 0 THEN 'update failed' WHEN i = 26 THEN 'unit pulled during the update' END,
       CASE WHEN i % 16 = 0 THEN NULL WHEN i % 3 = 0 THEN 'BG96MAR02A07M1G' WHEN i % 3 = 1 THEN 'EC25EFAR06A06M4G' ELSE 'BG95M3LAR02A03' END,
       CASE WHEN i % 16 = 0 THEN NULL WHEN i % 3 = 0 THEN 'BG96MAR02A08M1G' WHEN i % 3 = 1 THEN 'EC25EFAR06A07M4G' ELSE 'BG95M3LAR02A04' END,
       NULL,
       CASE WHEN i % 16 = 0 THEN NULL ELSE now() - (i * 7 % 300 + 20) * interval '1 second' END,
       CASE WHEN i = 37 THEN now() - interval '5 minutes' ELSE now() - interval '2 seconds' END
FROM generate_series(1, 64) AS i;

INSERT INTO dfota_units (station, slot, operator, model, imei, fw_before, fw_target, fw_after,
                         result, error_phase, error_code, error_text, attempts, started_at,
                         finished_at, duration_s, detail_file, row_sha256)
SELECT 'LINE1-A', 'S' || (1 + i % 64), 'anna', 'BG96', (865000000000000 + i)::text,
       'BG96MAR02A07M1G', 'BG96MAR02A08M1G',
       CASE WHEN i % 23 = 0 THEN 'BG96MAR02A07M1G' ELSE 'BG96MAR02A08M1G' END,
       CASE WHEN i % 23 = 0 THEN 'FAIL' ELSE 'PASS' END,
       CASE WHEN i % 23 = 0 THEN 'UPDATING' END, CASE WHEN i % 23 = 0 THEN 510 END,
       CASE WHEN i % 23 = 0 THEN 'update failed' END, 1,
       now() - (i * 40 + 200) * interval '1 second', now() - i * 40 * interval '1 second', 200,
       'units/' || (865000000000000 + i) || '.csv', 'demo-' || i
FROM generate_series(1, 400) AS i;
