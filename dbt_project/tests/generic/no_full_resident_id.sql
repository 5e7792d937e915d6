{#
    No text, array or json column of the model carries a full resident-ID number, as util.resident_ids_in
    finds them (full-width, with spaces or hyphens, glued to letters; the twin of the Python detector that
    masks logs and alerts). Warns with one row per offending column and its row count, never the number: one
    leaked row must not stop the night for every feed, so the build goes on and
    credit_warehouse.transform.leaks masks the rows in place and alerts the monitors.
#}
{% test no_full_resident_id(model) %}
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
        {%- for column in scanned %}
            select
                '{{ column }}' as column_name,
                count(*) as rows_with_full_id
            from {{ model }}
            where exists (select 1 from util.resident_ids_in({{ adapter.quote(column) }}::text))
            having count(*) > 0
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- else %}
        select null as column_name where false
    {%- endif %}
{% endtest %}
