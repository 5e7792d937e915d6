-- Quality gates and alerts: what each gate run decided and every alert sent. Re-runnable.
-- The quarantine.<feed> tables themselves follow the feed registry and are created from Python
-- (credit_warehouse.quality.quarantine.ensure_quarantine_tables).

-- tables below belong to loader, so its default privileges (transformer may read) apply
set role loader;

-- one row per gate run of a batch; a re-gate replaces the batch's row
create table if not exists ops.gate_result (
    batch_id bigint primary key,
    feed text not null,
    logical_date date not null,
    suite_name text not null,
    suite_version text not null,
    status text not null check (status in ('accepted', 'rejected')),
    rows_received bigint not null,
    rows_accepted bigint not null,
    rows_quarantined bigint not null,
    failed_share numeric not null,
    schema_failed boolean not null,
    failed_expectations jsonb not null,      -- [{"expectation", "column", "count", "schema"}]
    data_docs_path text,
    seconds numeric not null,
    gated_at timestamptz not null default now()
);

-- double publicity reported after its deadline, per reporting department: {"department": rows}
alter table ops.gate_result add column if not exists late_reports jsonb not null default '{}';
-- rows a redelivery repeats unchanged (same key, same content as an accepted row): held back, not failures
alter table ops.gate_result add column if not exists rows_unchanged bigint not null default 0;

create index if not exists gate_result_feed_date on ops.gate_result (feed, logical_date);

-- every valid USCC an accepted batch carried, by its embedded organisation code: a record that carries
-- only the old organisation code is linked to the one USCC that embeds it (the gate refuses it otherwise)
create table if not exists ops.known_uscc (
    uscc text primary key,
    org_code text not null,
    first_batch_id bigint not null
);

create index if not exists known_uscc_org_code on ops.known_uscc (org_code);

-- the business key and content of every accepted row, kept as each batch is accepted: the gate finds a
-- record already accepted by an index probe instead of recomputing keys over the whole history each night
create table if not exists ops.accepted_record (
    feed text not null,
    record_key text not null,
    content_md5 text not null,
    batch_id bigint not null,
    primary key (feed, record_key, content_md5)
);

-- every alert a notifier tried to send: one row per channel target
create table if not exists ops.alert_log (
    alert_id bigint generated always as identity primary key,
    alert_kind text not null check (alert_kind in ('batch', 'digest', 'task_failure')),
    feed text,
    batch_id bigint,
    logical_date date,
    channel text not null check (channel in ('email', 'slack', 'dingtalk', 'wecom')),
    target text not null,                    -- recipients, or the environment variable naming a webhook
    subject text not null,
    status text not null check (status in ('sent', 'failed')),
    error_text text,
    sent_at timestamptz not null default now()
);

-- the kinds grew with the scheduler's alerts (a delivery missing at its deadline, a build without it) and the
-- marts' (a personal number past the gate, objection and repair deadlines)
alter table ops.alert_log drop constraint if exists alert_log_alert_kind_check;
alter table ops.alert_log add constraint alert_log_alert_kind_check check (
    alert_kind in (
        'batch', 'digest', 'task_failure', 'not_delivered', 'build_incomplete', 'personal_data', 'correction_deadline'
    )
);

create index if not exists alert_log_batch on ops.alert_log (batch_id, channel) where batch_id is not null;
create index if not exists alert_log_sent_at on ops.alert_log (sent_at);

reset role;
