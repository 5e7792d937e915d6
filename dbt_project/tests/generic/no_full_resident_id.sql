{#
    No text, array or json column of the model carries a full resident-ID number, as util.resident_ids_in
    finds them (full-width, with spaces or hyphens, glued to letters; the twin of the Python detector that
    masks logs and alerts). Warns with one row per offending column and its row count, never the number: one
    leaked row must not stop the night for every feed, so the build goes on and
    credit_warehouse.transform.leaks masks the rows in place and alerts the monitors.
    One scan of the model for all its columns (a view is computed once, not once per column): a row's columns
    are joined and tested at once with util.may_hold_resident_id, and the exact detector runs only on the
    columns of the rows it lets through.
    An append-only model names its new_rows_column (the invocation that appended a row): with the var
    personal_data_scan = 'new_rows' (the nightly build's), only the rows this invocation appended are scanned,
    the others having been scanned when they came.
#}
{% test no_full_resident_id(model, new_rows_column=none) %}
    {{ config(severity='warn') }}
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
        from {{ model }} as model_row
        cross join lateral (
            values
            {%- for column in scanned %}
                ('{{ column }}', model_row.{{ adapter.quote(column) }}::text){{ ',' if not loop.last }}
            {%- endfor %}
        ) as scanned (column_name, value)
        where
            true
            {%- if new_rows_column and var('personal_data_scan', 'all') == 'new_rows' %}
                and model_row.{{ adapter.quote(new_rows_column) }} = '{{ invocation_id }}'
            {%- endif %}
            and util.may_hold_resident_id(concat_ws(
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
