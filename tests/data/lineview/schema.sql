-- The central store's tables as line-view reads them (issue 15's station
-- creates them on a real line). The line-view tests load this file into a
-- fresh cluster; once the station's own migration is on main they can load
-- that instead: the names and types here are the same.
CREATE TABLE IF NOT EXISTS dfota_units (
    id             bigserial PRIMARY KEY,
    run_id         text,
    station        text,
    operator       text,
    slot           text,
    usb_path       text,
    port           text,
    model          text,
    imei           text,
    iccid          text,
    fw_before      text,
    fw_target      text,
    fw_after       text,
    package        text,
    package_sha256 text,
    delivery       text,
    result         text,
    error_phase    text,
    error_code     integer,
    error_text     text,
    attempts       integer,
    started_at     timestamptz,
    finished_at    timestamptz,
    duration_s     numeric,
    transfer_s     numeric,
    update_s       numeric,
    detail_file    text,
    checks         text,
    row_sha256     text NOT NULL UNIQUE,
    received_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS dfota_slots (
    station    text,
    slot       text,
    unit       text,
    model      text,
    phase      text,
    percent    integer,
    result     text,
    error_code integer,
    error_text text,
    fw_before  text,
    fw_target  text,
    fw_after   text,
    started_at timestamptz,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (station, slot)
);

CREATE TABLE IF NOT EXISTS dfota_stations (
    station    text PRIMARY KEY,
    last_seen  timestamptz NOT NULL,
    started_at timestamptz,
    version    text,
    online     boolean
);
