{#
    No text, array or json column of the model carries a full resident-ID number: every run of 18
    characters shaped like one (not inside a longer code or hash) is checked with
    util.resident_id_is_valid, which a masked number never passes. Fails with one row per offending
    column and its row count, never the number itself.
#}
{% test no_full_resident_id(model) %}
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
            where exists (
                select 1
                from regexp_matches({{ adapter.quote(column) }}::text, '(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])', 'g') as found (id_no)
                where util.resident_id_is_valid(upper(found.id_no[1]))
            )
            having count(*) > 0
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- else %}
        select null as column_name where false
    {%- endif %}
{% endtest %}
