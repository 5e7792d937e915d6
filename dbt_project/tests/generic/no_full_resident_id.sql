{#
    No text, array or json column of the model carries a full resident-ID number, as util.resident_ids_in
    finds them (full-width, with spaces or hyphens, glued to letters; the twin of the Python detector that
    masks logs and alerts). Warns with one row per offending column and its row count, never the number: one
    leaked row must not stop the night for every feed, so the build goes on and
    credit_warehouse.transform.leaks masks the rows in place and alerts the monitors.
    One scan of the model for all its columns (a view is computed once, not once per column): a row's columns
    are joined and tested at once with util.may_hold_resident_id, and the exact detector runs only on the
    columns of the rows it lets through.
    A model whose rows come night by night names its new rows: new_rows = {column, equals}, where equals is
    invocation_id (an append-only table: the rows this invocation appended) or as_of_date (a staging view:
    the rows the night's deliveries brought, its reported_on). With the var test_scope = 'new_rows'
    (the nightly build's) only those are scanned, the others having been scanned the night they came; a
    bare dbt test scans every row.
#}
{% test no_full_resident_id(model, new_rows=none) %}
    {{ config(severity='warn') }}
    {%- set new_rows_value = none -%}
    {#- a wrong `equals` fails every build, not only the nightly one that reads it -#}
    {%- if new_rows and new_rows.equals not in ('invocation_id', 'as_of_date') -%}
        {{ exceptions.raise_compiler_error("no_full_resident_id: new_rows.equals must be invocation_id or as_of_date, got '" ~ new_rows.equals ~ "'") }}
    {%- endif -%}
    {%- if new_rows and var('test_scope', 'all') == 'new_rows' -%}
        {%- set new_rows_value = "'" ~ invocation_id ~ "'" if new_rows.equals == 'invocation_id' else as_of_date() -%}
    {%- endif -%}
    {%- set scanned = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED')
                or column.is_string() -%}
                {%- do scanned.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if scanned %}
        select
            scanned.column_name,
            count(*) as rows_with_full_id
        {%- if new_rows_value %}
            {#- offset 0: as in get_where_subquery, the night's rows first, then the detector on them #}
            from (
                select * from {{ model }}
                where {{ adapter.quote(new_rows.column) }} = {{ new_rows_value }}
                offset 0
            ) as model_row
        {%- else %}
            from {{ model }} as model_row
        {%- endif %}
        cross join lateral (
            values
            {%- for column in scanned %}
                ('{{ column }}', model_row.{{ adapter.quote(column) }}::text){{ ',' if not loop.last }}
            {%- endfor %}
        ) as scanned (column_name, value)
        where
            util.may_hold_resident_id(concat_ws(
                '|'
                {%- for column in scanned %},
                model_row.{{ adapter.quote(column) }}::text
                {%- endfor %}
            ))
            and exists (select 1 from util.resident_ids_in(scanned.value))
        group by scanned.column_name
    {%- else %}
        select null as column_name where false
    {%- endif %}
{% endtest %}
