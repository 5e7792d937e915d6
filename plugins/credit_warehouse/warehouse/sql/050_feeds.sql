-- Feeds: court API pages fetched but not yet loaded. A pull that fails at page K keeps pages 1..K-1
-- here, so the rerun resumes at page K; the load of the batch deletes them in its own transaction.
create table if not exists ops.feed_page (
    feed text not null,
    logical_date date not null,
    page integer not null check (page > 0),
    total_pages integer not null check (total_pages > 0),
    size_bytes bigint not null,
    items jsonb not null,
    fetched_at timestamptz not null default now(),
    primary key (feed, logical_date, page)
);

-- the item count the API announced for the whole pull: the stored pages must add up to it
alter table ops.feed_page add column if not exists total_items integer;

alter table ops.feed_page owner to loader;
