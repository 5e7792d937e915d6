-- Publishing to the national interface (全国信用信息共享平台): the outbox, the receipts, the records
-- held back by the publish contract, and the nightly reconciliation. Re-runnable: every statement is
-- idempotent.

-- One row per record version to send. A row is staged unchecked (contract_passed null), then the
-- publish contract suite releases it (true) or holds it (false, status 'failed'); only released
-- pending rows are claimed. The unique key makes staging the same version twice impossible.
create table if not exists ops.publish_outbox (
    outbox_id bigint generated always as identity primary key,
    record_kind text not null check (record_kind in ('license', 'penalty', 'blacklist')),
    record_key text not null,
    action text not null check (action in ('upsert', 'withdraw')),  -- noqa: RF04
    subject_code text,
    payload jsonb not null,
    payload_hash text not null,
    idempotency_key text not null unique,
    status text not null default 'pending' check (
        status in ('pending', 'in_flight', 'accepted', 'rejected', 'failed')
    ),
    contract_passed boolean,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_expires_at timestamptz,            -- an in_flight row whose lease ran out is claimable again
    claimed_by text,
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (record_kind, record_key, action, payload_hash)
);

create index if not exists publish_outbox_claimable
on ops.publish_outbox (next_attempt_at, outbox_id)
where status in ('pending', 'in_flight');
-- a claim walks the rows still to send in outbox_id order: without this index it walks every row ever sent
-- first (at 200k sent rows, 37 ms per claim instead of 0.5 ms, and growing every night)
create index if not exists publish_outbox_unsent
on ops.publish_outbox (outbox_id)
where status in ('pending', 'in_flight');
create index if not exists publish_outbox_record
on ops.publish_outbox (record_kind, record_key, outbox_id);
create index if not exists publish_outbox_unchecked
on ops.publish_outbox (outbox_id)
where contract_passed is null;
create index if not exists publish_outbox_created
on ops.publish_outbox (created_at);

-- the night (delivery date, Beijing) whose build staged the row: what reconciliation counts by
alter table ops.publish_outbox add column if not exists delivery_date date;
create index if not exists publish_outbox_delivery_date
on ops.publish_outbox (delivery_date);

-- The national platform's answer for one outbox row: accepted, or rejected with its reason code.
-- Exactly one per outbox row (a repeated answer for the same row is the same receipt).
create table if not exists ops.publish_receipt (
    receipt_id bigint generated always as identity primary key,
    outbox_id bigint not null unique references ops.publish_outbox (outbox_id),
    idempotency_key text not null,
    outcome text not null check (outcome in ('accepted', 'rejected')),
    reason_code text,
    message text,
    national_receipt_id text,
    duplicate boolean not null default false,  -- the platform had applied this key before (a retry)
    http_status integer,
    received_at timestamptz not null default now()
);

-- Outbox rows the publish contract held back, with every failed expectation; they wait for a
-- corrected record (a new payload hash) or a corrected contract (re-checked on every staging run).
create table if not exists ops.publish_contract_failure (
    outbox_id bigint primary key references ops.publish_outbox (outbox_id),
    record_kind text not null,
    record_key text not null,
    action text not null,  -- noqa: RF04
    payload_hash text not null,
    failures jsonb not null,                 -- [{"expectation", "column", "reason_code", "message"}]
    first_failed_at timestamptz not null default now(),
    last_checked_at timestamptz not null default now(),
    alerted_at timestamptz,
    resolved_at timestamptz
);

-- The nightly account of publishing: every staged row is accepted, rejected, pending or held.
create table if not exists ops.publish_reconciliation (
    delivery_date date primary key,
    selected bigint not null,
    passed_contract bigint not null,
    failed_contract bigint not null,
    pushed bigint not null,
    accepted bigint not null,
    rejected bigint not null,
    pending bigint not null,
    receipts bigint not null,
    balanced boolean not null,
    reconciled_at timestamptz not null default now()
);

-- first published keyed by run_date, the wall-clock day of staging
do $$
begin
    if exists (
        select 1 from information_schema.columns
        where table_schema = 'ops' and table_name = 'publish_reconciliation' and column_name = 'run_date'
    ) then
        alter table ops.publish_reconciliation rename column run_date to delivery_date;
    end if;
end
$$;

grant select, insert, update on
ops.publish_outbox,
ops.publish_receipt,
ops.publish_contract_failure,
ops.publish_reconciliation
to publisher;
-- staging adds a night's rows at once and the claimers start right after: the publisher analyzes the outbox
-- first (MAINTAIN, PostgreSQL 17+; an older server skips the analyze with a warning), or the claim, planned
-- on statistics of an outbox still nearly empty, checks every row against every other (minutes per claim at
-- 60k staged rows instead of milliseconds)
do $$
begin
    if current_setting('server_version_num')::int >= 170000 then
        execute 'grant maintain on ops.publish_outbox to publisher';
    end if;
end
$$;
-- the dbt delta model (publish.publish_national_delta) leaves out what the outbox already holds
grant select on ops.publish_outbox to transformer;
grant select on all tables in schema publish to publisher;

-- the circuit breaker of each national interface (publish/breaker.py), shared by every pusher process and
-- task try: an outage one of them found holds the others back until a probe succeeds
create table if not exists ops.publish_breaker (
    interface text primary key,
    state text not null default 'closed' check (state in ('closed', 'open', 'half_open')),
    failures integer not null default 0,
    recent text not null default '',
    opened_at double precision not null default 0,
    probe_in_flight boolean not null default false,
    times_opened integer not null default 0,
    changed_at timestamptz not null default now()
);

alter table ops.publish_breaker add column if not exists open_streak integer not null default 0;

grant select, insert, update on ops.publish_breaker to publisher;
