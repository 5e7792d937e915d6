{#
    The date statuses and publicity windows are computed for: var as_of_date (a night's logical
    date, for backfills) or today.
#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') | string | trim -%}
    {%- if value -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
            {{ exceptions.raise_compiler_error("var as_of_date must be YYYY-MM-DD, got '" ~ value ~ "'") }}
        {%- endif -%}
        date '{{ value }}'
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
