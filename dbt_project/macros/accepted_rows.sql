{#
    The rows of raw.<feed> that dbt may use: their batch was accepted by the quality gate and the row
    itself is not in quarantine.<feed>. source_feed names the feed (the registry's name, so no model
    downstream writes it again); reported_on is the logical date of the batch that brought the
    row: the report date of double publicity; source_layout the national format its file was written in
    (current, gb2016; current for API pulls and SQL windows). Only batches of nights up to var as_of_date
    count: building an earlier night after later ones were loaded sees that night's warehouse, not
    tomorrow's.
#}
{% macro accepted_rows(feed) %}
    select
        raw_row.*,
        '{{ feed }}' as source_feed,
        batch.logical_date as reported_on,
        coalesce(batch.source_layout, 'current') as source_layout
    from {{ source('raw', feed) }} as raw_row
    inner join {{ source('ops', 'load_batch') }} as batch
        on raw_row._batch_id = batch.batch_id
    where
        batch.feed = '{{ feed }}'
        and batch.status = 'accepted'
        and batch.logical_date <= {{ as_of_date() }}
        and not exists (
            select 1
            from {{ source('quarantine', feed) }} as held
            where
                held._batch_id = raw_row._batch_id
                and held._row_number = raw_row._row_number
        )
{% endmacro %}

{# the columns every staging model carries from accepted_rows: its batch and row, when it was loaded,
   the delivery date and the feed; `row` is the alias of the accepted rows ('' when unqualified) #}
{% macro accepted_row_columns(row='') -%}
    {%- set prefix = row ~ '.' if row else '' -%}
    {{ prefix }}_batch_id as batch_id,
    {{ prefix }}source_feed,
    {{ prefix }}_row_number as row_number,
    {{ prefix }}_loaded_at as loaded_at,
    {{ prefix }}reported_on
{%- endmacro %}
