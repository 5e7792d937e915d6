{# 信用承诺: a breached commitment counts for 12 months from the day the breach was noted, or, when the feed does
   not say, from the commitment's own date. `record` is the alias of a credit record row. #}
{% macro commitment_breached_on(record) -%}
    coalesce(({{ record }}.details ->> 'breach_noted_on')::date, {{ record }}.event_date)
{%- endmacro %}
