-- The load ledger: one row per batch (one file, one API pull, one watermark window of a feed).
create table if not exists ops.load_batch (
    batch_id bigint generated always as identity primary key,
    feed text not null,
    logical_date date not null,
    source_identity text not null,           -- file path, API query, or watermark window
    source_sha256 text not null,             -- of the bytes, or of the window for SQL sources
    status text not null default 'received'
        check (status in ('received', 'loaded', 'accepted', 'rejected', 'failed', 'superseded')),
    rows_received bigint,
    rows_accepted bigint,
    rows_quarantined bigint,
    bytes_received bigint,
    watermark_from timestamptz,
    watermark_to timestamptz,
    received_at timestamptz not null default now(),
    loaded_at timestamptz,
    gated_at timestamptz,
    finished_at timestamptz,
    error_text text
);

-- the national format a file was written in (registry layouts: current, gb2016 ...); null for API and SQL
alter table ops.load_batch add column if not exists source_layout text;
-- the transaction that gave the batch its gate's status: an incremental dbt model takes up the accepted batches
-- its last build's snapshot could not see (ops.model_build.seen_snapshot), whenever their gate committed
alter table ops.load_batch add column if not exists gated_xid xid8;

-- the loader opens and closes batches; transformer reads it through loader's default privileges
alter table ops.load_batch owner to loader;
grant select on ops.load_batch to transformer;

create index if not exists load_batch_feed_date on ops.load_batch (feed, logical_date);
create index if not exists load_batch_status on ops.load_batch (status);
-- the same source bytes are loaded once per feed: a second delivery of them adds nothing
create unique index if not exists load_batch_source_once on ops.load_batch (feed, source_sha256)
    where status not in ('failed', 'superseded');

-- One row per feed and delivery date: how the feed's night ended (delivered and gated, not delivered
-- by its deadline, or not due and not sent). The warehouse build waits for every feed due that night
-- to have a row here, until its own deadline.
create table if not exists ops.feed_delivery (
    feed text not null,
    delivery_date date not null,
    status text not null check (status in ('delivered', 'not_delivered', 'not_due')),
    batches integer not null default 0,
    rows_received bigint not null default 0,
    rows_accepted bigint not null default 0,
    rows_quarantined bigint not null default 0,
    dag_run_id text,
    recorded_at timestamptz not null default now(),
    primary key (feed, delivery_date)
);
alter table ops.feed_delivery owner to loader;
grant select on ops.feed_delivery to transformer;

-- One row per delivery date the warehouse was built for, and the due feeds it was built without.
create table if not exists ops.warehouse_build (
    delivery_date date primary key,
    trigger text not null,                   -- asset_triggered, scheduled (the deadline), manual, backfill
    missing_feeds text [] not null default '{}',
    built_at timestamptz not null default now()
);
alter table ops.warehouse_build owner to loader;
grant select on ops.warehouse_build to transformer;

-- What each incremental dbt model was last built as of: the night, when (its transaction's start) and a
-- fingerprint of its code and of the code of what it reads. The next build recomputes only the records that
-- changed since; everything when there is no row, the night went back (a backfill sees that night, not
-- tomorrow's) or the fingerprint differs. Written by the model's post-hook in the model's own transaction
-- (dbt macros previous_build, record_build), so a failed build leaves the row of the last good one.
create table if not exists ops.model_build (
    model text primary key,
    as_of date not null,
    built_at timestamptz not null,
    fingerprint text not null
);
-- what the build's statements could see: the batches gated after it are those whose gated_xid it does not show
alter table ops.model_build add column if not exists seen_snapshot pg_snapshot;
alter table ops.model_build owner to transformer;
